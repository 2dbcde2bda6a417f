//! Running a plan: fetches in dependency order (independent ones concurrently),
//! representations collected and deduplicated for `_entities`, results merged into one
//! data tree, subgraph errors re-pathed into the client's response.
//!
//! # Layout
//! - [`fetch`]: HTTP to subgraphs.
//! - [`merge`]: paths into the data tree, representations, deep merge.
//! - [`shape`]: the client's response from the data tree (aliases, fragments,
//!   `@skip`/`@include`, null propagation, introspection).

pub mod fetch;
pub mod merge;
pub mod shape;

use std::collections::HashMap;

use apollo_compiler::response::{JsonMap, JsonValue};
use futures_util::future::join_all;
use tessera_codes::ErrorCode;
use tokio::sync::Mutex;

use self::{
    fetch::SubgraphClient,
    merge::{Address, address_to_path, collect_objects, deep_merge, get_mut, representation},
};
use crate::{
    planner::{Fetch, Plan},
    supergraph::Supergraph,
};

/// The data tree and the errors gathered while a plan runs.
pub struct Outcome {
    /// Everything fetched, keyed by response keys.
    pub data: JsonValue,
    /// Errors from subgraphs (re-pathed) and from failed fetches.
    pub errors: Vec<JsonMap>,
}

/// Runs `plan` with the client's coerced `variables`.
pub async fn execute(
    sg: &Supergraph,
    clients: &[SubgraphClient],
    plan: &Plan,
    variables: &JsonMap,
) -> Outcome {
    let state = Mutex::new(Outcome {
        data: JsonValue::Object(JsonMap::new()),
        errors: Vec::new(),
    });
    let mut done = vec![false; plan.fetches.len()];
    loop {
        let ready: Vec<&Fetch> = plan
            .fetches
            .iter()
            .filter(|f| !done[f.id] && f.depends_on.iter().all(|d| done[*d]))
            .collect();
        if ready.is_empty() {
            break;
        }
        for f in &ready {
            done[f.id] = true;
        }
        join_all(
            ready
                .into_iter()
                .map(|f| run_fetch(sg, clients, f, variables, &state)),
        )
        .await;
    }
    state.into_inner()
}

fn forwarded(fetch: &Fetch, variables: &JsonMap) -> JsonMap {
    let mut out = JsonMap::new();
    for name in &fetch.variables {
        if let Some(value) = variables.get(name.as_str()) {
            out.insert(name.as_str(), value.clone());
        }
    }
    out
}

async fn run_fetch(
    sg: &Supergraph,
    clients: &[SubgraphClient],
    fetch: &Fetch,
    variables: &JsonMap,
    state: &Mutex<Outcome>,
) {
    let subgraph = &sg.subgraphs[fetch.subgraph].name;
    let mut vars = forwarded(fetch, variables);
    // For entity fetches: which response objects each representation came from.
    let mut origins: Vec<Vec<Address>> = Vec::new();
    if let Some(entity) = &fetch.entity {
        let guard = state.lock().await;
        let mut addresses = Vec::new();
        collect_objects(
            sg,
            &guard.data,
            &fetch.path,
            &mut Vec::new(),
            &mut addresses,
        );
        let mut reps: Vec<JsonValue> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for address in addresses {
            let Some(object) = merge::get(&guard.data, &address) else {
                continue;
            };
            let typename = fetch.representation_typename.as_ref().map(|t| t.as_str());
            let is_a = |condition: &str, actual: &str| {
                condition == actual || sg.schema.is_subtype(condition, actual)
            };
            let Some(rep) = representation(object, entity, typename, &fetch.representation, &is_a)
            else {
                continue; // a key or required field is missing (null after an error)
            };
            let text = serde_json::to_string(&rep).unwrap_or_default();
            match index.get(&text) {
                Some(&i) => origins[i].push(address),
                None => {
                    index.insert(text, reps.len());
                    reps.push(rep);
                    origins.push(vec![address]);
                }
            }
        }
        drop(guard);
        if reps.is_empty() {
            return;
        }
        vars.insert("representations", JsonValue::Array(reps));
    }

    tracing::debug!(subgraph = %subgraph, operation = %fetch.operation, variables = ?vars, "fetch");
    let result = clients[fetch.subgraph].send(&fetch.operation, vars).await;
    let mut guard = state.lock().await;
    let outcome = &mut *guard;
    let response = match result {
        Ok(response) => response,
        Err(err) => {
            tracing::warn!(subgraph = %subgraph, error = %err, "subgraph fetch failed");
            let mut error = JsonMap::new();
            error.insert(
                "message",
                JsonValue::String(
                    format!("subgraph `{subgraph}` could not be fetched: {err}").into(),
                ),
            );
            let path = if fetch.entity.is_some() {
                origins
                    .first()
                    .and_then(|a| a.first())
                    .map(|a| address_to_path(a))
            } else {
                None
            };
            if let Some(path) = path {
                error.insert("path", path);
            }
            let mut ext = JsonMap::new();
            ext.insert(
                "code",
                JsonValue::String(ErrorCode::SubgraphRequestFailed.as_str().into()),
            );
            ext.insert("serviceName", JsonValue::String(subgraph.as_str().into()));
            error.insert("extensions", JsonValue::Object(ext));
            outcome.errors.push(error);
            return;
        }
    };
    for mut error in response.errors {
        let path = error.remove("path");
        if let Some(path) = repath(path, fetch, &origins) {
            error.insert("path", path);
        }
        let ext = error
            .entry("extensions")
            .or_insert_with(|| JsonValue::Object(JsonMap::new()));
        if let JsonValue::Object(ext) = ext {
            ext.insert("serviceName", JsonValue::String(subgraph.as_str().into()));
        }
        outcome.errors.push(error);
    }
    let Some(mut data) = response.data else {
        return;
    };
    if fetch.internal_aliases {
        merge::undo_internal_aliases(&mut data);
    }
    if fetch.entity.is_none() {
        deep_merge(&mut outcome.data, data);
        return;
    }
    let JsonValue::Object(mut data) = data else {
        return;
    };
    let Some(JsonValue::Array(entities)) = data.remove("_entities") else {
        return;
    };
    for (i, entity) in entities.into_iter().enumerate() {
        let Some(addresses) = origins.get(i) else {
            break;
        };
        for address in addresses {
            if let Some(target) = get_mut(&mut outcome.data, address) {
                deep_merge(target, entity.clone());
            }
        }
    }
}

/// A subgraph error's path in the client's response.
fn repath(path: Option<JsonValue>, fetch: &Fetch, origins: &[Vec<Address>]) -> Option<JsonValue> {
    let JsonValue::Array(path) = path? else {
        return None;
    };
    if fetch.entity.is_none() {
        return Some(JsonValue::Array(path));
    }
    // ["_entities", i, rest…] → address of representation i + rest
    let index = path.get(1).and_then(JsonValue::as_u64)?;
    let address = origins.get(usize::try_from(index).ok()?)?.first()?;
    let JsonValue::Array(mut full) = address_to_path(address) else {
        return None;
    };
    full.extend(path.into_iter().skip(2));
    Some(JsonValue::Array(full))
}
