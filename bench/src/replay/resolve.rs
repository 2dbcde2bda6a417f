//! Resolvers over the data model: apollo-compiler's execution asks, these look up.
//!
//! A field resolves to the value stored under its [key](super::canonical::field_key),
//! of the first object that has one among the objects answering for the parent (one,
//! except for an entity: the exact representation's object, then those of compatible
//! representations, then the first of those representations itself: it has the
//! entity's key fields, whichever planner asks for them). A stored `null` resolves to
//! `null`, with the error the subgraph gave when one was recorded. A value never
//! recorded resolves to `null` with an error saying which (`replay: no recorded value
//! for Book.title`), coded `REPLAY_MISSING` by the server, so that a gap in the data
//! shows in the router's answer and in the failing test instead of passing for a
//! `null` the subgraph gave.

use std::cell::RefCell;

use apollo_compiler::{
    ast::Type,
    executable::Selection,
    resolvers::{FieldError, ObjectValue, ResolveInfo, ResolvedValue},
    response::JsonValue,
    schema::ExtendedType,
};
use serde_json::{Map, Value, json};

use super::{
    canonical::{canonical, field_key, to_json},
    data::{ERRORS, TYPENAME},
    subgraph::ReplaySubgraph,
};

/// Prefix of the messages of errors for data never recorded.
pub const MISSING: &str = "replay: ";
/// The code of errors for data never recorded.
pub const MISSING_CODE: &str = "REPLAY_MISSING";
/// Prefix of the messages carrying a recorded error (its JSON follows).
pub const RECORDED: &str = "replay-recorded: ";

/// An object answering from the data of `subgraph`.
pub struct Replayed<'d> {
    subgraph: &'d ReplaySubgraph,
    type_name: String,
    /// Where fields are looked up, first first.
    sources: Vec<&'d Map<String, Value>>,
    root: bool,
    /// Errors of `_entities` items, with their paths (root only). apollo-compiler
    /// 1.33 turns an error of one list item into `null` for the whole list (`_entities`
    /// is `[_Entity]!`: for all of `data`), where a subgraph answers `null` for the
    /// item alone; so an item without an entity resolves to `null` and its error is
    /// added to the answer from here.
    item_errors: RefCell<Vec<Value>>,
}

impl<'d> Replayed<'d> {
    /// The root object of an operation of type `type_name` (the query root answers
    /// from the recorded query data; any other root has no data).
    pub fn root(subgraph: &'d ReplaySubgraph, type_name: &str, is_query: bool) -> Self {
        Self {
            subgraph,
            type_name: type_name.to_owned(),
            sources: if is_query {
                vec![&subgraph.data.query]
            } else {
                Vec::new()
            },
            root: is_query,
            item_errors: RefCell::default(),
        }
    }

    fn object(
        subgraph: &'d ReplaySubgraph,
        type_name: String,
        sources: Vec<&'d Map<String, Value>>,
    ) -> Self {
        Self {
            subgraph,
            type_name,
            sources,
            root: false,
            item_errors: RefCell::default(),
        }
    }

    /// The errors of `_entities` items, once executed.
    pub fn into_item_errors(self) -> Vec<Value> {
        self.item_errors.into_inner()
    }

    /// `_entities(representations:)`: each representation's entity, or `null` with an
    /// error.
    fn entities(&self, info: &ResolveInfo<'_>) -> ResolvedValue<'d> {
        let response_key = info.field_selections()[0].response_key().as_str();
        let representations = info
            .arguments()
            .get("representations")
            .and_then(JsonValue::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut items = Vec::with_capacity(representations.len());
        for (i, representation) in representations.iter().enumerate() {
            match entity(self.subgraph, &to_json(representation)) {
                Ok(item) => items.push(item),
                Err(mut error) => {
                    error["path"] = json!([response_key, i]);
                    self.item_errors.borrow_mut().push(error);
                    items.push(ResolvedValue::null());
                }
            }
        }
        ResolvedValue::list(items)
    }
}

/// The entity of `subgraph` answering for `representation`, or the error (JSON) to
/// answer instead.
fn entity<'d>(
    subgraph: &'d ReplaySubgraph,
    representation: &Value,
) -> Result<ResolvedValue<'d>, Value> {
    let candidates =
        subgraph
            .index
            .candidates(&subgraph.data, representation, &subgraph.schema.keys);
    // The subgraph said `null` to exactly this representation: so does the replay.
    if let Some(exact) = subgraph.index.exact(representation)
        && subgraph.data.entities[exact].value.is_null()
    {
        return match &subgraph.data.entities[exact].error {
            Some(error) => Err(error.clone()),
            None => Ok(ResolvedValue::null()),
        };
    }
    let Some(&first) = candidates.first() else {
        return Err(json!({
            "message": format!("{MISSING}no recorded value for an entity for {}", canonical(representation)),
            "extensions": { "code": MISSING_CODE },
        }));
    };
    let mut sources: Vec<&Map<String, Value>> = candidates
        .iter()
        .filter_map(|&i| subgraph.data.entities[i].value.as_object())
        .collect();
    if sources.is_empty() {
        return match &subgraph.data.entities[first].error {
            Some(error) => Err(error.clone()),
            None => Ok(ResolvedValue::null()),
        };
    }
    let type_name = sources
        .iter()
        .find_map(|object| object.get(TYPENAME).and_then(Value::as_str))
        .or_else(|| representation.get(TYPENAME).and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned();
    // Last, the representation itself: its key fields are the entity's by definition,
    // whichever planner asks for them.
    if let Some(object) = subgraph.data.entities[first].representation.as_object() {
        sources.push(object);
    }
    Ok(ResolvedValue::object(Replayed::object(
        subgraph, type_name, sources,
    )))
}

impl ObjectValue for Replayed<'_> {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        match info.field_name() {
            "_entities" if self.root => return Ok(self.entities(info)),
            "_service" if self.root => {
                let mut service = Map::new();
                service.insert("sdl".to_owned(), Value::String(self.subgraph.sdl.clone()));
                return Ok(ResolvedValue::object(Service(service)));
            }
            _ => {}
        }
        let key = field_key(info.field_definition(), info.arguments(), info.schema());
        if let Some(value) = self
            .sources
            .iter()
            .find_map(|source| source.get(&key).filter(|value| !value.is_null()))
        {
            return resolve(self.subgraph, &info.field_definition().ty, value, info);
        }
        for source in &self.sources {
            if source.get(&key).is_some() {
                return match source.get(ERRORS).and_then(|errors| errors.get(&key)) {
                    Some(error) => Err(recorded(error)),
                    None => Ok(ResolvedValue::null()),
                };
            }
        }
        Err(missing(format!("{}.{key}", self.type_name)))
    }
}

/// `_Service`: its `sdl` is the SDL recorded.
struct Service(Map<String, Value>);

impl ObjectValue for Service {
    fn type_name(&self) -> &str {
        "_Service"
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        Ok(ResolvedValue::Leaf(
            self.0
                .get(info.field_name())
                .cloned()
                .map(JsonValue::from)
                .unwrap_or(JsonValue::Null),
        ))
    }
}

/// `value`, stored for a field of type `ty`, for the execution to complete.
fn resolve<'d>(
    subgraph: &'d ReplaySubgraph,
    ty: &Type,
    value: &'d Value,
    info: &ResolveInfo<'_>,
) -> Result<ResolvedValue<'d>, FieldError> {
    if value.is_null() {
        return Ok(ResolvedValue::null());
    }
    if ty.is_list() {
        let Value::Array(items) = value else {
            return Err(mismatch(value, ty));
        };
        let item_ty = ty.item_type();
        let resolved: Vec<_> = items
            .iter()
            .map(|item| resolve(subgraph, item_ty, item, info))
            .collect();
        return Ok(ResolvedValue::List(Box::new(resolved.into_iter())));
    }
    let named = ty.inner_named_type();
    match subgraph.schema.schema.types.get(named) {
        Some(t) if t.is_leaf() => Ok(ResolvedValue::Leaf(result_leaf(
            named,
            JsonValue::from(value.clone()),
        ))),
        Some(t) => {
            let Value::Object(object) = value else {
                return Err(mismatch(value, ty));
            };
            let type_name = match object.get(TYPENAME).and_then(Value::as_str) {
                Some(name) => name,
                None if matches!(t, ExtendedType::Object(_)) => named.as_str(),
                // Not recorded: any object type answers alike unless the selection
                // asks for the type or narrows to some types.
                None => match subgraph.schema.any_possible_type(named) {
                    Some(any) if !depends_on_type(info, named) => any,
                    _ => return Err(missing(format!("the __typename of a {named}"))),
                },
            };
            Ok(ResolvedValue::object(Replayed::object(
                subgraph,
                type_name.to_owned(),
                vec![object],
            )))
        }
        None => Err(mismatch(value, ty)),
    }
}

/// Does the answer to the field being resolved, of abstract type `abstract_type`,
/// depend on its object's concrete type (`__typename`, or a fragment on another type)?
fn depends_on_type(info: &ResolveInfo<'_>, abstract_type: &str) -> bool {
    fn walk<'a>(
        selections: &'a [Selection],
        info: &'a ResolveInfo<'_>,
        abstract_type: &str,
        visited: &mut Vec<&'a str>,
    ) -> bool {
        selections.iter().any(|selection| match selection {
            Selection::Field(field) => field.name == TYPENAME,
            Selection::InlineFragment(inline) => {
                inline
                    .type_condition
                    .as_ref()
                    .is_some_and(|on| on != abstract_type)
                    || walk(
                        &inline.selection_set.selections,
                        info,
                        abstract_type,
                        visited,
                    )
            }
            Selection::FragmentSpread(spread) => {
                if visited.contains(&spread.fragment_name.as_str()) {
                    return false;
                }
                visited.push(spread.fragment_name.as_str());
                info.document()
                    .fragments
                    .get(&spread.fragment_name)
                    .is_some_and(|fragment| {
                        fragment.type_condition() != abstract_type
                            || walk(
                                &fragment.selection_set.selections,
                                info,
                                abstract_type,
                                visited,
                            )
                    })
            }
        })
    }
    let mut visited = Vec::new();
    info.field_selections().iter().any(|field| {
        walk(
            &field.selection_set.selections,
            info,
            abstract_type,
            &mut visited,
        )
    })
}

/// A recorded leaf of type `named` as apollo-compiler's execution takes it: graphql-js
/// writes a whole Float as `5`, apollo-compiler wants a Float to be a JSON float (and
/// fails the field otherwise).
pub fn result_leaf(named: &str, value: JsonValue) -> JsonValue {
    if named == "Float" && (value.is_i64() || value.is_u64()) {
        JsonValue::from(value.as_f64().unwrap_or_default())
    } else {
        value
    }
}

fn mismatch(value: &Value, ty: &Type) -> FieldError {
    FieldError {
        message: format!("{MISSING}the recorded value {value} is not of type {ty}"),
    }
}

fn missing(what: String) -> FieldError {
    FieldError {
        message: format!("{MISSING}no recorded value for {what}"),
    }
}

fn recorded(error: &Value) -> FieldError {
    FieldError {
        message: format!("{RECORDED}{error}"),
    }
}
