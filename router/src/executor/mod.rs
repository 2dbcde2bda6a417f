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

#[cfg(test)]
mod agreement;
pub mod entity_cache;
pub mod fetch;
pub mod headers;
mod merge;
pub mod paths;
pub mod project;
mod repath;
pub mod representations;
pub mod shape;
pub mod shaping;
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
    headers::Forwarded,
    merge::{merge_each, merge_hits, merge_in_order},
    paths::{Address, address_to_path, visit_objects},
    repath::repath,
    representations::write_representation,
    tree::{Map, Value},
};
use crate::{
    cache::CachePolicy,
    error::GraphqlError,
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
    (identity, forwarded): (Option<&Arc<str>>, &Forwarded),
    cache: Option<&EntityCache<'_>>,
    bodies: &'b Bodies,
) -> Outcome<'b> {
    let run = Run {
        sg,
        clients,
        variables,
        identity,
        forwarded,
        cache,
        bodies,
        state: Mutex::new(Outcome {
            data: Value::Object(Map::new()),
            errors: Vec::new(),
            policy: CachePolicy::UNRESTRICTED,
            invalidations: Vec::new(),
        }),
    };
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
        join_all(ready.into_iter().map(|f| run.fetch(f))).await;
    }
    run.state.into_inner()
}

/// What every fetch of one run of a plan shares.
struct Run<'r, 'c, 'b> {
    sg: &'r Supergraph,
    clients: &'r [SubgraphClient],
    variables: &'r JsonMap,
    identity: Option<&'r Arc<str>>,
    /// The client's headers each subgraph gets.
    forwarded: &'r Forwarded,
    cache: Option<&'r EntityCache<'c>>,
    bodies: &'b Bodies,
    state: Mutex<Outcome<'b>>,
}

/// One `_entities` call of a fetch as it runs: its representations (text, and the
/// objects each stands for) and, per object its paths reach in traversal order, the
/// index of its representation (none when it has none), so the answers merge in one
/// walk.
#[derive(Default)]
struct Call<'p> {
    reps: Representations<'p>,
    visits: Vec<Option<usize>>,
}

impl<'b> Run<'_, '_, 'b> {
    /// One fetch: representations collected, the entity cache asked, the subgraph
    /// asked for the rest, its errors re-pathed, its answer merged, and stored.
    async fn fetch(&self, fetch: &Fetch) {
        let started = std::time::Instant::now();
        let subgraph = &self.sg.subgraphs[fetch.subgraph].name;
        let vars = forwarded(fetch, self.variables);
        let cache = self
            .cache
            .filter(|_| fetch.kind == OperationType::Query && !fetch.entities.is_empty());
        let forwarded_vars = cache.map(|_| entity_cache::forwarded_text(&vars));
        let mut calls = self.representations(fetch).await;
        let hits = match (cache, &forwarded_vars) {
            (Some(cache), Some(forwarded)) => {
                let mut reps: Vec<&mut Representations<'_>> =
                    calls.iter_mut().map(|c| &mut c.reps).collect();
                Some(
                    cache
                        .take_hits(
                            self.sg,
                            subgraph,
                            &fetch.entities,
                            forwarded,
                            &mut reps,
                            self.bodies,
                        )
                        .await,
                )
            }
            _ => None,
        };
        let (hits, cached_calls, hits_policy) = match hits {
            Some(hits) => (hits.entities, hits.calls, hits.policy),
            None => (Vec::new(), Vec::new(), CachePolicy::UNRESTRICTED),
        };
        if !fetch.entities.is_empty() && calls.iter().all(|c| c.reps.texts.is_empty()) {
            // Nothing left to ask.
            if !hits.is_empty() {
                let mut guard = self.state.lock().await;
                guard.policy = guard.policy.restrict(hits_policy);
                merge_hits(&mut guard.data, hits);
            }
            return;
        }
        tracing::debug!(
            subgraph = %subgraph,
            operation = %crate::redact::redacted(&fetch.operation),
            variables = ?vars.keys().map(|name| name.as_str()).collect::<Vec<_>>(),
            representations = ?calls.iter().map(|c| c.reps.texts.len()).collect::<Vec<_>>(),
            "fetch"
        );
        let result = self.clients[fetch.subgraph]
            .send(
                &fetch.operation,
                vars,
                &written(fetch, &calls),
                (self.identity, self.forwarded.for_subgraph(fetch.subgraph)),
                Fetching {
                    share: fetch.kind == OperationType::Query,
                    unalias: fetch.internal_aliases,
                },
                self.bodies,
            )
            .await;
        let mut guard = self.state.lock().await;
        let outcome = &mut *guard;
        outcome.policy = outcome.policy.restrict(hits_policy);
        merge_hits(&mut outcome.data, hits);
        let response = match result {
            Ok(response) => response,
            Err(err) => {
                tracing::warn!(subgraph = %subgraph, error = ?err, "subgraph fetch failed");
                outcome.policy = CachePolicy::UNCACHEABLE;
                outcome.errors.push(failed(subgraph, &err, &calls));
                return;
            }
        };
        // The answer may be shared with identical fetches of other requests: it is read
        // by reference, and only what this response needs is copied.
        let data = response.data.as_ref();
        outcome.policy = outcome.policy.restrict(response.policy);
        outcome
            .invalidations
            .extend(response.extensions.invalidate.iter().cloned());
        let keys: Vec<String> = (0..fetch.entities.len())
            .map(EntityCall::response_key)
            .collect();
        report_errors(outcome, subgraph, &keys, &calls, &response.errors, data);
        let Some(data) = data else {
            return;
        };
        if fetch.entities.is_empty() {
            outcome.data.merge_ref(data);
            return;
        }
        let storing = cache.is_some() && response.errors.is_empty();
        let answered = merge_answers(
            self.sg,
            outcome,
            fetch,
            (&keys, &calls),
            data,
            (cache.is_none(), storing),
        );
        let policy = response.policy;
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

    /// Per `_entities` call of `fetch`, the representations of the objects its paths
    /// reach in the data so far, deduplicated by their text (none for a root fetch).
    async fn representations<'p>(&self, fetch: &'p Fetch) -> Vec<Call<'p>> {
        if fetch.entities.is_empty() {
            return Vec::new();
        }
        let sg = self.sg;
        let guard = self.state.lock().await;
        let is_a = |condition: &str, actual: &str| {
            condition == actual || sg.schema.is_subtype(condition, actual)
        };
        let mut calls = Vec::with_capacity(fetch.entities.len());
        for call in &fetch.entities {
            let typename = call.representation_typename.as_ref().map(|t| t.as_str());
            let mut out = Call::default();
            // Representations are deduplicated by their text: hashed with a fast,
            // randomly seeded hasher (the text is subgraph data).
            let mut index: HashMap<Vec<u8>, usize, ahash::RandomState> =
                HashMap::with_hasher(ahash::RandomState::new());
            let mut text = Vec::new();
            let mut keys = Vec::new();
            for path in &call.paths {
                visit_objects(
                    sg,
                    &guard.data,
                    path,
                    &mut Vec::new(),
                    &mut |address, object| {
                        // The text: an entity met again is known by it, and it is what the
                        // subgraph is sent.
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
                            out.visits.push(None);
                            return; // a key or required field is missing (null after an error)
                        }
                        if let Some(&i) = index.get(text.as_slice()) {
                            out.visits.push(Some(i));
                            out.reps.from[i].push(address.clone());
                            return;
                        }
                        out.visits.push(Some(out.reps.texts.len()));
                        index.insert(text.clone(), out.reps.texts.len());
                        out.reps.texts.push(text.clone());
                        out.reps.from.push(vec![address.clone()]);
                    },
                );
            }
            calls.push(out);
        }
        calls
    }
}

/// The variables `fetch` forwards of the client's.
fn forwarded(fetch: &Fetch, variables: &JsonMap) -> JsonMap {
    let mut out = JsonMap::new();
    for name in &fetch.variables {
        if let Some(value) = variables.get(name.as_str()) {
            out.insert(name.as_str(), value.clone());
        }
    }
    out
}

/// Per call, its representations variable and their JSON list, as the subgraph is
/// sent them.
fn written(fetch: &Fetch, calls: &[Call<'_>]) -> Vec<(String, Vec<u8>)> {
    calls
        .iter()
        .enumerate()
        .map(|(k, call)| {
            let texts = &call.reps.texts;
            let mut list = Vec::with_capacity(texts.iter().map(|t| t.len() + 1).sum::<usize>() + 2);
            list.push(b'[');
            for (i, text) in texts.iter().enumerate() {
                if i > 0 {
                    list.push(b',');
                }
                list.extend_from_slice(text);
            }
            list.push(b']');
            (EntityCall::variable(k, &fetch.variables), list)
        })
        .collect()
}

/// The client's error for a fetch that failed (at the first object it was for).
fn failed(subgraph: &str, err: &fetch::FetchError, calls: &[Call<'_>]) -> GraphqlError {
    let code = match err {
        fetch::FetchError::CircuitOpen { .. } => ErrorCode::SubgraphCircuitOpen,
        _ => ErrorCode::SubgraphRequestFailed,
    };
    let mut error = GraphqlError::new(
        code,
        format!("subgraph `{subgraph}` could not be fetched: {err}"),
    )
    .from_service(subgraph);
    error.path = calls
        .iter()
        .flat_map(|c| &c.reps.from)
        .next()
        .and_then(|a| a.first())
        .map(|a| address_to_path(a));
    error
}

/// The subgraph's `errors` into the client's response, re-pathed, each naming the
/// subgraph; then, for an entity call the answer has no list for (its `data` null,
/// say, when a subgraph fails `_entities` as a whole) that no error points into, each
/// object it stood for is told so, with the subgraph's first error, never left null in
/// silence.
fn report_errors(
    outcome: &mut Outcome<'_>,
    subgraph: &str,
    keys: &[String],
    calls: &[Call<'_>],
    errors: &[GraphqlError],
    data: Option<&Value<'_>>,
) {
    if errors.is_empty() && keys.is_empty() {
        return;
    }
    // Only re-pathing reads the origins as one list: built when there are errors.
    let origins: Vec<&[Vec<Address<'_>>]> = if errors.is_empty() {
        Vec::new()
    } else {
        calls.iter().map(|c| c.reps.from.as_slice()).collect()
    };
    // Which entity calls an error points into, and whether one points nowhere.
    let mut erred = vec![false; keys.len()];
    let mut pathless = false;
    for error in errors {
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
        let mut error = error.clone().from_service(subgraph);
        let mut paths = repath(error.path.take(), keys, &origins, data).into_iter();
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
    if pathless {
        return;
    }
    let unanswered = keys
        .iter()
        .zip(calls.iter().map(|c| &c.reps.from))
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
        let error = errors
            .first()
            .cloned()
            .unwrap_or_else(|| {
                GraphqlError::new(
                    ErrorCode::SubgraphRequestFailed,
                    format!("subgraph `{subgraph}` answered no entities"),
                )
            })
            .from_service(subgraph);
        for address in from.iter().filter_map(|addresses| addresses.first()) {
            outcome.errors.push(GraphqlError {
                path: Some(address_to_path(address)),
                ..error.clone()
            });
        }
    }
}

/// The answered entities merged into the objects their representations came from;
/// returns those to keep in the entity cache, when `storing`: (call, representation
/// text, entity). Without the entity cache (`in_order`) the representations are
/// exactly those collected, in order: one walk merges them all (else each goes to its
/// addresses).
fn merge_answers<'b>(
    sg: &Supergraph,
    outcome: &mut Outcome<'b>,
    fetch: &Fetch,
    (keys, calls): (&[String], &[Call<'_>]),
    data: &Value<'b>,
    (in_order, storing): (bool, bool),
) -> Vec<(usize, Vec<u8>, bytes::Bytes)> {
    let mut answered = Vec::new();
    for (k, (key, call)) in keys.iter().zip(calls).enumerate() {
        let Some(Value::Array(entities)) = data.as_object().and_then(|d| d.get(key.as_str()))
        else {
            continue;
        };
        if storing {
            for (entity, text) in entities.iter().zip(&call.reps.texts) {
                if entity.is_object() {
                    let mut written = Vec::with_capacity(128);
                    entity.write(&mut written);
                    answered.push((k, text.clone(), written.into()));
                }
            }
        }
        let from = &call.reps.from;
        if in_order && entities.len() == from.len() {
            merge_in_order(
                sg,
                &mut outcome.data,
                &fetch.entities[k].paths,
                &call.visits,
                entities,
                from,
            );
        } else {
            merge_each(&mut outcome.data, entities, from);
        }
    }
    answered
}
