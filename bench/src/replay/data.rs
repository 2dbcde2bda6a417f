//! The data model a replay subgraph answers from: per subgraph, the `Query` root as a
//! tree of field values and the entities `_entities` returned, each by the
//! representation it was asked with. Built by [`record`](super::record) from recorded
//! answers, saved as a suite's `data.json`.
//!
//! An object is a JSON object whose members are field values keyed by
//! [`field_key`](super::canonical::field_key) (`title`, `review({"id":"2"})`), plus
//! `__typename` where the recorded answer said it, plus `@errors`: the error a subgraph
//! gave with a `null`, by field key. No GraphQL name starts with `@`, so the member
//! cannot clash with a field. Whether a member is a leaf or an object is the schema's
//! to say, not the data's: a custom scalar may well be a JSON object.
//!
//! Recordings merge field by field: an object's fields are the union of every answer's,
//! a list merges element by element, and a `null` never replaces a value (the `null` of
//! one answer may be an error's, the value of another is the data).
//!
//! Entities are found by the exact representation first. A planner may later send a
//! representation with more or fewer `@requires` fields than was recorded, so every
//! entity is also indexed by `__typename` and the values of each of its `@key` field
//! sets; such a candidate counts when it agrees with the asked representation on every
//! field both have, and its fields are looked up after the exact one's.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{canonical::canonical, schema::FieldSet};

/// Member of an object holding `__typename`.
pub const TYPENAME: &str = "__typename";
/// Member of an object holding recorded errors by field key.
pub const ERRORS: &str = "@errors";

/// A suite's `data.json`: each subgraph's data, by subgraph name.
pub type Data = BTreeMap<String, SubgraphData>;

/// What one subgraph answered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubgraphData {
    /// The query root object.
    #[serde(default)]
    pub query: Map<String, Value>,
    /// Entities, in the order first recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<Entity>,
}

/// One entity `_entities` returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    /// The representation it was asked with.
    pub representation: Value,
    /// The object (or `null`).
    pub value: Value,
    /// The error the subgraph gave for a `null` entity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

/// One step into a stored value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// A member of an object (a field key).
    Key(String),
    /// An element of a list.
    Index(usize),
}

/// The value at `path` under `root`, made (as `null`, empty objects and lists padded
/// with `null`) where missing.
pub fn slot<'a>(root: &'a mut Value, path: &[Step]) -> &'a mut Value {
    let mut here = root;
    for step in path {
        here = match step {
            Step::Key(key) => object(here).entry(key.clone()).or_insert(Value::Null),
            Step::Index(index) => {
                let items = list(here);
                if items.len() <= *index {
                    items.resize(index + 1, Value::Null);
                }
                &mut items[*index]
            }
        };
    }
    here
}

/// `value` as an object, made one when it is not.
pub fn object(value: &mut Value) -> &mut Map<String, Value> {
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    value.as_object_mut().expect("made an object just above")
}

/// `value` as a list, made one when it is not.
pub fn list(value: &mut Value) -> &mut Vec<Value> {
    if !value.is_array() {
        *value = Value::Array(Vec::new());
    }
    value.as_array_mut().expect("made a list just above")
}

/// Stores leaf `value` in `slot`: a `null` never replaces a value.
pub fn put(slot: &mut Value, value: Value) {
    if !value.is_null() || slot.is_null() {
        *slot = value;
    }
}

/// Do `a` and `b` agree on every object member both have (lists element by element)?
pub fn compatible(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .all(|(key, value)| b.get(key).is_none_or(|other| compatible(value, other))),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| compatible(a, b))
        }
        _ => a == b,
    }
}

/// Finds a subgraph's entities by representation.
#[derive(Debug, Default)]
pub struct EntityIndex {
    exact: HashMap<String, usize>,
    by_key: HashMap<String, Vec<usize>>,
}

impl EntityIndex {
    /// The index of `data`'s entities under the `@key` field sets of `keys`.
    pub fn new(data: &SubgraphData, keys: &HashMap<String, Vec<FieldSet>>) -> Self {
        let mut index = Self::default();
        for (i, entity) in data.entities.iter().enumerate() {
            index
                .exact
                .entry(canonical(&entity.representation))
                .or_insert(i);
            for key in key_values(&entity.representation, keys) {
                index.by_key.entry(key).or_default().push(i);
            }
        }
        index
    }

    /// The entity recorded for exactly `representation`.
    pub fn exact(&self, representation: &Value) -> Option<usize> {
        self.exact.get(&canonical(representation)).copied()
    }

    /// The entities that may answer for `representation`: the exact one first, then
    /// those with a same `@key` value that agree with it.
    pub fn candidates(
        &self,
        data: &SubgraphData,
        representation: &Value,
        keys: &HashMap<String, Vec<FieldSet>>,
    ) -> Vec<usize> {
        let mut found: Vec<usize> = self
            .exact
            .get(&canonical(representation))
            .copied()
            .into_iter()
            .collect();
        for key in key_values(representation, keys) {
            for &i in self.by_key.get(&key).into_iter().flatten() {
                if !found.contains(&i)
                    && compatible(&data.entities[i].representation, representation)
                {
                    found.push(i);
                }
            }
        }
        found
    }
}

/// `__typename` and the values of each `@key` of that type that `representation` has.
fn key_values(representation: &Value, keys: &HashMap<String, Vec<FieldSet>>) -> Vec<String> {
    let Some(typename) = representation.get(TYPENAME).and_then(Value::as_str) else {
        return Vec::new();
    };
    keys.get(typename)
        .into_iter()
        .flatten()
        .filter_map(|key| key.project(representation))
        .map(|values| format!("{typename} {}", canonical(&values)))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn slots_are_made_along_the_path() {
        let mut root = Value::Null;
        *slot(
            &mut root,
            &[Step::Key("a".into()), Step::Index(2), Step::Key("b".into())],
        ) = json!(1);
        assert_eq!(root, json!({"a": [null, null, {"b": 1}]}));
        put(slot(&mut root, &[Step::Key("a".into())]), Value::Null);
        assert_eq!(
            root,
            json!({"a": [null, null, {"b": 1}]}),
            "null replaced a value"
        );
    }

    #[test]
    fn a_representation_with_other_requires_fields_finds_the_entity_by_key() {
        let data = SubgraphData {
            query: Map::new(),
            entities: vec![
                Entity {
                    representation: json!({"__typename": "P", "id": "1", "weight": 5}),
                    value: json!({"ship": 50}),
                    error: None,
                },
                Entity {
                    representation: json!({"__typename": "P", "id": "1", "weight": 6}),
                    value: json!({"ship": 60}),
                    error: None,
                },
                Entity {
                    representation: json!({"__typename": "P", "id": "1"}),
                    value: json!({"name": "p"}),
                    error: None,
                },
            ],
        };
        let keys = HashMap::from([(
            "P".to_owned(),
            vec![FieldSet::parse("id").expect("a field set")],
        )]);
        let index = EntityIndex::new(&data, &keys);
        let ask = |representation: Value| index.candidates(&data, &representation, &keys);
        assert_eq!(ask(json!({"id": "1", "__typename": "P"})), vec![2, 0, 1]);
        assert_eq!(
            ask(json!({"__typename": "P", "id": "1", "weight": 6})),
            vec![1, 2]
        );
        assert_eq!(
            ask(json!({"__typename": "P", "id": "1", "weight": 7, "x": 1})),
            vec![2]
        );
        assert!(ask(json!({"__typename": "P", "id": "2"})).is_empty());
    }
}
