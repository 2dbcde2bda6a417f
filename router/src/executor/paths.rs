//! Positions in the data tree: the objects at a plan path (with the concrete type a
//! step's condition asks for), an object's address, and an address as a response path.

use apollo_compiler::{Name, response::JsonValue};

use super::tree::{Map, Value};

use crate::{planner::PathSeg, supergraph::Supergraph};

/// One step of a concrete position in the data tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'p> {
    /// An object key, borrowed from the plan's path: walking and copying addresses
    /// touch no reference count (names are shared by every request and thread).
    Key(&'p Name),
    /// A list index.
    Index(usize),
}

/// A concrete position in the data tree.
pub type Address<'p> = Vec<Step<'p>>;

/// Calls `f` with every object at `path` and its address (lists flattened, type
/// conditions checked by `__typename`), in document order.
pub fn visit_objects<'v, 't, 'p>(
    sg: &Supergraph,
    value: &'v Value<'t>,
    path: &'p [PathSeg],
    address: &mut Address<'p>,
    f: &mut dyn FnMut(&Address<'p>, &'v Map<'t>),
) {
    let Some((first, rest)) = path.split_first() else {
        if let Value::Object(map) = value {
            f(address, map);
        }
        return;
    };
    match (first, value) {
        (PathSeg::Key(key), Value::Object(map)) => {
            if let Some(child) = map.get(key.as_str()) {
                address.push(Step::Key(key));
                visit_objects(sg, child, rest, address, f);
                address.pop();
            }
        }
        (PathSeg::List, Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                address.push(Step::Index(i));
                visit_objects(sg, item, rest, address, f);
                address.pop();
            }
        }
        (PathSeg::Type(condition), Value::Object(map)) if is_of(sg, map, condition) => {
            visit_objects(sg, value, rest, address, f);
        }
        _ => {}
    }
}

/// Every object at `path`, mutably, in the order of [`visit_objects`], appended to
/// `out`.
pub fn objects_mut<'a, 't>(
    sg: &Supergraph,
    value: &'a mut Value<'t>,
    path: &[PathSeg],
    out: &mut Vec<&'a mut Value<'t>>,
) {
    let Some((first, rest)) = path.split_first() else {
        if value.is_object() {
            out.push(value);
        }
        return;
    };
    match (first, value) {
        (PathSeg::Key(key), Value::Object(map)) => {
            if let Some(child) = map.get_mut(key.as_str()) {
                objects_mut(sg, child, rest, out);
            }
        }
        (PathSeg::List, Value::Array(items)) => {
            for item in items {
                objects_mut(sg, item, rest, out);
            }
        }
        (PathSeg::Type(condition), value @ Value::Object(_))
            if value
                .as_object()
                .is_some_and(|map| is_of(sg, map, condition)) =>
        {
            objects_mut(sg, value, rest, out);
        }
        _ => {}
    }
}

/// Whether the object `map` says it is of type `condition` (or of a type that is one).
fn is_of(sg: &Supergraph, map: &Map<'_>, condition: &Name) -> bool {
    map.get("__typename")
        .and_then(Value::as_str)
        .is_some_and(|actual| {
            actual == condition.as_str() || sg.schema.is_subtype(condition, actual)
        })
}

/// The value at `address`.
pub fn get<'a, 't>(value: &'a Value<'t>, address: &[Step<'_>]) -> Option<&'a Value<'t>> {
    address.iter().try_fold(value, |v, step| match (step, v) {
        (Step::Key(k), Value::Object(map)) => map.get(k.as_str()),
        (Step::Index(i), Value::Array(items)) => items.get(*i),
        _ => None,
    })
}

/// The value at `address`, mutably.
pub fn get_mut<'a, 't>(
    value: &'a mut Value<'t>,
    address: &[Step<'_>],
) -> Option<&'a mut Value<'t>> {
    address.iter().try_fold(value, |v, step| match (step, v) {
        (Step::Key(k), Value::Object(map)) => map.get_mut(k.as_str()),
        (Step::Index(i), Value::Array(items)) => items.get_mut(*i),
        _ => None,
    })
}

/// An address as a GraphQL error path.
pub fn address_to_path(address: &[Step<'_>]) -> Vec<JsonValue> {
    address
        .iter()
        .map(|s| match s {
            Step::Key(k) => JsonValue::String(k.as_str().into()),
            Step::Index(i) => JsonValue::from(*i),
        })
        .collect()
}
