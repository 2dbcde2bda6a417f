//! Which entities a response holds, as tags an invalidation can name:
//! - `Type` for every object of an entity type (invalidating a type drops them all);
//! - `Type:{"id":"1"}` for each key of the type whose fields the object carries
//!   (the key's fields, objects sorted by field name: [`canonical`]);
//! - `Type:?` when the object lacks the fields of one of its type's keys (the response
//!   then holds an entity it cannot name, and any invalidation of that type drops it).
//!
//! - `Type:list` when the response lists entities of the type (a list field of it,
//!   anywhere under a list, empty ones included: found from the operation, not the
//!   data) or looked one up and found none (an entity field answered `null`): a change
//!   to any entity of the type may change what such a response holds (a search a
//!   retitled entry now matches, a profile a new handle now names), so every
//!   invalidation of the type drops it.
//!
//! Where an abstract type's object has no `__typename`, every entity type it may be is
//! tagged as unnamed. Aliased key fields are not read (the object is then unnamed):
//! the tags can only be too many, never too few.

use std::collections::{BTreeSet, HashMap};

use apollo_compiler::{
    Name, Schema,
    executable::{ExecutableDocument, Selection, SelectionSet},
    response::{JsonMap, JsonValue},
};

use crate::supergraph::Supergraph;

/// The key field sets of every entity type.
#[derive(Debug, Clone, Default)]
pub struct EntityKeys {
    keys: HashMap<Name, Vec<SelectionSet>>,
    /// Per object type, the entity interfaces it implements (an object is tagged as
    /// those too, so invalidating `CodexEntry` reaches a `CodexArticle`).
    interfaces: HashMap<Name, Vec<Name>>,
    /// Per interface and union, the entity types that may stand for it.
    possible_entities: HashMap<Name, Vec<Name>>,
}

impl EntityKeys {
    /// Every distinct key of every entity type of `supergraph`.
    pub fn of(supergraph: &Supergraph) -> Self {
        let mut keys: HashMap<Name, Vec<SelectionSet>> = HashMap::new();
        for name in supergraph.schema.types.keys() {
            let Some(info) = supergraph.type_info(name) else {
                continue;
            };
            let mut seen: Vec<String> = Vec::new();
            for key in info.graphs.iter().flat_map(|g| g.keys.iter()) {
                let text = key.selection.to_string();
                if !seen.contains(&text) {
                    seen.push(text);
                    keys.entry(name.clone())
                        .or_default()
                        .push(key.selection.clone());
                }
            }
        }
        let mut interfaces: HashMap<Name, Vec<Name>> = HashMap::new();
        for (name, ty) in &supergraph.schema.types {
            if let apollo_compiler::schema::ExtendedType::Object(object) = ty {
                let entity_interfaces: Vec<Name> = object
                    .implements_interfaces
                    .iter()
                    .map(|i| i.name.clone())
                    .filter(|i| keys.contains_key(i))
                    .collect();
                if !entity_interfaces.is_empty() {
                    interfaces.insert(name.clone(), entity_interfaces);
                }
            }
        }
        let possible_entities = supergraph
            .schema
            .types
            .keys()
            .filter(|name| supergraph.is_abstract(name))
            .map(|name| {
                let entities = supergraph
                    .possible_types(name)
                    .into_iter()
                    .filter(|t| keys.contains_key(t))
                    .collect();
                (name.clone(), entities)
            })
            .collect();
        Self {
            keys,
            interfaces,
            possible_entities,
        }
    }

    /// Whether `type_name` is an entity type.
    pub fn is_entity(&self, type_name: &str) -> bool {
        self.keys.contains_key(type_name)
    }

    /// The tags of a response's `data` for `selection_set` (the operation's).
    pub fn tags(
        &self,
        schema: &Schema,
        document: &ExecutableDocument,
        selection_set: &SelectionSet,
        data: &JsonMap,
    ) -> Vec<String> {
        let mut tags = BTreeSet::new();
        let mut walk = Walk {
            keys: self,
            schema,
            document,
            tags: &mut tags,
        };
        walk.object(selection_set, data, None);
        walk.lists(selection_set, false, 0);
        tags.into_iter().collect()
    }

    /// The tags of one entity object (an `_entities` answer, or a representation).
    pub fn tags_of_object(&self, type_name: &str, object: &JsonMap) -> Vec<String> {
        let mut tags = BTreeSet::new();
        self.tag_object(type_name, object, &mut tags);
        tags.into_iter().collect()
    }

    /// The tags an invalidation of `type_name` by `key` (the key's fields and values)
    /// drops: the entity by that key, and the entities of that type a response could
    /// not name.
    /// The responses listing entities of the type, or that found none, are dropped too
    /// (`Type:list`).
    pub fn invalidation_tags(type_name: &str, key: Option<&JsonValue>) -> Vec<String> {
        let list = format!("{type_name}:list");
        match key {
            None => vec![type_name.to_owned(), list],
            Some(key) => vec![
                format!("{type_name}:{}", canonical(key)),
                format!("{type_name}:?"),
                list,
            ],
        }
    }

    /// Tags a response as listing entities of `type_name` (an entity type or interface,
    /// or an abstract type some may stand for), and of the entity interfaces and
    /// entity types it stands for.
    /// Whether it is one (it was tagged).
    fn tag_list(&self, type_name: &str, tags: &mut BTreeSet<String>) -> bool {
        let mut listed = false;
        if self.keys.contains_key(type_name) {
            tags.insert(format!("{type_name}:list"));
            listed = true;
        }
        for interface in self.interfaces.get(type_name).into_iter().flatten() {
            tags.insert(format!("{interface}:list"));
            listed = true;
        }
        for possible in self.possible_entities.get(type_name).into_iter().flatten() {
            tags.insert(format!("{possible}:list"));
            listed = true;
        }
        listed
    }

    fn tag_object(&self, type_name: &str, object: &JsonMap, tags: &mut BTreeSet<String>) {
        for interface in self.interfaces.get(type_name).into_iter().flatten() {
            self.tag_as(interface, object, tags);
        }
        self.tag_as(type_name, object, tags);
    }

    /// Tags `object` as an entity of `type_name` (its type or one of its interfaces).
    fn tag_as(&self, type_name: &str, object: &JsonMap, tags: &mut BTreeSet<String>) {
        let Some(keys) = self.keys.get(type_name) else {
            return;
        };
        tags.insert(type_name.to_owned());
        for key in keys {
            match key_value(key, object) {
                Some(value) => tags.insert(format!("{type_name}:{}", canonical(&value))),
                None => tags.insert(format!("{type_name}:?")),
            };
        }
    }
}

/// The key's fields of `object`, or `None` when one is missing or null.
fn key_value(key: &SelectionSet, object: &JsonMap) -> Option<JsonValue> {
    let mut out = JsonMap::new();
    for selection in &key.selections {
        let Selection::Field(field) = selection else {
            continue;
        };
        let value = object.get(field.name.as_str())?;
        if value.is_null() {
            return None;
        }
        let value = if field.selection_set.selections.is_empty() {
            value.clone()
        } else {
            key_value(&field.selection_set, value.as_object()?)?
        };
        out.insert(field.name.as_str(), value);
    }
    Some(JsonValue::Object(out))
}

/// `value` as JSON text with every object's fields sorted by name: the same key
/// written by a subgraph and read from a response gives the same text.
pub fn canonical(value: &JsonValue) -> String {
    match value {
        JsonValue::Object(map) => canonical_map(map),
        JsonValue::Array(items) => {
            let inner: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", inner.join(","))
        }
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// [`canonical`] of an object.
pub fn canonical_map(map: &JsonMap) -> String {
    let mut fields: Vec<(&str, &JsonValue)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    let inner: Vec<String> = fields
        .into_iter()
        .map(|(k, v)| {
            format!(
                "{}:{}",
                serde_json::to_string(k).unwrap_or_default(),
                canonical(v)
            )
        })
        .collect();
    format!("{{{}}}", inner.join(","))
}

struct Walk<'a> {
    keys: &'a EntityKeys,
    schema: &'a Schema,
    document: &'a ExecutableDocument,
    tags: &'a mut BTreeSet<String>,
}

impl Walk<'_> {
    /// An object answering `set`; `concrete` is its type when already known.
    fn object(&mut self, set: &SelectionSet, object: &JsonMap, concrete: Option<&str>) {
        let typename = object
            .get("__typename")
            .and_then(JsonValue::as_str)
            .map(str::to_owned)
            .or_else(|| concrete.map(str::to_owned))
            .or_else(|| {
                matches!(
                    self.schema.types.get(&set.ty),
                    Some(apollo_compiler::schema::ExtendedType::Object(_))
                )
                .then(|| set.ty.to_string())
            });
        match &typename {
            Some(t) => self.keys.tag_object(t, object, self.tags),
            None => {
                // Abstract without `__typename`: named as the entity interface it is
                // (when it is one), and unnamed as any entity type it may be.
                self.keys.tag_as(&set.ty, object, self.tags);
                for possible in self
                    .keys
                    .possible_entities
                    .get(&set.ty)
                    .into_iter()
                    .flatten()
                {
                    self.tags.insert(possible.to_string());
                    self.tags.insert(format!("{possible}:?"));
                }
            }
        }
        self.fields(set, object, typename.as_deref(), 0);
    }

    fn fields(
        &mut self,
        set: &SelectionSet,
        object: &JsonMap,
        typename: Option<&str>,
        depth: usize,
    ) {
        if depth > 64 {
            return;
        }
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    if field.selection_set.selections.is_empty() {
                        continue;
                    }
                    match object.get(field.response_key().as_str()) {
                        // Looked up and not found: a new or changed entity may be it.
                        Some(JsonValue::Null) => {
                            self.keys
                                .tag_list(field.definition.ty.inner_named_type(), self.tags);
                        }
                        Some(value) => self.value(&field.selection_set, value),
                        None => {}
                    }
                }
                Selection::InlineFragment(inline) => {
                    if self.applies(inline.type_condition.as_ref(), typename) {
                        self.fields(&inline.selection_set, object, typename, depth + 1);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = self.document.fragments.get(&spread.fragment_name)
                        && self.applies(Some(fragment.type_condition()), typename)
                    {
                        self.fields(&fragment.selection_set, object, typename, depth + 1);
                    }
                }
            }
        }
    }

    /// `Type:list` for every entity type a list in `set` may hold, from the operation
    /// alone (an empty list holds nothing to find in the data); `listed` when `set` is
    /// under a list of objects that are not entities (a connection's `edges`). The
    /// fields of a listed entity are not listed: a change elsewhere cannot change which
    /// author an entry has (the author's own tags cover the author).
    fn lists(&mut self, set: &SelectionSet, listed: bool, depth: usize) {
        if depth > 64 {
            return;
        }
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    if field.selection_set.selections.is_empty() {
                        continue;
                    }
                    let mut listed = listed || field.definition.ty.is_list();
                    if listed
                        && self
                            .keys
                            .tag_list(field.definition.ty.inner_named_type(), self.tags)
                    {
                        listed = false;
                    }
                    self.lists(&field.selection_set, listed, depth + 1);
                }
                Selection::InlineFragment(inline) => {
                    self.lists(&inline.selection_set, listed, depth + 1);
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = self.document.fragments.get(&spread.fragment_name) {
                        self.lists(&fragment.selection_set, listed, depth + 1);
                    }
                }
            }
        }
    }

    fn value(&mut self, set: &SelectionSet, value: &JsonValue) {
        match value {
            JsonValue::Object(object) => self.object(set, object, None),
            JsonValue::Array(items) => {
                for item in items {
                    self.value(set, item);
                }
            }
            _ => {}
        }
    }

    /// Whether a fragment on `condition` applies to an object of `typename` (always,
    /// when the type is unknown: more tags, never fewer).
    fn applies(&self, condition: Option<&Name>, typename: Option<&str>) -> bool {
        match (condition, typename) {
            (Some(condition), Some(typename)) => {
                condition == typename || self.schema.is_subtype(condition, typename)
            }
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use apollo_compiler::ExecutableDocument;

    use super::*;

    fn json(text: &str) -> JsonValue {
        serde_json::from_str(text).expect("JSON")
    }

    #[test]
    fn a_response_is_tagged_with_the_entities_it_holds() {
        let supergraph =
            Supergraph::parse(include_str!("../../../schema/supergraph.graphql")).expect("loads");
        let keys = EntityKeys::of(&supergraph);
        let tags = |query: &str, data: &str| {
            let document =
                ExecutableDocument::parse_and_validate(&supergraph.api, query, "q").expect("valid");
            let operation = document.operations.get(None).expect("one");
            let JsonValue::Object(data) = json(data) else {
                unreachable!()
            };
            keys.tags(&supergraph.api, &document, &operation.selection_set, &data)
        };
        // Exercise has two keys (id, slug): both named when both are there.
        assert_eq!(
            tags(
                "{ exercise(slug: \"squat\") { id slug name } }",
                r#"{"exercise":{"id":"e1","slug":"squat","name":"Squat"}}"#
            ),
            vec![
                "Exercise".to_owned(),
                r#"Exercise:{"id":"e1"}"#.to_owned(),
                r#"Exercise:{"slug":"squat"}"#.to_owned(),
            ]
        );
        // A missing key field (or an alias for it) leaves the entity unnamed; nested
        // entities in lists are tagged too; nulls are nothing. Without `__typename`, an
        // entry is named as the entity interface and unnamed as each of its kinds.
        assert_eq!(
            tags(
                "{ codexSearch(query: \"x\") { edges { node { title author { ident: id } } } } }",
                r#"{"codexSearch":{"edges":[{"node":{"title":"a","author":{"ident":"u1"}}},{"node":null}]}}"#
            ),
            vec![
                "CodexArticle".to_owned(),
                "CodexArticle:?".to_owned(),
                "CodexArticle:list".to_owned(),
                "CodexEntry".to_owned(),
                "CodexEntry:?".to_owned(),
                "CodexEntry:list".to_owned(),
                "CodexPractice".to_owned(),
                "CodexPractice:?".to_owned(),
                "CodexPractice:list".to_owned(),
                "User".to_owned(),
                "User:?".to_owned(),
            ]
        );
        // A list is tagged as listing its type even when empty (a change may bring an
        // entry into it), and so is a lookup that found nothing.
        assert_eq!(
            tags(
                "{ codexSearch(query: \"zebra\") { nodes { id } } }",
                r#"{"codexSearch":{"nodes":[]}}"#
            ),
            vec![
                "CodexArticle:list".to_owned(),
                "CodexEntry:list".to_owned(),
                "CodexPractice:list".to_owned(),
            ]
        );
        assert_eq!(
            tags(
                "{ userByHandle(handle: \"nobody\") { id } }",
                r#"{"userByHandle":null}"#
            ),
            vec!["User:list".to_owned()]
        );
        // With its id, the entry is named through the interface's key; with
        // `__typename`, as its kind too.
        assert_eq!(
            tags(
                "{ codexEntry(id: \"c1\") { __typename id } }",
                r#"{"codexEntry":{"__typename":"CodexArticle","id":"c1"}}"#
            ),
            vec![
                "CodexArticle".to_owned(),
                r#"CodexArticle:{"id":"c1"}"#.to_owned(),
                "CodexEntry".to_owned(),
                r#"CodexEntry:{"id":"c1"}"#.to_owned(),
            ]
        );
        assert_eq!(
            tags(
                "{ codexEntry(id: \"c1\") { id } }",
                r#"{"codexEntry":{"id":"c1"}}"#
            ),
            vec![
                "CodexArticle".to_owned(),
                "CodexArticle:?".to_owned(),
                "CodexEntry".to_owned(),
                r#"CodexEntry:{"id":"c1"}"#.to_owned(),
                "CodexPractice".to_owned(),
                "CodexPractice:?".to_owned(),
            ]
        );
    }

    #[test]
    fn keys_are_written_the_same_whatever_the_field_order() {
        assert_eq!(
            canonical(&json(r#"{"sku":"a","org":{"id":2,"cc":"x"}}"#)),
            r#"{"org":{"cc":"x","id":2},"sku":"a"}"#
        );
        assert_eq!(
            EntityKeys::invalidation_tags("Entry", Some(&json(r#"{"id":"1"}"#))),
            vec![
                r#"Entry:{"id":"1"}"#.to_owned(),
                "Entry:?".to_owned(),
                "Entry:list".to_owned()
            ]
        );
        assert_eq!(
            EntityKeys::invalidation_tags("Entry", None),
            vec!["Entry", "Entry:list"]
        );
    }
}
