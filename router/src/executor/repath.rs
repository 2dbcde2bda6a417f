//! Subgraph errors re-pathed into the client's response: an error under `_entities`
//! (or one of its aliases) points at the objects its representations came from.

use apollo_compiler::response::JsonValue;

use super::{
    paths::{Address, address_to_path},
    tree::Value,
};

/// A subgraph error's paths in the client's response: one, or none when it has no
/// path, or, for an `_entities` error whose path lacks the representation's index
/// (async-graphql 7 sends `["_entities", "field"]`), one per entity it can explain
/// (null there), since each of those nulls needs its reason. `keys` are the response
/// keys of the fetch's `_entities` fields (none for a root fetch), `origins` per key
/// the objects each representation came from.
pub(super) fn repath(
    path: Option<Vec<JsonValue>>,
    keys: &[String],
    origins: &[&[Vec<Address<'_>>]],
    data: Option<&Value<'_>>,
) -> Vec<Vec<JsonValue>> {
    let Some(path) = path else {
        return Vec::new();
    };
    if keys.is_empty() {
        return vec![path];
    }
    // [key, i, rest…] → address of representation i of that `_entities` field + rest
    let k = path
        .first()
        .and_then(JsonValue::as_str)
        .and_then(|head| keys.iter().position(|key| key == head))
        .unwrap_or(0);
    let origins = origins.get(k).copied().unwrap_or_default();
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
        .map(|address| {
            let mut full = address_to_path(address);
            full.extend(rest.iter().cloned());
            full
        })
        .collect()
}

/// Whether `value` is null (or missing) somewhere along `path` (field names; indices
/// step into lists).
pub(super) fn null_at(value: &Value<'_>, path: &[JsonValue]) -> bool {
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
    use crate::planner::EntityCall;

    use super::*;

    fn json(text: &str) -> JsonValue {
        serde_json::from_str(text).expect("valid JSON")
    }

    fn tree(text: &str) -> Value<'static> {
        Value::from_json(&json(text))
    }

    #[test]
    fn entity_errors_are_repathed_through_their_own_entities_field() {
        use super::super::paths::Step;
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
        let owned = [
            vec![vec![at(&["me"])]],
            vec![
                vec![at(&["top", "0"])],
                vec![at(&["top", "1"]), at(&["me", "favorite"])],
            ],
        ];
        let origins: Vec<&[Vec<Address<'_>>]> = owned.iter().map(Vec::as_slice).collect();
        let data =
            tree(r#"{"_entities":[{"nick":"x"}],"_entities_1":[{"name":"a"},{"name":null}]}"#);
        let list = |text: &str| -> Vec<JsonValue> {
            match json(text) {
                JsonValue::Array(items) => items,
                _ => unreachable!(),
            }
        };
        let path = |text: &str| Some(list(text));
        assert_eq!(
            repath(
                path(r#"["_entities_1", 1, "name"]"#),
                &keys,
                &origins,
                Some(&data)
            ),
            vec![list(r#"["top", 1, "name"]"#)]
        );
        assert_eq!(
            repath(
                path(r#"["_entities", 0, "nick"]"#),
                &keys,
                &origins,
                Some(&data)
            ),
            vec![list(r#"["me", "nick"]"#)]
        );
        // Without an index, every entity of that field null there.
        assert_eq!(
            repath(
                path(r#"["_entities_1", "name"]"#),
                &keys,
                &origins,
                Some(&data)
            ),
            vec![list(r#"["top", 1, "name"]"#)]
        );
        // A root fetch keeps the path as sent.
        assert_eq!(
            repath(path(r#"["users", 0]"#), &[], &[], None),
            vec![list(r#"["users", 0]"#)]
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
