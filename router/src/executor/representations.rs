//! `_entities` representations: built from the objects at a plan path (the key and
//! required fields the plan names, read through internal aliases), written as JSON
//! text, and the internal aliases undone in answers.

use super::tree::{Map, Value};
use crate::planner::selection::{FragmentItem, Item, Selection};

/// `{__typename, …fields}` of `object` for an `_entities` fetch (with `typename`
/// instead of the object's own when given), or `None` when a needed field is missing
/// or null.
pub fn representation<'t>(
    object: &Value<'t>,
    entity: &str,
    typename: Option<&str>,
    fields: &Selection,
    is_a: &dyn Fn(&str, &str) -> bool,
) -> Option<Value<'t>> {
    let Value::Object(map) = object else {
        return None;
    };
    representation_of(map, entity, typename, fields, is_a)
}

/// [`representation`] of an object's members.
pub fn representation_of<'t>(
    map: &Map<'t>,
    entity: &str,
    typename: Option<&str>,
    fields: &Selection,
    is_a: &dyn Fn(&str, &str) -> bool,
) -> Option<Value<'t>> {
    let typename = typename.unwrap_or_else(|| {
        map.get("__typename")
            .and_then(Value::as_str)
            .unwrap_or(entity)
    });
    let mut rep = Map::new();
    rep.insert("__typename", Value::string(typename));
    project(map, fields, &mut rep, is_a)?;
    Some(Value::Object(rep))
}

/// `is_a(condition, actual)`: whether an object of type `actual` matches a fragment on
/// `condition` (the same type, or an interface or union it belongs to).
fn project<'t>(
    map: &Map<'t>,
    fields: &Selection,
    out: &mut Map<'t>,
    is_a: &dyn Fn(&str, &str) -> bool,
) -> Option<()> {
    for item in &fields.items {
        match item {
            Item::Field(f) => {
                // Internal aliases (see the planner's `alias_arguments`) are read under
                // the alias and sent under the field's own name.
                let value = map.get(f.response_key().as_str())?;
                let projected = match (&f.selection, value) {
                    (Some(sub), Value::Object(inner)) => {
                        let mut nested = Map::new();
                        if let Some(t) = inner.get("__typename") {
                            nested.insert("__typename", t.clone());
                        }
                        project(inner, sub, &mut nested, is_a)?;
                        Value::Object(nested)
                    }
                    (Some(sub), Value::Array(items)) => Value::Array(
                        items
                            .iter()
                            .map(|item| match item {
                                Value::Object(inner) => {
                                    let mut nested = Map::new();
                                    project(inner, sub, &mut nested, is_a)
                                        .map(|()| Value::Object(nested))
                                }
                                other => Some(other.clone()),
                            })
                            .collect::<Option<Vec<_>>>()?,
                    ),
                    (_, Value::Null) => return None,
                    (_, other) => other.clone(),
                };
                out.insert(f.name.as_str().to_owned(), projected);
            }
            Item::Fragment(fr) => {
                if applies(fr, map, is_a) {
                    project(map, &fr.selection, out, is_a)?;
                }
            }
        }
    }
    Some(())
}

/// Whether fragment `fr` applies to the object `map`: it has no type condition, the
/// object does not say its type, or its type is the condition's.
fn applies(fr: &FragmentItem, map: &Map<'_>, is_a: &dyn Fn(&str, &str) -> bool) -> bool {
    match (
        &fr.type_condition,
        map.get("__typename").and_then(Value::as_str),
    ) {
        (Some(t), Some(actual)) => is_a(t.as_str(), actual),
        _ => true,
    }
}

/// Why [`write_text`] stopped.
enum NoText {
    /// A needed field is missing or null: the object has no representation.
    Missing,
    /// The selection names one key twice at one level (a field in two fragments):
    /// [`representation_of`] decides which value stays.
    Repeated,
}

/// Appends the JSON text of `map`'s representation to `out`: [`representation_of`]'s
/// value, written. It is written straight from the object's members, so a
/// representation met again (the same entity at another place) is known by its text
/// without building it; only when the selection names a key twice at one level is the
/// value built first. `None` (and `out` as it was) when the object has no
/// representation. `keys` is room the caller keeps from one object to the next.
pub fn write_representation<'s>(
    map: &Map<'_>,
    entity: &str,
    typename: Option<&str>,
    fields: &'s Selection,
    is_a: &dyn Fn(&str, &str) -> bool,
    out: &mut Vec<u8>,
    keys: &mut Vec<&'s str>,
) -> Option<()> {
    let start = out.len();
    keys.clear();
    match write_text(map, entity, typename, fields, is_a, out, keys) {
        Ok(()) => Some(()),
        Err(stop) => {
            out.truncate(start);
            if matches!(stop, NoText::Missing) {
                return None;
            }
            let built = representation_of(map, entity, typename, fields, is_a)?;
            built.write(out);
            Some(())
        }
    }
}

fn write_text<'s>(
    map: &Map<'_>,
    entity: &str,
    typename: Option<&str>,
    fields: &'s Selection,
    is_a: &dyn Fn(&str, &str) -> bool,
    out: &mut Vec<u8>,
    keys: &mut Vec<&'s str>,
) -> Result<(), NoText> {
    let typename = typename.unwrap_or_else(|| {
        map.get("__typename")
            .and_then(Value::as_str)
            .unwrap_or(entity)
    });
    out.extend_from_slice(b"{\"__typename\":");
    // A type name from the plan, or the subgraph's `__typename`: data, so escaped.
    crate::json::write_str(out, typename);
    keys.push("__typename");
    write_fields(map, fields, is_a, out, keys, 0)?;
    out.push(b'}');
    Ok(())
}

/// [`project`], written: `keys[level..]` are the keys of the object being written.
fn write_fields<'s>(
    map: &Map<'_>,
    fields: &'s Selection,
    is_a: &dyn Fn(&str, &str) -> bool,
    out: &mut Vec<u8>,
    keys: &mut Vec<&'s str>,
    level: usize,
) -> Result<(), NoText> {
    for item in &fields.items {
        match item {
            Item::Field(f) => {
                let value = map.get(f.response_key().as_str()).ok_or(NoText::Missing)?;
                let name = f.name.as_str();
                if keys[level..].contains(&name) {
                    return Err(NoText::Repeated);
                }
                if keys.len() > level {
                    out.push(b',');
                }
                keys.push(name);
                crate::json::write_name(out, name);
                out.push(b':');
                let inner_level = keys.len();
                match (&f.selection, value) {
                    (Some(sub), Value::Object(inner)) => {
                        out.push(b'{');
                        if let Some(t) = inner.get("__typename") {
                            out.extend_from_slice(b"\"__typename\":");
                            t.write(out);
                            keys.push("__typename");
                        }
                        write_fields(inner, sub, is_a, out, keys, inner_level)?;
                        out.push(b'}');
                    }
                    (Some(sub), Value::Array(items)) => {
                        out.push(b'[');
                        for (i, item) in items.iter().enumerate() {
                            if i > 0 {
                                out.push(b',');
                            }
                            match item {
                                Value::Object(inner) => {
                                    out.push(b'{');
                                    write_fields(inner, sub, is_a, out, keys, inner_level)?;
                                    keys.truncate(inner_level);
                                    out.push(b'}');
                                }
                                other => other.write(out),
                            }
                        }
                        out.push(b']');
                    }
                    (_, Value::Null) => return Err(NoText::Missing),
                    (_, other) => other.write(out),
                }
                keys.truncate(inner_level);
            }
            Item::Fragment(fr) => {
                if applies(fr, map, is_a) {
                    write_fields(map, &fr.selection, is_a, out, keys, level)?;
                }
            }
        }
    }
    Ok(())
}

/// Renames internal conflict aliases back to the client's response keys, everywhere in
/// a subgraph's answer.
pub fn undo_internal_aliases(value: &mut Value<'_>) {
    match value {
        Value::Object(map) => {
            map.rekey(crate::planner::selection::unalias);
            for v in map.values_mut() {
                undo_internal_aliases(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(undo_internal_aliases),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Value<'static> {
        Value::from_json(&serde_json::from_str(text).expect("valid JSON"))
    }

    #[test]
    fn representations_read_internal_aliases_and_send_field_names() {
        use apollo_compiler::{Name, ast::DirectiveList};

        use crate::planner::selection::FieldItem;

        let mut fields = Selection::default();
        fields.add_leaf(&Name::new_static_unchecked("upc"));
        fields.field_entry(FieldItem {
            alias: Some(Name::new_static_unchecked("tqa_price_1")),
            name: Name::new_static_unchecked("price"),
            arguments: Vec::new(),
            directives: DirectiveList::new(),
            selection: None,
            output_type: None,
        });
        let object = json(r#"{"__typename":"Product","upc":"p1","tqa_price_1":7,"price":99}"#);
        assert_eq!(
            representation(&object, "Product", None, &fields, &|c, a| c == a),
            Some(json(r#"{"__typename":"Product","upc":"p1","price":7}"#))
        );
        assert_eq!(
            representation(&object, "Product", Some("Item"), &fields, &|c, a| c == a),
            Some(json(r#"{"__typename":"Item","upc":"p1","price":7}"#)),
            "an interface object gets the interface's name"
        );
        // Written straight from the object, the text is the representation's.
        let text = |object: &Value<'_>, typename: Option<&str>, fields: &Selection| {
            let mut out = Vec::new();
            write_representation(
                object.as_object().expect("an object"),
                "Product",
                typename,
                fields,
                &|c, a| c == a,
                &mut out,
                &mut Vec::new(),
            )
            .map(|()| String::from_utf8(out).expect("UTF-8"))
        };
        assert_eq!(
            text(&object, Some("Item"), &fields).as_deref(),
            Some(r#"{"__typename":"Item","upc":"p1","price":7}"#)
        );
        let missing = json(r#"{"__typename":"Product","upc":"p1","tqa_price_1":null}"#);
        assert_eq!(text(&missing, None, &fields), None);
        assert_eq!(
            representation(&missing, "Product", None, &fields, &|c, a| c == a),
            None
        );

        // A fragment on an interface applies to objects of its implementations.
        let mut on_interface = Selection::default();
        on_interface
            .fragment_entry(
                Some(Name::new_static_unchecked("Foo")),
                DirectiveList::new(),
            )
            .add_leaf(&Name::new_static_unchecked("upc"));
        let qux = json(r#"{"__typename":"Qux","upc":"q1"}"#);
        assert_eq!(
            representation(&qux, "Qux", None, &on_interface, &|c, a| c == "Foo"
                && a == "Qux"),
            Some(json(r#"{"__typename":"Qux","upc":"q1"}"#))
        );
        assert_eq!(
            representation(&qux, "Qux", None, &on_interface, &|c, a| c == a),
            Some(json(r#"{"__typename":"Qux"}"#)),
            "without the subtype relation the fragment does not apply"
        );
    }

    #[test]
    fn a_written_representation_is_the_built_ones_text() {
        use apollo_compiler::{Name, ast::DirectiveList};

        use crate::planner::selection::FieldItem;

        let name = Name::new_static_unchecked;
        let composite = |field: &'static str, leaves: &[&'static str]| {
            let mut sub = Selection::default();
            for leaf in leaves {
                sub.add_leaf(&name(leaf));
            }
            FieldItem {
                alias: None,
                name: name(field),
                arguments: Vec::new(),
                directives: DirectiveList::new(),
                selection: Some(sub),
                output_type: None,
            }
        };
        let mut fields = Selection::default();
        fields.add_leaf(&name("id"));
        fields.field_entry(composite("dims", &["w", "h"]));
        fields.field_entry(composite("tags", &["n"]));
        fields
            .fragment_entry(Some(name("Box")), DirectiveList::new())
            .add_leaf(&name("sku"));
        let object = json(
            r#"{"__typename":"Box","id":"b\"1","sku":7,"dims":{"__typename":"Dims","h":2.5,"w":1},
                "tags":[{"n":"a","x":1},"loose",null,{"n":"é\n"}]}"#,
        );
        let map = object.as_object().expect("an object");
        let is_a = |c: &str, a: &str| c == a;
        // The text is appended to what `out` holds; `keys` is reused between objects.
        fn written<'s>(
            map: &Map<'_>,
            fields: &'s Selection,
            keys: &mut Vec<&'s str>,
        ) -> Option<String> {
            let mut out = b"[".to_vec();
            write_representation(map, "Box", None, fields, &|c, a| c == a, &mut out, keys)
                .map(|()| String::from_utf8(out).expect("UTF-8"))
        }
        let built = |fields: &Selection| {
            let built = representation_of(map, "Box", None, fields, &is_a).expect("built");
            let mut text = b"[".to_vec();
            built.write(&mut text);
            String::from_utf8(text).expect("UTF-8")
        };
        // A field named twice at one level: the value is built, and it decides.
        let mut repeated = fields.clone();
        repeated
            .fragment_entry(Some(name("Box")), DirectiveList::new())
            .add_leaf(&name("id"));
        let mut keys = Vec::new();
        assert_eq!(written(map, &fields, &mut keys), Some(built(&fields)));
        assert_eq!(
            written(map, &fields, &mut keys),
            Some(built(&fields)),
            "again"
        );
        assert_eq!(written(map, &repeated, &mut keys), Some(built(&repeated)));
        // A null inside a list item's selection: no representation, `out` untouched.
        let nulled =
            json(r#"{"__typename":"Box","id":"b","dims":{"w":1,"h":2},"tags":[{"n":null}]}"#);
        let nulled = nulled.as_object().expect("an object");
        let mut fields = Selection::default();
        fields.add_leaf(&name("id"));
        fields.field_entry(composite("tags", &["n"]));
        let mut out = b"[".to_vec();
        assert_eq!(
            write_representation(nulled, "Box", None, &fields, &is_a, &mut out, &mut keys),
            None
        );
        assert_eq!(out, b"[");
        assert_eq!(representation_of(nulled, "Box", None, &fields, &is_a), None);
    }

    #[test]
    fn internal_aliases_are_undone_in_answers() {
        let mut answer = json(r#"{"accounts":[{"id":"u1"},{"tqc1__id":"a1","name":"x"}]}"#);
        undo_internal_aliases(&mut answer);
        assert_eq!(
            answer,
            json(r#"{"accounts":[{"id":"u1"},{"id":"a1","name":"x"}]}"#)
        );
    }
}
