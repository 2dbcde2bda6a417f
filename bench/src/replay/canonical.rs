//! Canonical text of JSON values, and the key a field's value is stored under.
//!
//! A field's value depends on its arguments, so the data model keys it by name and
//! arguments: `review({"id":"2"})`. The arguments are the ones apollo-compiler's
//! execution hands a resolver (`CoerceArgumentValues`: variables substituted, defaults
//! applied, a single value for a list argument wrapped), on both sides, recording and
//! replaying; so `review(id: $id)` with `{"id": "2"}` and `review(id: "2")` meet at one
//! key. The one coercion left to us: an `ID` written as an Int literal stays a number
//! there, and is made the string it means here, so `review(id: 2)` meets them too.

use apollo_compiler::{
    Schema,
    ast::Type,
    response::{JsonMap, JsonValue},
    schema::{ExtendedType, FieldDefinition},
};
use serde_json::Value;

/// `value` as compact JSON text with the members of every object sorted by name: equal
/// values give equal text whatever order they were written in.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(members) => {
            let mut sorted: Vec<_> = members.iter().collect();
            sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (name, member)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(name.as_str()).to_string());
                out.push(':');
                write(member, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        leaf => out.push_str(&leaf.to_string()),
    }
}

/// The key the value of field `definition` called with `arguments` is stored under:
/// the field's name, followed by its arguments as a canonical JSON object when it has
/// any.
pub fn field_key(definition: &FieldDefinition, arguments: &JsonMap, schema: &Schema) -> String {
    if arguments.is_empty() {
        return definition.name.to_string();
    }
    let mut normalized = serde_json::Map::new();
    for (name, value) in arguments {
        let ty = definition
            .arguments
            .iter()
            .find(|argument| argument.name == name.as_str())
            .map(|argument| &*argument.ty);
        normalized.insert(name.as_str().to_owned(), normalize(value, ty, schema));
    }
    format!(
        "{}({})",
        definition.name,
        canonical(&Value::Object(normalized))
    )
}

/// A JSON value of apollo-compiler's as a `serde_json` value.
pub fn to_json(value: &JsonValue) -> Value {
    serde_json::to_value(value).expect("a JSON value serializes to JSON")
}

/// `value` of input type `ty` with IDs as strings (`ty` unknown: as it is).
fn normalize(value: &JsonValue, ty: Option<&Type>, schema: &Schema) -> Value {
    let Some(ty) = ty else {
        return to_json(value);
    };
    match value {
        JsonValue::Array(items) if ty.is_list() => Value::Array(
            items
                .iter()
                .map(|item| normalize(item, Some(ty.item_type()), schema))
                .collect(),
        ),
        JsonValue::Number(number) if ty.inner_named_type() == "ID" => {
            Value::String(number.to_string())
        }
        JsonValue::Object(fields) => {
            let Some(ExtendedType::InputObject(input)) = schema.types.get(ty.inner_named_type())
            else {
                return to_json(value);
            };
            Value::Object(
                fields
                    .iter()
                    .map(|(name, field)| {
                        let field_ty = input.fields.get(name.as_str()).map(|f| &*f.ty);
                        (name.as_str().to_owned(), normalize(field, field_ty, schema))
                    })
                    .collect(),
            )
        }
        _ => to_json(value),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn canonical_text_sorts_members_at_every_depth() {
        let a = json!({"b": 1, "a": {"d": [1, {"z": true, "y": null}], "c": "x"}});
        let b = json!({"a": {"c": "x", "d": [1, {"y": null, "z": true}]}, "b": 1});
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(
            canonical(&a),
            r#"{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}"#
        );
    }

    #[test]
    fn an_id_written_as_an_int_is_keyed_as_its_string() {
        let schema = Schema::parse_and_validate(
            "type Query { review(id: ID!, first: Int, by: [ID]): String }",
            "s.graphql",
        )
        .expect("valid");
        let field = schema.type_field("Query", "review").expect("defined");
        let mut arguments = JsonMap::new();
        arguments.insert("id", JsonValue::from(2));
        arguments.insert("first", JsonValue::from(3));
        arguments.insert("by", JsonValue::from(vec![JsonValue::from(7)]));
        assert_eq!(
            field_key(field, &arguments, &schema),
            r#"review({"by":["7"],"first":3,"id":"2"})"#
        );
        assert_eq!(field_key(field, &JsonMap::new(), &schema), "review");
    }
}
