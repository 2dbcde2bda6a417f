//! Recordings → the data model ([`data`](super::data)).
//!
//! A recording is one request a router sent a subgraph and the subgraph's answer. The
//! answer's keys are response keys (aliases), its objects are shaped by fragments, and
//! the values of fields depend on their arguments; the data model wants field values by
//! name and arguments. Rather than reimplement how an operation maps onto its answer,
//! the request is *executed* over its own answer with apollo-compiler's execution: each
//! resolver call is told the field, its coerced arguments and its response key, reads
//! the value under that key in the answer, stores it under the field's key in the data
//! model and hands it back. So field collection, `@skip`/`@include`, fragments on
//! abstract types, merged fields and argument coercion are the very code the replay
//! server executes with, and what it looks up is what was stored.
//!
//! An object's type is the recorded `__typename` (under whatever alias the request
//! gave it), else the field's type when that is an object type. A router leaves
//! `__typename` out where the answer does not depend on it (`product { id }` on an
//! interface), or skips it (`__typename @skip(if: $v)`): such an object is stored
//! without `__typename`, walked as the abstract type's first object type; the replay
//! answers from it only where the type does not matter either.
//!
//! Only queries are recorded: a mutation's answer depends on the state it changed.

use std::{cell::RefCell, collections::BTreeMap};

use apollo_compiler::{
    ExecutableDocument, Name,
    ast::Type,
    executable::Selection,
    resolvers::{Execution, FieldError, ObjectValue, ResolveInfo, ResolvedValue},
    response::{JsonMap, JsonValue},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    canonical::{canonical, field_key, to_json},
    data::{self, Data, ERRORS, Entity, Step, SubgraphData, TYPENAME},
    resolve::result_leaf,
    schema::SubgraphSchema,
};

/// One line of `recordings.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recording {
    /// The subgraph's name in the supergraph.
    pub subgraph: String,
    /// What the router sent.
    pub request: RecordedRequest,
    /// What the subgraph answered (its JSON body; a string when it was not JSON).
    pub response: Value,
}

/// The GraphQL request of a recording.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// The operation.
    pub query: String,
    /// Its variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<Value>,
    /// The operation to run, when the document has several.
    #[serde(
        rename = "operationName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub operation_name: Option<String>,
}

/// What the builder did with the recordings.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BuildStats {
    /// Recordings stored.
    pub recorded: usize,
    /// Recordings left out, by reason.
    pub skipped: BTreeMap<&'static str, usize>,
    /// Values that could not be stored (an abstract type without `__typename`, a value
    /// not of its field's type).
    pub unstored: usize,
    /// The first few of those, where (`subgraph: path: what`).
    pub unstored_examples: Vec<String>,
}

/// How many values not stored are described.
const EXAMPLES: usize = 5;

/// Builds the data of every subgraph of a supergraph from its recordings.
pub struct Builder<'s> {
    schemas: &'s BTreeMap<String, SubgraphSchema>,
    stores: BTreeMap<String, Store>,
    stats: BuildStats,
}

impl<'s> Builder<'s> {
    /// A builder for the subgraphs of `schemas` (by name).
    pub fn new(schemas: &'s BTreeMap<String, SubgraphSchema>) -> Self {
        Self {
            schemas,
            stores: schemas
                .keys()
                .map(|name| (name.clone(), Store::default()))
                .collect(),
            stats: BuildStats::default(),
        }
    }

    /// Stores what `recording` says.
    pub fn add(&mut self, recording: &Recording) {
        if let Err(reason) = self.try_add(recording) {
            *self.stats.skipped.entry(reason).or_default() += 1;
        }
    }

    fn try_add(&mut self, recording: &Recording) -> Result<(), &'static str> {
        let subgraph = self
            .schemas
            .get(&recording.subgraph)
            .ok_or("unknown subgraph")?;
        let schema = &subgraph.schema;
        let document = ExecutableDocument::parse_and_validate(
            schema,
            &recording.request.query,
            "recorded.graphql",
        )
        .map_err(|_| "invalid operation (the subgraph refused it too)")?;
        let operation = document
            .operations
            .get(recording.request.operation_name.as_deref())
            .map_err(|_| "no such operation")?;
        if !operation.is_query() {
            return Err("not a query");
        }
        let data = match recording.response.get("data") {
            Some(data @ Value::Object(_)) => JsonValue::from(data.clone()),
            _ => return Err("no data"),
        };
        let data = data.as_object().expect("converted from an object");
        let variables = match &recording.request.variables {
            Some(variables @ Value::Object(_)) => JsonValue::from(variables.clone())
                .as_object()
                .cloned()
                .expect("converted from an object"),
            _ => JsonMap::new(),
        };
        let store = self
            .stores
            .get_mut(&recording.subgraph)
            .expect("a store per schema");
        let walk = Walk {
            schema: subgraph,
            store: RefCell::new(std::mem::take(store)),
            errors: errors_by_path(&recording.response),
            subgraph: &recording.subgraph,
            unstored: RefCell::new(Vec::new()),
            null: JsonValue::Null,
            empty: JsonValue::Object(JsonMap::new()),
        };
        let outcome = {
            let root = Recorder {
                walk: &walk,
                place: Place::query(),
                response_path: Vec::new(),
                type_name: operation.object_type().to_string(),
                response: data,
            };
            Execution::new(schema, &document)
                .operation(operation)
                .raw_variable_values(&variables)
                .execute_sync(&root)
        };
        *store = walk.store.into_inner();
        for example in walk.unstored.into_inner() {
            self.stats.unstored += 1;
            if self.stats.unstored_examples.len() < EXAMPLES {
                self.stats.unstored_examples.push(example);
            }
        }
        outcome.map_err(|_| "variables do not fit the operation")?;
        self.stats.recorded += 1;
        Ok(())
    }

    /// What was done so far.
    pub fn stats(&self) -> &BuildStats {
        &self.stats
    }

    /// The data of every subgraph (those without recordings too).
    pub fn finish(self) -> (Data, BuildStats) {
        let data = self
            .stores
            .into_iter()
            .map(|(name, store)| {
                let query = match store.query {
                    Value::Object(members) => members,
                    _ => serde_json::Map::new(),
                };
                (
                    name,
                    SubgraphData {
                        query,
                        entities: store.entities,
                    },
                )
            })
            .collect();
        (data, self.stats)
    }
}

/// One subgraph's data while it is built.
#[derive(Debug, Default)]
struct Store {
    query: Value,
    entities: Vec<Entity>,
    entity_by_representation: std::collections::HashMap<String, usize>,
}

impl Store {
    fn slot(&mut self, place: &Place) -> &mut Value {
        let root = match place.root {
            Root::Query => &mut self.query,
            Root::Entity(i) => &mut self.entities[i].value,
        };
        data::slot(root, &place.path)
    }

    /// The entity asked for by `representation`, added when new.
    fn entity(&mut self, representation: Value) -> usize {
        let text = canonical(&representation);
        if let Some(&i) = self.entity_by_representation.get(&text) {
            return i;
        }
        self.entities.push(Entity {
            representation,
            value: Value::Null,
            error: None,
        });
        self.entity_by_representation
            .insert(text, self.entities.len() - 1);
        self.entities.len() - 1
    }
}

#[derive(Debug, Clone, Copy)]
enum Root {
    Query,
    Entity(usize),
}

/// Where a value goes in a [`Store`].
#[derive(Debug, Clone)]
struct Place {
    root: Root,
    path: Vec<Step>,
}

impl Place {
    fn query() -> Self {
        Self {
            root: Root::Query,
            path: Vec::new(),
        }
    }

    fn child(&self, step: Step) -> Self {
        Self {
            root: self.root,
            path: with(&self.path, step),
        }
    }

    fn is_query_root(&self) -> bool {
        matches!(self.root, Root::Query) && self.path.is_empty()
    }
}

fn with(path: &[Step], step: Step) -> Vec<Step> {
    let mut path = path.to_vec();
    path.push(step);
    path
}

/// The recorded answer's errors by path, each without its path and locations.
fn errors_by_path(response: &Value) -> std::collections::HashMap<Vec<Step>, Value> {
    let mut errors = std::collections::HashMap::new();
    for error in response
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(path) = error.get("path").and_then(Value::as_array) else {
            continue;
        };
        let path: Option<Vec<Step>> = path
            .iter()
            .map(|step| match step {
                Value::String(key) => Some(Step::Key(key.clone())),
                Value::Number(n) => n
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .map(Step::Index),
                _ => None,
            })
            .collect();
        let mut kept = serde_json::Map::new();
        for member in ["message", "extensions"] {
            if let Some(value) = error.get(member) {
                kept.insert(member.to_owned(), value.clone());
            }
        }
        if let Some(path) = path {
            errors.entry(path).or_insert(Value::Object(kept));
        }
    }
    errors
}

/// One recording being walked.
struct Walk<'s> {
    schema: &'s SubgraphSchema,
    store: RefCell<Store>,
    errors: std::collections::HashMap<Vec<Step>, Value>,
    subgraph: &'s str,
    unstored: RefCell<Vec<String>>,
    /// What a field missing from the answer because of an error stands for.
    null: JsonValue,
    /// What an object nulled by an error under it stands for (see [`Walk::record`]).
    empty: JsonValue,
}

impl<'s> Walk<'s> {
    /// Stores `value` of type `ty` at `place` and hands it to the execution.
    fn record<'a>(
        &'a self,
        ty: &Type,
        value: &'a JsonValue,
        place: Place,
        response_path: Vec<Step>,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let named = ty.inner_named_type();
        let is_leaf = self
            .schema
            .schema
            .types
            .get(named)
            .is_some_and(|t| t.is_leaf());
        // An object nulled because a non-null field under it failed: the error is the
        // field's, so the object is walked (as an empty one) down to that field, where
        // the null and the error are stored; replayed, the error nulls the object again.
        let nulled_from_below =
            value.is_null() && !ty.is_list() && !is_leaf && self.errors_under(&response_path);
        let value = if nulled_from_below {
            &self.empty
        } else {
            value
        };
        if value.is_null() {
            let mut store = self.store.borrow_mut();
            store.slot(&place);
            if let (Some(error), Some((Step::Key(key), parent))) =
                (self.errors.get(&response_path), place.path.split_last())
            {
                let parent = store.slot(&Place {
                    root: place.root,
                    path: parent.to_vec(),
                });
                let errors = data::object(parent)
                    .entry(ERRORS)
                    .or_insert_with(|| Value::Object(serde_json::Map::new()));
                data::object(errors)
                    .entry(key.clone())
                    .or_insert_with(|| error.clone());
            }
            return Ok(ResolvedValue::null());
        }
        if ty.is_list() {
            let Some(items) = value.as_array() else {
                return Err(self.unstored("a list", &response_path, value));
            };
            data::list(self.store.borrow_mut().slot(&place));
            let resolved: Vec<_> = items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    self.record(
                        ty.item_type(),
                        item,
                        place.child(Step::Index(i)),
                        with(&response_path, Step::Index(i)),
                        info,
                    )
                })
                .collect();
            return Ok(ResolvedValue::List(Box::new(resolved.into_iter())));
        }
        if is_leaf {
            data::put(self.store.borrow_mut().slot(&place), to_json(value));
            // A failed leaf would end the walk of its siblings: give it as it passes.
            return Ok(ResolvedValue::Leaf(result_leaf(named, value.clone())));
        }
        let Some(object) = value.as_object() else {
            return Err(self.unstored("an object", &response_path, value));
        };
        let recorded = typename_in(object, info);
        let type_name = recorded
            .clone()
            .or_else(|| {
                self.schema
                    .schema
                    .get_object(named)
                    .map(|_| named.to_string())
            })
            .or_else(|| self.schema.any_possible_type(named).map(str::to_owned));
        let Some(type_name) = type_name else {
            return Err(self.unstored("an object of a known type", &response_path, value));
        };
        {
            let mut store = self.store.borrow_mut();
            let stored = data::object(store.slot(&place));
            if let Some(recorded) = recorded {
                stored.insert(TYPENAME.to_owned(), Value::String(recorded));
            }
        }
        Ok(ResolvedValue::object(Recorder {
            walk: self,
            place,
            response_path,
            type_name,
            response: object,
        }))
    }

    /// `_entities`: each returned entity stored under its representation.
    fn entities<'a>(
        &'a self,
        value: &'a JsonValue,
        response_path: Vec<Step>,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let (Some(representations), Some(items)) = (
            info.arguments()
                .get("representations")
                .and_then(JsonValue::as_array),
            value.as_array(),
        ) else {
            return Err(self.unstored("a list of entities", &response_path, value));
        };
        let mut resolved = Vec::with_capacity(items.len());
        for (i, (representation, item)) in representations.iter().zip(items).enumerate() {
            let representation = to_json(representation);
            let typename = representation
                .get(TYPENAME)
                .and_then(Value::as_str)
                .map(str::to_owned);
            let index = self.store.borrow_mut().entity(representation);
            let item_path = with(&response_path, Step::Index(i));
            let item = if item.is_null() && self.errors_under(&item_path) {
                &self.empty
            } else {
                item
            };
            let Some(object) = item.as_object() else {
                if let Some(error) = self.errors.get(&item_path) {
                    self.store.borrow_mut().entities[index]
                        .error
                        .get_or_insert_with(|| error.clone());
                }
                resolved.push(Ok(ResolvedValue::null()));
                continue;
            };
            let Some(type_name) = typename_in(object, info).or(typename) else {
                resolved.push(Err(self.unstored(
                    "an entity with __typename",
                    &item_path,
                    item,
                )));
                continue;
            };
            let place = Place {
                root: Root::Entity(index),
                path: Vec::new(),
            };
            data::object(self.store.borrow_mut().slot(&place))
                .insert(TYPENAME.to_owned(), Value::String(type_name.clone()));
            resolved.push(Ok(ResolvedValue::object(Recorder {
                walk: self,
                place,
                response_path: item_path,
                type_name,
                response: object,
            })));
        }
        Ok(ResolvedValue::List(Box::new(resolved.into_iter())))
    }

    /// Are there errors at paths under `path` (not at it)?
    fn errors_under(&self, path: &[Step]) -> bool {
        self.errors
            .keys()
            .any(|error| error.len() > path.len() && error.starts_with(path))
    }

    fn unstored(&self, what: &str, response_path: &[Step], value: &JsonValue) -> FieldError {
        let path: Vec<String> = response_path
            .iter()
            .map(|step| match step {
                Step::Key(key) => key.clone(),
                Step::Index(i) => i.to_string(),
            })
            .collect();
        let mut shown = value.to_string();
        if shown.len() > 80 {
            let cut = (0..=80)
                .rev()
                .find(|&i| shown.is_char_boundary(i))
                .unwrap_or(0);
            shown.truncate(cut);
            shown.push('…');
        }
        self.unstored.borrow_mut().push(format!(
            "{}: {}: expected {what}, recorded {shown}",
            self.subgraph,
            path.join(".")
        ));
        FieldError {
            message: format!("the recorded answer has no {what} here"),
        }
    }
}

/// The `__typename` an answer's object carries, under any alias the request gave it.
fn typename_in(object: &JsonMap, info: &ResolveInfo<'_>) -> Option<String> {
    let mut keys = Vec::new();
    for field in info.field_selections() {
        typename_keys(
            &field.selection_set.selections,
            info,
            &mut keys,
            &mut Vec::new(),
        );
    }
    keys.iter()
        .find_map(|key| object.get(key.as_str()).and_then(JsonValue::as_str))
        .map(str::to_owned)
}

fn typename_keys<'a>(
    selections: &'a [Selection],
    info: &'a ResolveInfo<'_>,
    keys: &mut Vec<Name>,
    visited: &mut Vec<&'a Name>,
) {
    for selection in selections {
        match selection {
            Selection::Field(field) if field.name == TYPENAME => {
                keys.push(field.response_key().clone());
            }
            Selection::Field(_) => {}
            Selection::InlineFragment(inline) => {
                typename_keys(&inline.selection_set.selections, info, keys, visited);
            }
            Selection::FragmentSpread(spread) => {
                if visited.contains(&&spread.fragment_name) {
                    continue;
                }
                visited.push(&spread.fragment_name);
                if let Some(fragment) = info.document().fragments.get(&spread.fragment_name) {
                    typename_keys(&fragment.selection_set.selections, info, keys, visited);
                }
            }
        }
    }
}

/// An object of a recorded answer, as the execution sees it.
struct Recorder<'w> {
    walk: &'w Walk<'w>,
    place: Place,
    response_path: Vec<Step>,
    type_name: String,
    response: &'w JsonMap,
}

impl ObjectValue for Recorder<'_> {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let response_key = info.field_selections()[0].response_key().as_str();
        let response_path = with(&self.response_path, Step::Key(response_key.to_owned()));
        let value = match self.response.get(response_key) {
            Some(value) => value,
            // In an object nulled by an error: the field that failed, or one above it.
            None if self.walk.errors.contains_key(&response_path)
                || self.walk.errors_under(&response_path) =>
            {
                &self.walk.null
            }
            // Not in the answer: nothing to store, and nothing to complain about.
            None => return Ok(ResolvedValue::SkipForPartialExecution),
        };
        match info.field_name() {
            "_entities" if self.place.is_query_root() => {
                self.walk.entities(value, response_path, info)
            }
            "_service" if self.place.is_query_root() => Ok(ResolvedValue::SkipForPartialExecution),
            _ => {
                let key = field_key(info.field_definition(), info.arguments(), info.schema());
                self.walk.record(
                    &info.field_definition().ty,
                    value,
                    self.place.child(Step::Key(key)),
                    response_path,
                    info,
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const SDL: &str = r#"
        type Query { media: Media book: Book review(id: ID!): Review }
        union Media = Book | Song
        type Book @key(fields: "id") { id: ID! title: String! similar: [Book] }
        type Song @key(fields: "id") { id: ID! title: String! }
        type Review { id: ID! body: String }
    "#;

    fn build(recordings: &[Value]) -> (SubgraphData, BuildStats) {
        let schemas = BTreeMap::from([(
            "a".to_owned(),
            SubgraphSchema::from_sdl("a", SDL).expect("a schema"),
        )]);
        let mut builder = Builder::new(&schemas);
        for recording in recordings {
            builder.add(&serde_json::from_value(recording.clone()).expect("a recording"));
        }
        let (mut data, stats) = builder.finish();
        (data.remove("a").expect("subgraph a"), stats)
    }

    #[test]
    fn aliases_arguments_and_fragments_are_stored_by_field() {
        let (data, stats) = build(&[
            json!({"subgraph": "a", "request": {
                "query": "query($id: ID!) { m: media { t: __typename ... on Book { id name: title } } r: review(id: $id) { body } other: review(id: 3) { body } }",
                "variables": {"id": "2"}},
             "response": {"data": {"m": {"t": "Book", "id": "b1", "name": "LOTR"}, "r": {"body": "good"}, "other": null}}}),
            json!({"subgraph": "a", "request": {"query": "{ media { __typename ... on Book { similar { id } } } }"},
             "response": {"data": {"media": {"__typename": "Book", "similar": [{"id": "b2"}, null]}}}}),
        ]);
        assert_eq!(stats.recorded, 2);
        assert_eq!(stats.unstored, 0);
        assert_eq!(
            Value::Object(data.query),
            json!({
                "media": {"__typename": "Book", "id": "b1", "title": "LOTR",
                          "similar": [{"id": "b2"}, null]},
                "review({\"id\":\"2\"})": {"body": "good"},
                "review({\"id\":\"3\"})": null,
            })
        );
    }

    #[test]
    fn entities_are_stored_by_representation_with_their_errors() {
        let (data, _) = build(&[json!({"subgraph": "a", "request": {
                "query": "query($r: [_Any!]!) { _entities(representations: $r) { ... on Book { title } } }",
                "variables": {"r": [{"__typename": "Book", "id": "1"}, {"__typename": "Book", "id": "2"}]}},
             "response": {"data": {"_entities": [{"title": "T"}, null]},
                          "errors": [{"message": "gone", "path": ["_entities", 1], "extensions": {"code": "X"}}]}})]);
        assert_eq!(
            serde_json::to_value(&data.entities).expect("serializes"),
            json!([
                {"representation": {"__typename": "Book", "id": "1"}, "value": {"__typename": "Book", "title": "T"}},
                {"representation": {"__typename": "Book", "id": "2"}, "value": null,
                 "error": {"message": "gone", "extensions": {"code": "X"}}},
            ])
        );
    }

    #[test]
    fn an_error_that_nulled_its_parent_is_stored_at_its_field() {
        let (data, _) = build(&[json!({"subgraph": "a", "request": {
                "query": "{ _entities(representations: [{__typename: \"Book\", id: \"1\"}]) { ... on Book { t: title } } }"},
             "response": {"data": {"_entities": [null]},
                          "errors": [{"message": "boom", "path": ["_entities", 0, "t"]}]}})]);
        assert_eq!(
            data.entities[0].value,
            json!({"__typename": "Book", "title": null, "@errors": {"title": {"message": "boom"}}})
        );
    }

    #[test]
    fn an_object_without_its_typename_is_stored_without_one() {
        let (data, stats) = build(&[json!({"subgraph": "a", "request": {
                "query": "query($s: Boolean!) { media { __typename @skip(if: $s) } }", "variables": {"s": true}},
             "response": {"data": {"media": {}}}})]);
        assert_eq!(stats.unstored, 0);
        assert_eq!(Value::Object(data.query), json!({"media": {}}));
    }

    #[test]
    fn refused_operations_and_mutations_are_left_out() {
        let (data, stats) = build(&[
            json!({"subgraph": "a", "request": {"query": "{ book { nope } }"},
                   "response": {"errors": [{"message": "Cannot query field"}]}}),
            json!({"subgraph": "b", "request": {"query": "{ book { id } }"}, "response": {"data": {}}}),
        ]);
        assert_eq!(stats.recorded, 0);
        assert_eq!(stats.skipped.values().sum::<usize>(), 2);
        assert!(data.query.is_empty());
    }
}
