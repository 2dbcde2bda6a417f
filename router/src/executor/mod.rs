//! Running a plan: fetches in dependency order (independent ones concurrently),
//! representations collected and deduplicated for `_entities`, results merged into one
//! data tree, subgraph errors re-pathed into the client's response.
//!
//! # Layout
//! - [`fetch`]: HTTP to subgraphs.
//! - [`entity_cache`]: `_entities` answers from and into the entity cache.
//! - [`tree`]: the data tree, borrowing from the subgraphs' answers.
//! - [`paths`]: positions in the data tree: the objects at a plan path, addresses.
//! - [`representations`]: `_entities` representations, built and written.
//! - `merge`: fetched results merged into the data tree.
//! - `repath`: subgraph errors re-pathed into the client's response.
//! - [`shape`]: the client's response from the data tree (aliases, fragments,
//!   `@skip`/`@include`, null propagation, introspection).
//! - [`project`]: the fast path of shaping, for data that needs no error.

pub mod entity_cache;
pub mod fetch;
mod merge;
pub mod paths;
pub mod project;
mod repath;
pub mod representations;
pub mod shape;
pub mod tree;

use std::{collections::HashMap, sync::Arc};

use apollo_compiler::{
    ast::OperationType,
    response::{JsonMap, JsonValue},
};
use futures_util::future::join_all;
use tessera_codes::ErrorCode;
use tokio::sync::Mutex;

pub use self::entity_cache::EntityCache;
use self::{
    entity_cache::Representations,
    fetch::{Bodies, Fetching, Invalidation, SubgraphClient},
    merge::{merge_each, merge_hits, merge_in_order},
    paths::{Address, address_to_path, visit_objects},
    repath::repath,
    representations::write_representation,
    tree::{Map, Value},
};
use crate::{
    cache::CachePolicy,
    error::{Extensions, GraphqlError},
    planner::{EntityCall, Fetch, Plan},
    supergraph::Supergraph,
};

/// The data tree and the errors gathered while a plan runs.
pub struct Outcome<'b> {
    /// Everything fetched, keyed by response keys.
    pub data: Value<'b>,
    /// Errors from subgraphs (re-pathed) and from failed fetches.
    pub errors: Vec<GraphqlError>,
    /// The subgraphs' `Cache-Control` answers, together (a failed fetch: uncacheable).
    pub policy: CachePolicy,
    /// Entities the subgraphs said they changed.
    pub invalidations: Vec<Invalidation>,
}

/// Runs `plan` with the client's coerced `variables`, sending `identity` (the router's
/// signed identity token) to every subgraph; `_entities` answers come from and go to
/// `cache` when given. The data tree borrows from the answers `bodies` keeps.
pub async fn execute<'b>(
    sg: &Supergraph,
    clients: &[SubgraphClient],
    plan: &Plan,
    variables: &JsonMap,
    identity: Option<&Arc<str>>,
    cache: Option<&EntityCache<'_>>,
    bodies: &'b Bodies,
) -> Outcome<'b> {
    let state = Mutex::new(Outcome {
        data: Value::Object(Map::new()),
        errors: Vec::new(),
        policy: CachePolicy::UNRESTRICTED,
        invalidations: Vec::new(),
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
                .map(|f| run_fetch(sg, clients, f, variables, identity, cache, bodies, &state)),
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

#[allow(clippy::too_many_arguments)] // the plan's context, one fetch, where it goes
async fn run_fetch<'b>(
    sg: &Supergraph,
    clients: &[SubgraphClient],
    fetch: &Fetch,
    variables: &JsonMap,
    identity: Option<&Arc<str>>,
    cache: Option<&EntityCache<'_>>,
    bodies: &'b Bodies,
    state: &Mutex<Outcome<'b>>,
) {
    let started = std::time::Instant::now();
    let subgraph = &sg.subgraphs[fetch.subgraph].name;
    let vars = forwarded(fetch, variables);
    let cache = cache.filter(|_| fetch.kind == OperationType::Query && !fetch.entities.is_empty());
    let forwarded_vars = cache.map(|_| entity_cache::forwarded_text(&vars));
    // For entity fetches, per `_entities` field: which response objects each
    // representation came from.
    let mut origins: Vec<Vec<Vec<Address<'_>>>> = Vec::with_capacity(fetch.entities.len());
    // Representations whose entity came from the cache, and per call how it is cached.
    let mut hits: Vec<(Vec<Address<'_>>, Value<'b>)> = Vec::new();
    let mut cached_calls = Vec::new();
    let mut hits_policy = CachePolicy::UNRESTRICTED;
    let mut texts: Vec<Vec<Vec<u8>>> = Vec::new();
    // Per call, its representations as JSON text (a list), sent as they are.
    let mut written: Vec<(String, Vec<u8>)> = Vec::with_capacity(fetch.entities.len());
    // Per call, for each object its paths reach (in traversal order), the index of its
    // representation (none when it has none): the answers merge in one walk.
    let mut order: Vec<Vec<Option<usize>>> = Vec::with_capacity(fetch.entities.len());
    if !fetch.entities.is_empty() {
        let mut all: Vec<Representations<'_>> = Vec::with_capacity(fetch.entities.len());
        let guard = state.lock().await;
        let is_a = |condition: &str, actual: &str| {
            condition == actual || sg.schema.is_subtype(condition, actual)
        };
        for call in &fetch.entities {
            let typename = call.representation_typename.as_ref().map(|t| t.as_str());
            let mut reps = Representations::default();
            // Representations are deduplicated by their text: hashed with a fast,
            // randomly seeded hasher (the text is subgraph data).
            let mut index: HashMap<Vec<u8>, usize, ahash::RandomState> =
                HashMap::with_hasher(ahash::RandomState::new());
            let mut text = Vec::new();
            let mut keys = Vec::new();
            let mut visits = Vec::new();
            for path in &call.paths {
                visit_objects(
                    sg,
                    &guard.data,
                    path,
                    &mut Vec::new(),
                    &mut |address, object| {
                        // The text: an entity met again is known by it, and it is what
                        // the subgraph is sent.
                        text.clear();
                        if write_representation(
                            object,
                            &call.entity,
                            typename,
                            &call.representation,
                            &is_a,
                            &mut text,
                            &mut keys,
                        )
                        .is_none()
                        {
                            visits.push(None);
                            return; // a key or required field is missing (null after an error)
                        }
                        if let Some(&i) = index.get(text.as_slice()) {
                            visits.push(Some(i));
                            reps.from[i].push(address.clone());
                            return;
                        }
                        visits.push(Some(reps.texts.len()));
                        index.insert(text.clone(), reps.texts.len());
                        reps.texts.push(text.clone());
                        reps.from.push(vec![address.clone()]);
                    },
                );
            }
            all.push(reps);
            order.push(visits);
        }
        drop(guard);
        if let (Some(cache), Some(forwarded)) = (cache, &forwarded_vars) {
            let taken = cache
                .take_hits(sg, subgraph, &fetch.entities, forwarded, &mut all, bodies)
                .await;
            (hits, cached_calls, hits_policy) = (taken.entities, taken.calls, taken.policy);
        }
        let mut any = false;
        for (k, reps) in all.into_iter().enumerate() {
            any |= !reps.texts.is_empty();
            let mut list =
                Vec::with_capacity(reps.texts.iter().map(|t| t.len() + 1).sum::<usize>() + 2);
            list.push(b'[');
            for (i, text) in reps.texts.iter().enumerate() {
                if i > 0 {
                    list.push(b',');
                }
                list.extend_from_slice(text);
            }
            list.push(b']');
            written.push((EntityCall::variable(k, &fetch.variables), list));
            origins.push(reps.from);
            texts.push(reps.texts);
        }
        if !any {
            if !hits.is_empty() {
                let mut guard = state.lock().await;
                guard.policy = guard.policy.restrict(hits_policy);
                merge_hits(&mut guard.data, hits);
            }
            return;
        }
    }

    tracing::debug!(
        subgraph = %subgraph,
        operation = %fetch.operation,
        variables = ?vars,
        representations = ?texts.iter().map(Vec::len).collect::<Vec<_>>(),
        "fetch"
    );
    let result = clients[fetch.subgraph]
        .send(
            &fetch.operation,
            vars,
            &written,
            identity,
            Fetching {
                share: fetch.kind == OperationType::Query,
                unalias: fetch.internal_aliases,
            },
            bodies,
        )
        .await;
    let mut guard = state.lock().await;
    let outcome = &mut *guard;
    outcome.policy = outcome.policy.restrict(hits_policy);
    merge_hits(&mut outcome.data, hits);
    let response = match result {
        Ok(response) => response,
        Err(err) => {
            outcome.policy = CachePolicy::UNCACHEABLE;
            tracing::warn!(subgraph = %subgraph, error = ?err, "subgraph fetch failed");
            let mut error = GraphqlError::new(
                ErrorCode::SubgraphRequestFailed,
                format!("subgraph `{subgraph}` could not be fetched: {err}"),
            )
            .from_service(subgraph);
            error.path = origins
                .iter()
                .flatten()
                .next()
                .and_then(|a| a.first())
                .map(|a| address_to_path(a));
            outcome.errors.push(error);
            return;
        }
    };
    // The answer may be shared with identical fetches of other requests: it is read by
    // reference, and only what this response needs is copied.
    let (policy, invalidations, errors, data) = (
        response.policy,
        response.extensions.invalidate.iter().cloned(),
        response.errors.iter().cloned(),
        response.data.as_ref(),
    );
    outcome.policy = outcome.policy.restrict(policy);
    outcome.invalidations.extend(invalidations);
    let keys: Vec<String> = (0..fetch.entities.len())
        .map(EntityCall::response_key)
        .collect();
    let clean = response.errors.is_empty();
    // Which entity calls an error points into, and whether one points nowhere.
    let mut erred = vec![false; keys.len()];
    let mut pathless = false;
    for mut error in errors {
        match &error.path {
            Some(path) => {
                let k = path
                    .first()
                    .and_then(JsonValue::as_str)
                    .and_then(|head| keys.iter().position(|key| key == head))
                    .unwrap_or(0);
                if let Some(flag) = erred.get_mut(k) {
                    *flag = true;
                }
            }
            None => pathless = true,
        }
        error.extensions.service_name = Some(subgraph.clone());
        let mut paths = repath(error.path.take(), &keys, &origins, data).into_iter();
        let Some(first) = paths.next() else {
            outcome.errors.push(error);
            continue;
        };
        for path in paths {
            outcome.errors.push(GraphqlError {
                path: Some(path),
                ..error.clone()
            });
        }
        error.path = Some(first);
        outcome.errors.push(error);
    }
    // An entity call the answer has no list for (its `data` null, say, when a subgraph
    // fails `_entities` as a whole), that no error points into: each object it stood
    // for is told so, with the subgraph's first error, never left null in silence.
    if !pathless {
        let unanswered = keys
            .iter()
            .zip(&origins)
            .zip(&erred)
            .filter(|((key, from), erred)| {
                !**erred
                    && !from.is_empty()
                    && !data
                        .and_then(Value::as_object)
                        .and_then(|d| d.get(key.as_str()))
                        .is_some_and(|v| matches!(v, Value::Array(_)))
            });
        for ((_, from), _) in unanswered {
            let error = response
                .errors
                .first()
                .cloned()
                .unwrap_or_else(|| GraphqlError {
                    message: format!("subgraph `{subgraph}` answered no entities"),
                    locations: Vec::new(),
                    path: None,
                    extensions: Extensions::default(),
                });
            let error = error.from_service(subgraph);
            for address in from.iter().filter_map(|addresses| addresses.first()) {
                outcome.errors.push(GraphqlError {
                    path: Some(address_to_path(address)),
                    ..error.clone()
                });
            }
        }
    }
    let Some(data) = data else {
        return;
    };
    if fetch.entities.is_empty() {
        outcome.data.merge_ref(data);
        return;
    }
    // Answered entities to keep: (call, representation text, entity).
    let mut answered: Vec<(usize, Vec<u8>, bytes::Bytes)> = Vec::new();
    let storing = cache.is_some() && clean;
    for (k, (key, from)) in keys.iter().zip(&origins).enumerate() {
        let Some(Value::Array(entities)) = data.as_object().and_then(|d| d.get(key.as_str()))
        else {
            continue;
        };
        if storing {
            for (i, entity) in entities.iter().enumerate() {
                if entity.is_object()
                    && let Some(text) = texts.get(k).and_then(|t| t.get(i))
                {
                    let mut written = Vec::with_capacity(128);
                    entity.write(&mut written);
                    answered.push((k, text.clone(), written.into()));
                }
            }
        }
        // Without the entity cache the representations are exactly those collected, in
        // order: one walk merges them all (else each goes to its addresses).
        let walk = cache.is_none().then(|| order.get(k)).flatten();
        match walk {
            Some(visits) if entities.len() == from.len() => {
                merge_in_order(
                    sg,
                    &mut outcome.data,
                    &fetch.entities[k].paths,
                    visits,
                    entities,
                    from,
                );
            }
            _ => merge_each(&mut outcome.data, entities, from),
        }
    }
    drop(guard);
    if let (Some(cache), Some(forwarded)) = (cache, &forwarded_vars)
        && !answered.is_empty()
    {
        cache
            .store(
                &fetch.entities,
                &cached_calls,
                forwarded,
                policy,
                answered,
                started,
            )
            .await;
    }
}
