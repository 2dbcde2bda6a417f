//! Running a plan: fetches in dependency order (independent ones concurrently),
//! representations collected and deduplicated for `_entities`, results merged into one
//! data tree, subgraph errors re-pathed into the client's response.
//!
//! # Layout
//! - [`fetch`]: HTTP to subgraphs.
//! - [`entity_cache`]: `_entities` answers from and into the entity cache.
//! - [`tree`]: the data tree, borrowing from the subgraphs' answers.
//! - [`merge`]: paths into the data tree, representations.
//! - [`shape`]: the client's response from the data tree (aliases, fragments,
//!   `@skip`/`@include`, null propagation, introspection).
//! - [`project`]: the fast path of shaping, for data that needs no error.

pub mod entity_cache;
pub mod fetch;
pub mod merge;
pub mod project;
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
    merge::{Address, address_to_path, get_mut, visit_objects, write_representation},
    tree::{Map, Value},
};
use crate::{
    cache::CachePolicy,
    planner::{EntityCall, Fetch, PathSeg, Plan},
    supergraph::Supergraph,
};

/// The data tree and the errors gathered while a plan runs.
pub struct Outcome<'b> {
    /// Everything fetched, keyed by response keys.
    pub data: Value<'b>,
    /// Errors from subgraphs (re-pathed) and from failed fetches.
    pub errors: Vec<JsonMap>,
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
            let mut error = JsonMap::new();
            error.insert(
                "message",
                JsonValue::String(
                    format!("subgraph `{subgraph}` could not be fetched: {err}").into(),
                ),
            );
            let path = origins
                .iter()
                .flatten()
                .next()
                .and_then(|a| a.first())
                .map(|a| address_to_path(a));
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
        match error.get("path") {
            Some(JsonValue::Array(path)) => {
                let k = path
                    .first()
                    .and_then(JsonValue::as_str)
                    .and_then(|head| keys.iter().position(|key| key == head))
                    .unwrap_or(0);
                if let Some(flag) = erred.get_mut(k) {
                    *flag = true;
                }
            }
            _ => pathless = true,
        }
        // Locations point into the subgraph's operation, not the client's document.
        error.remove("locations");
        let ext = error
            .entry("extensions")
            .or_insert_with(|| JsonValue::Object(JsonMap::new()));
        if let JsonValue::Object(ext) = ext {
            ext.insert("serviceName", JsonValue::String(subgraph.as_str().into()));
        }
        let path = error.remove("path");
        let mut paths = repath(path, &keys, &origins, data).into_iter();
        let Some(first) = paths.next() else {
            outcome.errors.push(error);
            continue;
        };
        for path in paths {
            let mut copy = error.clone();
            copy.insert("path", path);
            outcome.errors.push(copy);
        }
        error.insert("path", first);
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
            let mut error = response.errors.first().cloned().unwrap_or_else(|| {
                let mut error = JsonMap::new();
                error.insert(
                    "message",
                    JsonValue::String(format!("subgraph `{subgraph}` answered no entities").into()),
                );
                error
            });
            error.remove("locations");
            let ext = error
                .entry("extensions")
                .or_insert_with(|| JsonValue::Object(JsonMap::new()));
            if let JsonValue::Object(ext) = ext {
                ext.insert("serviceName", JsonValue::String(subgraph.as_str().into()));
            }
            for address in from.iter().filter_map(|addresses| addresses.first()) {
                let mut copy = error.clone();
                copy.insert("path", address_to_path(address));
                outcome.errors.push(copy);
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

/// Merges entities from the cache into every object that stands for them.
fn merge_hits<'b>(data: &mut Value<'b>, hits: Vec<(Vec<Address<'_>>, Value<'b>)>) {
    for (addresses, entity) in hits {
        merge_entity(data, &addresses, entity);
    }
}

/// Merges the answered `entities` of one call into the objects its `paths` reach, in
/// one walk: `visits` says, per object in walk order, which entity is its own. When the
/// walk no longer meets the objects the representations were collected from (it
/// always should: merges only add fields), each entity goes to its `addresses`.
fn merge_in_order<'b>(
    sg: &Supergraph,
    data: &mut Value<'b>,
    paths: &[Vec<PathSeg>],
    visits: &[Option<usize>],
    entities: &[Value<'b>],
    addresses: &[Vec<Address<'_>>],
) {
    // Each object copies what it lacks of its entity.
    let merge_into = |object: &mut Value<'b>, i: usize| {
        if let Some(entity) = entities.get(i) {
            object.merge_ref(entity);
        }
    };
    // Each object met once: one walk per path when there is one path (the usual case;
    // its objects are counted before anything merges), else counted by a walk first.
    let met = match paths {
        [_] => None,
        _ => {
            let mut met = 0;
            for path in paths {
                visit_objects(sg, data, path, &mut Vec::new(), &mut |_, _| met += 1);
            }
            Some(met)
        }
    };
    if met.is_none_or(|met| met == visits.len()) {
        let mut visit = visits.iter();
        for path in paths {
            let mut objects = Vec::with_capacity(visits.len());
            merge::objects_mut(sg, data, path, &mut objects);
            if met.is_none() && objects.len() != visits.len() {
                break;
            }
            for (object, visit) in objects.into_iter().zip(&mut visit) {
                if let Some(i) = *visit {
                    merge_into(object, i);
                }
            }
        }
        if visit.len() == 0 {
            return;
        }
    }
    merge_each(data, entities, addresses);
}

/// Merges each of `entities` into the objects at its `addresses`.
fn merge_each<'b>(data: &mut Value<'b>, entities: &[Value<'b>], addresses: &[Vec<Address<'_>>]) {
    for (entity, addresses) in entities.iter().zip(addresses) {
        for address in addresses {
            if let Some(target) = get_mut(data, address) {
                target.merge_ref(entity);
            }
        }
    }
}

/// Merges `entity` into the object at each of `addresses`: the last takes the entity
/// itself, the others a copy.
fn merge_entity<'b>(data: &mut Value<'b>, addresses: &[Address<'_>], entity: Value<'b>) {
    let Some((last, others)) = addresses.split_last() else {
        return;
    };
    for address in others {
        if let Some(target) = get_mut(data, address) {
            target.merge_ref(&entity);
        }
    }
    if let Some(target) = get_mut(data, last) {
        target.merge(entity);
    }
}

/// A subgraph error's paths in the client's response: one, or none when it has no
/// path, or, for an `_entities` error whose path lacks the representation's index
/// (async-graphql 7 sends `["_entities", "field"]`), one per entity it can explain
/// (null there), since each of those nulls needs its reason. `keys` are the response
/// keys of the fetch's `_entities` fields (none for a root fetch), `origins` per key
/// the objects each representation came from.
fn repath(
    path: Option<JsonValue>,
    keys: &[String],
    origins: &[Vec<Vec<Address<'_>>>],
    data: Option<&Value<'_>>,
) -> Vec<JsonValue> {
    let Some(JsonValue::Array(path)) = path else {
        return Vec::new();
    };
    if keys.is_empty() {
        return vec![JsonValue::Array(path)];
    }
    // [key, i, rest…] → address of representation i of that `_entities` field + rest
    let k = path
        .first()
        .and_then(JsonValue::as_str)
        .and_then(|head| keys.iter().position(|key| key == head))
        .unwrap_or(0);
    let origins = origins.get(k).map_or(&[][..], Vec::as_slice);
    let entities = data
        .and_then(Value::as_object)
        .and_then(|d| d.get(keys[k].as_str()))
        .and_then(Value::as_array)
        .map(Vec::as_slice);
    let (indices, rest): (Vec<usize>, &[JsonValue]) = match path.get(1).and_then(JsonValue::as_u64)
    {
        Some(i) => (usize::try_from(i).into_iter().collect(), &path[2..]),
        None => {
            let rest = path.get(1..).unwrap_or_default();
            let nulls: Vec<usize> = entities
                .unwrap_or_default()
                .iter()
                .enumerate()
                .filter(|(_, entity)| null_at(entity, rest))
                .map(|(i, _)| i)
                .collect();
            let indices = if nulls.is_empty() && origins.len() == 1 {
                vec![0]
            } else {
                nulls
            };
            (indices, rest)
        }
    };
    indices
        .into_iter()
        .filter_map(|i| origins.get(i)?.first())
        .filter_map(|address| match address_to_path(address) {
            JsonValue::Array(mut full) => {
                full.extend(rest.iter().cloned());
                Some(JsonValue::Array(full))
            }
            _ => None,
        })
        .collect()
}

/// Whether `value` is null (or missing) somewhere along `path` (field names; indices
/// step into lists).
fn null_at(value: &Value<'_>, path: &[JsonValue]) -> bool {
    let Some((head, tail)) = path.split_first() else {
        return value.is_null();
    };
    match (value, head) {
        (Value::Null, _) => true,
        (Value::Object(map), JsonValue::String(key)) => {
            map.get(key.as_str()).is_none_or(|v| null_at(v, tail))
        }
        (Value::Array(items), JsonValue::Number(n)) => n
            .as_u64()
            .and_then(|i| items.get(usize::try_from(i).ok()?))
            .is_none_or(|v| null_at(v, tail)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> JsonValue {
        serde_json::from_str(text).expect("valid JSON")
    }

    fn tree(text: &str) -> Value<'static> {
        Value::from_json(&json(text))
    }

    #[test]
    fn answers_merge_in_one_walk_and_by_address_when_the_walk_meets_other_objects() {
        use self::merge::Step;
        let sg = Supergraph::parse(include_str!("../../../bench/supergraph.graphql"))
            .expect("the bench supergraph loads");
        let top = apollo_compiler::Name::new("top").expect("a name");
        let more = apollo_compiler::Name::new("more").expect("a name");
        let top_path = vec![PathSeg::Key(top.clone()), PathSeg::List];
        let more_path = vec![PathSeg::Key(more.clone()), PathSeg::List];
        let at = |i: usize| vec![Step::Key(&top), Step::Index(i)];
        let more_at = |i: usize| vec![Step::Key(&more), Step::Index(i)];
        // Three products at `top`; the first and third stand for the same entity, the
        // second has no representation (a key was null). One more at `more`.
        let data =
            tree(r#"{"top": [{"upc": "1"}, {"upc": null}, {"upc": "1"}], "more": [{"upc": "1"}]}"#);
        let expected = tree(
            r#"{"top": [{"upc": "1", "name": "Table"}, {"upc": null}, {"upc": "1", "name": "Table"}], "more": [{"upc": "1"}]}"#,
        );
        let expected_both = tree(
            r#"{"top": [{"upc": "1", "name": "Table"}, {"upc": null}, {"upc": "1", "name": "Table"}], "more": [{"upc": "1", "name": "Table"}]}"#,
        );

        let merged =
            |paths: &[Vec<PathSeg>], visits: &[Option<usize>], from: &[Vec<Address<'_>>]| {
                let entities = [tree(r#"{"name": "Table"}"#)];
                let mut data = data.clone();
                merge_in_order(&sg, &mut data, paths, visits, &entities, from);
                data
            };
        let one = std::slice::from_ref(&top_path);
        let walk = [Some(0), None, Some(0)];
        assert_eq!(merged(one, &walk, &[vec![at(0), at(2)]]), expected);
        // The walk, not the addresses, decides where answers go (these would be wrong).
        assert_eq!(merged(one, &walk, &[vec![at(1), at(1)]]), expected);
        // Visits recorded for four objects where the walk meets three: by address.
        assert_eq!(
            merged(one, &[Some(0), None, None, Some(0)], &[vec![at(0), at(2)]]),
            expected
        );
        // Two paths: walked one after the other, or by address when the count differs.
        let two = [top_path.clone(), more_path.clone()];
        let from = [vec![at(0), at(2), more_at(0)]];
        assert_eq!(
            merged(
                &two,
                &[Some(0), None, Some(0), Some(0)],
                &[vec![at(1), at(1), at(1)]]
            ),
            expected_both
        );
        assert_eq!(
            merged(&two, &[Some(0), None, Some(0)], &from),
            expected_both
        );
    }

    #[test]
    fn entity_errors_are_repathed_through_their_own_entities_field() {
        use self::merge::Step;
        let keys = vec![EntityCall::response_key(0), EntityCall::response_key(1)];
        // Names live as long as the plan's paths would.
        let names: Vec<apollo_compiler::Name> = ["me", "top", "favorite"]
            .iter()
            .map(|s| apollo_compiler::Name::new(s).expect("a name"))
            .collect();
        let at = |steps: &[&str]| -> Address<'_> {
            steps
                .iter()
                .map(|s| match s.parse::<usize>() {
                    Ok(i) => Step::Index(i),
                    Err(_) => Step::Key(
                        names
                            .iter()
                            .find(|n| n.as_str() == *s)
                            .expect("a name of the test"),
                    ),
                })
                .collect()
        };
        // `_entities` came from `me`; `_entities_1` from two products, the second
        // representation standing for objects at two paths.
        let origins = vec![
            vec![vec![at(&["me"])]],
            vec![
                vec![at(&["top", "0"])],
                vec![at(&["top", "1"]), at(&["me", "favorite"])],
            ],
        ];
        let data =
            tree(r#"{"_entities":[{"nick":"x"}],"_entities_1":[{"name":"a"},{"name":null}]}"#);
        let path = |text: &str| Some(json(text));
        assert_eq!(
            repath(
                path(r#"["_entities_1", 1, "name"]"#),
                &keys,
                &origins,
                Some(&data)
            ),
            vec![json(r#"["top", 1, "name"]"#)]
        );
        assert_eq!(
            repath(
                path(r#"["_entities", 0, "nick"]"#),
                &keys,
                &origins,
                Some(&data)
            ),
            vec![json(r#"["me", "nick"]"#)]
        );
        // Without an index, every entity of that field null there.
        assert_eq!(
            repath(
                path(r#"["_entities_1", "name"]"#),
                &keys,
                &origins,
                Some(&data)
            ),
            vec![json(r#"["top", 1, "name"]"#)]
        );
        // A root fetch keeps the path as sent.
        assert_eq!(
            repath(path(r#"["users", 0]"#), &[], &[], None),
            vec![json(r#"["users", 0]"#)]
        );
    }

    #[test]
    fn null_at_follows_fields_and_indices() {
        let entity = tree(r#"{"workouts": null, "plans": {"nodes": [{"id": 1}, null]}}"#);
        let path = |text: &str| -> Vec<JsonValue> {
            match json(text) {
                JsonValue::Array(items) => items,
                _ => unreachable!(),
            }
        };
        assert!(null_at(&entity, &path(r#"["workouts"]"#)));
        assert!(null_at(&entity, &path(r#"["missing"]"#)));
        assert!(null_at(&entity, &path(r#"["plans", "nodes", 1]"#)));
        assert!(!null_at(&entity, &path(r#"["plans", "nodes", 0]"#)));
        assert!(!null_at(&entity, &path(r#"["plans"]"#)));
        assert!(null_at(&Value::Null, &path(r#"["workouts"]"#)));
    }
}
