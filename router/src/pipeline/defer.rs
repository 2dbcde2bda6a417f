//! `@defer`: incremental delivery, as Apollo Client speaks it (`multipart/mixed` with
//! `deferSpec=20220824`).
//!
//! An operation with deferred fragments runs as two operations derived from it, side by
//! side: the *primary* one, without the deferred fragments, whose answer is sent first;
//! and the *full* one, with every fragment in place, whose answer gives the deferred
//! fragments' data, sent as incremental items (each at its path, with its label) once
//! it is complete. Both are prepared and planned like any operation, cached by their
//! text, so the first answer comes as fast as the operation without its deferred parts
//! would. The price: the subgraphs are asked for the primary part twice (identical
//! fetches in flight at once are shared). A client that does not take multipart gets
//! the full answer in one piece, as the incremental delivery proposal allows.
//!
//! A `@defer` is known by where it is written: in the operation or in a fragment, and
//! which one it is there, counted in document order (a fragment spread at two places
//! defers its parts at both).

use std::{collections::HashSet, sync::Arc};

use apollo_compiler::{
    ExecutableDocument, Name, Schema,
    ast::Value,
    executable::{Operation, OperationMap, Selection, SelectionSet},
    response::{JsonMap, JsonValue},
};

/// The response key of the `__typename` that stands in for a selection set left empty
/// when its deferred fragments are taken out; removed from the answer.
const STAND_IN: &str = "_tesseraDeferred";

/// Where a `@defer` is written: in the operation (`None`) or a fragment, and its place
/// there in document order.
pub type Site = (Option<Name>, usize);

/// Whether a `@defer` defers: its `if` argument.
#[derive(Debug, Clone, PartialEq)]
enum Condition {
    Always,
    Never,
    /// A variable's value (coerced: its default when the request gives none).
    Variable(Name),
}

/// One `@defer` of the operation.
#[derive(Debug, Clone)]
struct Deferred {
    site: Site,
    label: Option<String>,
    condition: Condition,
    /// The response keys from the root to the selection set holding it: one path per
    /// place it is reached (a fragment may be spread at several).
    paths: Vec<Vec<Name>>,
    /// The response keys it selects (through fragments it holds that are not deferred).
    keys: Vec<Name>,
}

/// The `@defer`s of an operation, and the operation with all of them in place.
#[derive(Debug)]
pub struct Deferral {
    /// The operation with every fragment in place and no `@defer`.
    pub full: String,
    deferred: Vec<Deferred>,
    /// The primary operations written so far, by their active `@defer`s (in document
    /// order): a request does not rewrite the document again.
    primaries: moka::sync::Cache<Vec<Site>, Arc<str>>,
}

/// The most primary operations kept per deferral (one per set of active `@defer`s).
const PRIMARIES_KEPT: u64 = 16;

impl Deferral {
    /// The deferral of `operation` of `document`, when it has any `@defer`.
    pub fn of(document: &ExecutableDocument, operation: &Operation) -> Option<Self> {
        let mut deferred = Vec::new();
        describe(
            document,
            &operation.selection_set,
            &None,
            &mut 0,
            &mut Vec::new(),
            &mut deferred,
        );
        if deferred.is_empty() {
            return None;
        }
        Some(Self {
            full: rewrite(document, operation, None, None),
            deferred,
            primaries: moka::sync::Cache::new(PRIMARIES_KEPT),
        })
    }

    /// The `@defer`s that defer with these (coerced) variable values.
    pub fn active(&self, variables: &JsonMap) -> HashSet<Site> {
        self.deferred
            .iter()
            .filter(|d| match &d.condition {
                Condition::Always => true,
                Condition::Never => false,
                Condition::Variable(name) => {
                    variables.get(name.as_str()) != Some(&JsonValue::Bool(false))
                }
            })
            .map(|d| d.site.clone())
            .collect()
    }

    /// The primary operation: `operation` without the `active` deferred fragments.
    pub fn primary(
        &self,
        document: &ExecutableDocument,
        operation: &Operation,
        active: &HashSet<Site>,
        schema: &Schema,
    ) -> Arc<str> {
        let key: Vec<Site> = self
            .deferred
            .iter()
            .filter(|d| active.contains(&d.site))
            .map(|d| d.site.clone())
            .collect();
        self.primaries.get_with(key, || {
            rewrite(document, operation, Some(active), Some(schema)).into()
        })
    }

    /// The incremental items of the `active` deferred fragments, from the full
    /// operation's `data`: one per object each is reached at (with its path and label),
    /// holding the fields it selects; `errors` (the full operation's that the primary
    /// answer did not have) go to the item they fall under, the rest are returned.
    pub fn items(
        &self,
        active: &HashSet<Site>,
        data: &JsonValue,
        errors: Vec<JsonValue>,
    ) -> (Vec<JsonMap>, Vec<JsonValue>) {
        let mut items: Vec<JsonMap> = Vec::new();
        for deferred in self.deferred.iter().filter(|d| active.contains(&d.site)) {
            for path in &deferred.paths {
                let mut reached = Vec::new();
                reach(data, path, &mut Vec::new(), &mut reached);
                for (at, object) in reached {
                    let picked: JsonMap = deferred
                        .keys
                        .iter()
                        .filter_map(|k| object.get(k.as_str()).map(|v| (k.as_str(), v.clone())))
                        .map(|(k, v)| (k.into(), v))
                        .collect();
                    if picked.is_empty() {
                        // Not of the fragment's type.
                        continue;
                    }
                    let mut item = JsonMap::new();
                    item.insert("data", JsonValue::Object(picked));
                    item.insert("path", JsonValue::Array(at));
                    if let Some(label) = &deferred.label {
                        item.insert("label", JsonValue::String(label.as_str().into()));
                    }
                    items.push(item);
                }
            }
        }
        let mut left = Vec::new();
        for error in errors {
            match item_of(&items, &error) {
                Some(i) => match items[i]
                    .entry("errors")
                    .or_insert_with(|| JsonValue::Array(Vec::new()))
                {
                    JsonValue::Array(list) => list.push(error),
                    _ => left.push(error),
                },
                None => left.push(error),
            }
        }
        (items, left)
    }
}

/// Removes the stand-ins for emptied selection sets from an answer's `data`.
pub fn strip_stand_ins(value: &mut JsonValue) {
    match value {
        JsonValue::Object(object) => {
            object.remove(STAND_IN);
            object.values_mut().for_each(strip_stand_ins);
        }
        JsonValue::Array(items) => items.iter_mut().for_each(strip_stand_ins),
        _ => {}
    }
}

/// The item an error's path falls under: the one with the longest path that the
/// error's path continues with one of the item's fields.
fn item_of(items: &[JsonMap], error: &JsonValue) -> Option<usize> {
    let JsonValue::Object(error) = error else {
        return None;
    };
    let Some(JsonValue::Array(path)) = error.get("path") else {
        return None;
    };
    items
        .iter()
        .enumerate()
        .filter(|(_, item)| {
            let Some(JsonValue::Array(at)) = item.get("path") else {
                return false;
            };
            let Some(JsonValue::Object(data)) = item.get("data") else {
                return false;
            };
            path.len() > at.len()
                && path.starts_with(at)
                && matches!(&path[at.len()], JsonValue::String(key) if data.contains_key(key.as_str()))
        })
        .max_by_key(|(_, item)| match item.get("path") {
            Some(JsonValue::Array(at)) => at.len(),
            _ => 0,
        })
        .map(|(i, _)| i)
}

/// The objects `path` leads to from `value`, through lists, each with where it is.
fn reach<'a>(
    value: &'a JsonValue,
    path: &[Name],
    at: &mut Vec<JsonValue>,
    out: &mut Vec<(Vec<JsonValue>, &'a JsonMap)>,
) {
    match value {
        JsonValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                at.push(JsonValue::from(i));
                reach(item, path, at, out);
                at.pop();
            }
        }
        JsonValue::Object(object) => match path.split_first() {
            None => out.push((at.clone(), object)),
            Some((key, rest)) => {
                if let Some(next) = object.get(key.as_str()) {
                    at.push(JsonValue::String(key.as_str().into()));
                    reach(next, rest, at, out);
                    at.pop();
                }
            }
        },
        _ => {}
    }
}

/// Records the `@defer`s of `set` (written in `container`), counting them in `counter`,
/// at `path`; descends into fragments spread there.
fn describe(
    document: &ExecutableDocument,
    set: &SelectionSet,
    container: &Option<Name>,
    counter: &mut usize,
    path: &mut Vec<Name>,
    out: &mut Vec<Deferred>,
) {
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => {
                path.push(field.response_key().clone());
                describe(
                    document,
                    &field.selection_set,
                    container,
                    counter,
                    path,
                    out,
                );
                path.pop();
            }
            Selection::InlineFragment(inline) => {
                if let Some(directive) = inline.directives.get("defer") {
                    let site = (container.clone(), next(counter));
                    let keys = keys_of(document, &inline.selection_set);
                    record(out, site, directive, path, keys);
                }
                describe(
                    document,
                    &inline.selection_set,
                    container,
                    counter,
                    path,
                    out,
                );
            }
            Selection::FragmentSpread(spread) => {
                let Some(fragment) = document.fragments.get(&spread.fragment_name) else {
                    continue;
                };
                if let Some(directive) = spread.directives.get("defer") {
                    let site = (container.clone(), next(counter));
                    let keys = keys_of(document, &fragment.selection_set);
                    record(out, site, directive, path, keys);
                }
                describe(
                    document,
                    &fragment.selection_set,
                    &Some(fragment.name.clone()),
                    &mut 0,
                    path,
                    out,
                );
            }
        }
    }
}

fn next(counter: &mut usize) -> usize {
    *counter += 1;
    *counter - 1
}

fn record(
    out: &mut Vec<Deferred>,
    site: Site,
    directive: &apollo_compiler::executable::Directive,
    path: &[Name],
    keys: Vec<Name>,
) {
    if let Some(known) = out.iter_mut().find(|d| d.site == site) {
        if !known.paths.iter().any(|p| p == path) {
            known.paths.push(path.to_vec());
        }
        return;
    }
    let condition = match directive.specified_argument_by_name("if").map(|v| &**v) {
        None | Some(Value::Boolean(true)) => Condition::Always,
        Some(Value::Boolean(false)) => Condition::Never,
        Some(Value::Variable(name)) => Condition::Variable(name.clone()),
        Some(_) => Condition::Always,
    };
    let label = directive
        .specified_argument_by_name("label")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    out.push(Deferred {
        site,
        label,
        condition,
        paths: vec![path.to_vec()],
        keys,
    });
}

/// The response keys `set` selects, through fragments in it that are not deferred.
fn keys_of(document: &ExecutableDocument, set: &SelectionSet) -> Vec<Name> {
    let mut keys = Vec::new();
    collect_keys(document, set, &mut keys);
    keys
}

fn collect_keys(document: &ExecutableDocument, set: &SelectionSet, keys: &mut Vec<Name>) {
    for selection in &set.selections {
        match selection {
            Selection::Field(field) if !keys.contains(field.response_key()) => {
                keys.push(field.response_key().clone());
            }
            Selection::InlineFragment(inline) if inline.directives.get("defer").is_none() => {
                collect_keys(document, &inline.selection_set, keys);
            }
            Selection::FragmentSpread(spread) if spread.directives.get("defer").is_none() => {
                if let Some(fragment) = document.fragments.get(&spread.fragment_name) {
                    collect_keys(document, &fragment.selection_set, keys);
                }
            }
            _ => {}
        }
    }
}

/// `operation` alone (with the fragments and variables it still uses), every `@defer`
/// removed; with `take_out`, the fragments deferred there are removed too, and a
/// selection set left empty selects a stand-in `__typename` (`schema` defines it).
fn rewrite(
    document: &ExecutableDocument,
    operation: &Operation,
    take_out: Option<&HashSet<Site>>,
    schema: Option<&Schema>,
) -> String {
    let mut doc = document.clone();
    let mut op = operation.clone();
    rewrite_set(&mut op.selection_set, &None, &mut 0, take_out, schema);
    for (name, fragment) in doc.fragments.iter_mut() {
        let fragment = fragment.make_mut();
        rewrite_set(
            &mut fragment.selection_set,
            &Some(name.clone()),
            &mut 0,
            take_out,
            schema,
        );
    }
    // Only the fragments the operation still spreads, and the variables it still uses.
    let mut spread = HashSet::new();
    spreads(&doc, &op.selection_set, &mut spread);
    doc.fragments.retain(|name, _| spread.contains(name));
    let mut used = HashSet::new();
    variables_of_set(&op.selection_set, &mut used);
    variables_of_directives(&op.directives, &mut used);
    for fragment in doc.fragments.values() {
        variables_of_set(&fragment.selection_set, &mut used);
    }
    op.variables.retain(|v| used.contains(&v.name));
    let mut operations = OperationMap::default();
    match op.name.clone() {
        Some(name) => {
            operations.named.insert(name, op.into());
        }
        None => operations.anonymous = Some(op.into()),
    }
    doc.operations = operations;
    doc.to_string()
}

fn rewrite_set(
    set: &mut SelectionSet,
    container: &Option<Name>,
    counter: &mut usize,
    take_out: Option<&HashSet<Site>>,
    schema: Option<&Schema>,
) {
    let had_any = !set.selections.is_empty();
    let mut kept = Vec::with_capacity(set.selections.len());
    for mut selection in std::mem::take(&mut set.selections) {
        let site = match &selection {
            Selection::InlineFragment(i) => i.directives.get("defer").is_some(),
            Selection::FragmentSpread(s) => s.directives.get("defer").is_some(),
            Selection::Field(_) => false,
        }
        .then(|| (container.clone(), next(counter)));
        match &mut selection {
            Selection::Field(field) => {
                let field = field.make_mut();
                rewrite_set(
                    &mut field.selection_set,
                    container,
                    counter,
                    take_out,
                    schema,
                );
            }
            Selection::InlineFragment(inline) => {
                let inline = inline.make_mut();
                inline.directives.0.retain(|d| d.name != "defer");
                rewrite_set(
                    &mut inline.selection_set,
                    container,
                    counter,
                    take_out,
                    schema,
                );
            }
            Selection::FragmentSpread(spread) => {
                spread.make_mut().directives.0.retain(|d| d.name != "defer");
            }
        }
        let taken = site.is_some_and(|site| take_out.is_some_and(|out| out.contains(&site)));
        if !taken {
            kept.push(selection);
        }
    }
    set.selections = kept;
    if had_any
        && set.selections.is_empty()
        && let Some(schema) = schema
        && let Ok(typename) = set.new_field(schema, Name::new_static_unchecked("__typename"))
    {
        set.push(typename.with_alias(Name::new_static_unchecked(STAND_IN)));
    }
}

fn spreads(document: &ExecutableDocument, set: &SelectionSet, out: &mut HashSet<Name>) {
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => spreads(document, &field.selection_set, out),
            Selection::InlineFragment(inline) => spreads(document, &inline.selection_set, out),
            Selection::FragmentSpread(spread) => {
                if out.insert(spread.fragment_name.clone())
                    && let Some(fragment) = document.fragments.get(&spread.fragment_name)
                {
                    spreads(document, &fragment.selection_set, out);
                }
            }
        }
    }
}

fn variables_of_set(set: &SelectionSet, used: &mut HashSet<Name>) {
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => {
                for argument in &field.arguments {
                    variables_of_value(&argument.value, used);
                }
                variables_of_directives(&field.directives, used);
                variables_of_set(&field.selection_set, used);
            }
            Selection::InlineFragment(inline) => {
                variables_of_directives(&inline.directives, used);
                variables_of_set(&inline.selection_set, used);
            }
            Selection::FragmentSpread(spread) => variables_of_directives(&spread.directives, used),
        }
    }
}

fn variables_of_directives(
    directives: &apollo_compiler::executable::DirectiveList,
    used: &mut HashSet<Name>,
) {
    for directive in directives.iter() {
        for argument in &directive.arguments {
            variables_of_value(&argument.value, used);
        }
    }
}

fn variables_of_value(value: &Value, used: &mut HashSet<Name>) {
    match value {
        Value::Variable(name) => {
            used.insert(name.clone());
        }
        Value::List(items) => items.iter().for_each(|v| variables_of_value(v, used)),
        Value::Object(fields) => fields.iter().for_each(|(_, v)| variables_of_value(v, used)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use apollo_compiler::{ExecutableDocument, Schema, validation::Valid};
    use serde_json::json;

    use super::*;

    const SCHEMA: &str = r#"
        directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT
        type Query { user(id: ID!): User users: [User!]! }
        type User { id: ID! name: String! posts(first: Int): [Post!]! }
        type Post { title: String! likes: Int! }
    "#;

    fn parsed(query: &str) -> (Valid<Schema>, Valid<ExecutableDocument>) {
        let schema = Schema::parse_and_validate(SCHEMA, "schema.graphql").expect("schema");
        let doc =
            ExecutableDocument::parse_and_validate(&schema, query, "q.graphql").expect("operation");
        (schema, doc)
    }

    fn json_value(value: serde_json::Value) -> JsonValue {
        serde_json::from_value(value).expect("JSON")
    }

    #[test]
    fn an_operation_without_defer_has_no_deferral() {
        let (_, doc) = parsed("{ user(id: 1) { name ... on User { id } } }");
        let op = doc.operations.get(None).expect("op");
        assert!(Deferral::of(&doc, op).is_none());
    }

    #[test]
    fn the_primary_operation_leaves_out_what_is_deferred_and_the_full_one_keeps_it_in_place() {
        let (schema, doc) = parsed(
            r#"query Q($first: Int, $late: Boolean!) {
                user(id: 1) {
                    name
                    ... @defer(label: "posts") { posts(first: $first) { title } }
                    ...Likes @defer(if: $late)
                }
                users { ... @defer { id } }
            }
            fragment Likes on User { liked: posts { likes } }
            query Other { users { id } }"#,
        );
        let op = doc.operations.get(Some("Q")).expect("op");
        let deferral = Deferral::of(&doc, op).expect("deferred");
        assert_eq!(
            deferral.full,
            "query Q($first: Int) {\n  user(id: 1) {\n    name\n    ... {\n      posts(first: $first) {\n        title\n      }\n    }\n    ...Likes\n  }\n  users {\n    ... {\n      id\n    }\n  }\n}\n\nfragment Likes on User {\n  liked: posts {\n    likes\n  }\n}\n",
            "the other operation, and `$late`, used only by a `@defer`, are left out"
        );
        let vars = |late: bool| -> JsonMap {
            serde_json::from_value(json!({ "late": late })).expect("map")
        };
        let active = deferral.active(&vars(true));
        assert_eq!(active.len(), 3);
        // Taken out: both deferred parts of `user`, and all `users` selects (a
        // stand-in keeps the selection set valid). `$first` and `Likes` go with them;
        // `$late` stays declared only if something still uses it (nothing does).
        assert_eq!(
            &*deferral.primary(&doc, op, &active, &schema),
            "query Q {\n  user(id: 1) {\n    name\n  }\n  users {\n    _tesseraDeferred: __typename\n  }\n}\n"
        );
        // `if: false` keeps that fragment in the primary operation.
        let active = deferral.active(&vars(false));
        assert_eq!(active.len(), 2);
        assert_eq!(
            &*deferral.primary(&doc, op, &active, &schema),
            "query Q {\n  user(id: 1) {\n    name\n    ...Likes\n  }\n  users {\n    _tesseraDeferred: __typename\n  }\n}\n\nfragment Likes on User {\n  liked: posts {\n    likes\n  }\n}\n"
        );

        // The items: one per object the fragment is reached at, with its label.
        let data = json_value(json!({
            "user": { "name": "Ann", "posts": [{ "title": "a" }], "liked": [{ "likes": 3 }] },
            "users": [{ "id": "1" }, { "id": "2" }],
        }));
        let active = deferral.active(&vars(true));
        let error = json_value(json!({ "message": "x", "path": ["users", 1, "id"] }));
        let (items, left) = deferral.items(&active, &data, vec![error.clone()]);
        let items: Vec<serde_json::Value> = items
            .into_iter()
            .map(|i| serde_json::to_value(i).expect("JSON"))
            .collect();
        assert_eq!(
            items,
            [
                json!({ "data": { "posts": [{ "title": "a" }] }, "path": ["user"], "label": "posts" }),
                json!({ "data": { "liked": [{ "likes": 3 }] }, "path": ["user"] }),
                json!({ "data": { "id": "1" }, "path": ["users", 0] }),
                json!({ "data": { "id": "2" }, "path": ["users", 1], "errors": [{ "message": "x", "path": ["users", 1, "id"] }] }),
            ]
        );
        assert!(left.is_empty());
        let stray = json_value(json!({ "message": "y", "path": ["nowhere"] }));
        let (_, left) = deferral.items(&active, &data, vec![stray.clone()]);
        assert_eq!(left, [stray]);
    }

    #[test]
    fn a_fragment_spread_at_two_places_defers_at_both() {
        let (_, doc) = parsed(
            "{ a: user(id: 1) { ...Name } b: user(id: 2) { ...Name } }
             fragment Name on User { id ... @defer { name } }",
        );
        let op = doc.operations.get(None).expect("op");
        let deferral = Deferral::of(&doc, op).expect("deferred");
        let data = json_value(json!({ "a": { "id": "1", "name": "A" }, "b": null }));
        let (items, _) = deferral.items(&deferral.active(&JsonMap::new()), &data, Vec::new());
        let items: Vec<serde_json::Value> = items
            .into_iter()
            .map(|i| serde_json::to_value(i).expect("JSON"))
            .collect();
        assert_eq!(items, [json!({ "data": { "name": "A" }, "path": ["a"] })]);
    }

    #[test]
    fn stand_ins_are_removed_from_an_answer() {
        let mut data = json_value(
            json!({ "users": [{ "_tesseraDeferred": "User" }], "x": { "_tesseraDeferred": "User", "id": 1 } }),
        );
        strip_stand_ins(&mut data);
        assert_eq!(
            serde_json::to_value(&data).expect("JSON"),
            json!({ "users": [{}], "x": { "id": 1 } })
        );
    }
}
