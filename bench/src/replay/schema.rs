//! A subgraph's executable schema, made from the SDL it answered to `_service { sdl }`.
//!
//! That SDL is written for federation tooling, not for a GraphQL server: it applies
//! `@link`, `@key`, `@shareable`… (Federation 1 subgraphs without defining them), it
//! may `extend type` a type defined nowhere else, and it may leave out `_Any`,
//! `_Entity`, `_entities` and `_service`, which the subgraph library adds when it
//! serves. So: every directive application is removed but `@deprecated`,
//! `@specifiedBy` and `@oneOf` (none of the others changes which operations are
//! valid), directive definitions are dropped unless the directive may be used in an
//! operation, orphan extensions become definitions, and what the federation library
//! would add is added when missing. Operations are then validated exactly as a
//! graphql-js subgraph validates them (apollo-compiler implements the same rules).
//!
//! The `@key` field sets are kept aside: the data model indexes entities by them.

use std::collections::{HashMap, HashSet};

use apollo_compiler::{
    Schema,
    ast::{self, Definition, DirectiveList, DirectiveLocation, OperationType},
    schema::ExtendedType,
    validation::Valid,
};

use super::error::ReplayError;

/// Directive applications kept in the schema: they change what is valid or what
/// introspection says.
const KEPT_DIRECTIVES: [&str; 3] = ["deprecated", "specifiedBy", "oneOf"];

/// One subgraph's schema and the `@key` field sets of its types.
#[derive(Debug)]
pub struct SubgraphSchema {
    /// What operations are validated against and executed over.
    pub schema: Valid<Schema>,
    /// `@key` field sets by type name, in the order written.
    pub keys: HashMap<String, Vec<FieldSet>>,
    /// The object types of each interface and union, in the schema's order.
    pub possible: HashMap<String, Vec<String>>,
}

impl SubgraphSchema {
    /// The schema of subgraph `name` from its SDL.
    pub fn from_sdl(name: &str, sdl: &str) -> Result<Self, ReplayError> {
        let invalid = |message: String| ReplayError::Schema {
            subgraph: name.to_owned(),
            message,
        };
        let document = ast::Document::parse(sdl, format!("{name}.graphql"))
            .map_err(|e| invalid(e.errors.to_string()))?;
        let keys = keys_of(&document);
        let entity_types: Vec<String> = object_types_with_keys(&document);
        let mut stripped = strip(&document);
        let additions = additions(&stripped, &entity_types);
        if !additions.is_empty() {
            stripped.definitions.extend(
                ast::Document::parse(&additions, "replay-additions.graphql")
                    .map_err(|e| invalid(e.errors.to_string()))?
                    .definitions,
            );
        }
        let schema = Schema::builder()
            .adopt_orphan_extensions()
            .add_ast(&stripped)
            .build()
            .map_err(|e| invalid(e.errors.to_string()))?
            .validate()
            .map_err(|e| invalid(e.errors.to_string()))?;
        let mut possible: HashMap<String, Vec<String>> = HashMap::new();
        for (name, ty) in &schema.types {
            match ty {
                ExtendedType::Union(union) => {
                    possible
                        .entry(name.to_string())
                        .or_default()
                        .extend(union.members.iter().map(|m| m.to_string()));
                }
                ExtendedType::Object(object) => {
                    for interface in &object.implements_interfaces {
                        possible
                            .entry(interface.to_string())
                            .or_default()
                            .push(name.to_string());
                    }
                }
                _ => {}
            }
        }
        Ok(Self {
            schema,
            keys,
            possible,
        })
    }

    /// An object type of abstract type `name`, for an object whose `__typename` was not
    /// recorded (the first, as good as any where the answer does not depend on it).
    pub fn any_possible_type(&self, name: &str) -> Option<&str> {
        self.possible.get(name)?.first().map(String::as_str)
    }
}

/// A `@key(fields:)` selection: field names, some with sub-selections.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldSet(pub Vec<(String, FieldSet)>);

impl FieldSet {
    /// Parses `"id organization { id }"`; `None` for anything else (arguments, aliases
    /// and fragments have no place in a key).
    pub fn parse(text: &str) -> Option<Self> {
        let spaced = text
            .replace('{', " { ")
            .replace('}', " } ")
            .replace(',', " ");
        let mut tokens = spaced.split_whitespace().peekable();
        let set = Self::parse_tokens(&mut tokens)?;
        (tokens.next().is_none() && !set.0.is_empty()).then_some(set)
    }

    fn parse_tokens<'a>(
        tokens: &mut std::iter::Peekable<impl Iterator<Item = &'a str>>,
    ) -> Option<Self> {
        let mut fields = Vec::new();
        while let Some(&token) = tokens.peek() {
            if token == "}" {
                break;
            }
            tokens.next();
            let is_name = token
                .chars()
                .next()
                .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
                && token.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
            if !is_name {
                return None;
            }
            let mut sub = Self::default();
            if tokens.peek() == Some(&"{") {
                tokens.next();
                sub = Self::parse_tokens(tokens)?;
                if tokens.next() != Some("}") || sub.0.is_empty() {
                    return None;
                }
            }
            fields.push((token.to_owned(), sub));
        }
        Some(Self(fields))
    }

    /// The part of `value` (a representation) this field set selects, `None` when a
    /// selected field is missing.
    pub fn project(&self, value: &serde_json::Value) -> Option<serde_json::Value> {
        if self.0.is_empty() {
            return Some(value.clone());
        }
        match value {
            serde_json::Value::Array(items) => items
                .iter()
                .map(|item| self.project(item))
                .collect::<Option<Vec<_>>>()
                .map(serde_json::Value::Array),
            serde_json::Value::Object(members) => {
                let mut out = serde_json::Map::new();
                for (name, sub) in &self.0 {
                    out.insert(name.clone(), sub.project(members.get(name)?)?);
                }
                Some(serde_json::Value::Object(out))
            }
            _ => None,
        }
    }
}

/// Is this a `@key` (under any federation namespace: `@key`, `@federation__key`)?
fn is_key(name: &str) -> bool {
    name == "key" || name.ends_with("__key")
}

fn keys_of(document: &ast::Document) -> HashMap<String, Vec<FieldSet>> {
    let mut keys: HashMap<String, Vec<FieldSet>> = HashMap::new();
    for definition in &document.definitions {
        let Some(name) = definition.name() else {
            continue;
        };
        let directives = definition.directives();
        for directive in directives.iter().filter(|d| is_key(&d.name)) {
            let Some(fields) = directive
                .specified_argument_by_name("fields")
                .and_then(|v| v.as_str())
                .and_then(FieldSet::parse)
            else {
                continue;
            };
            let list = keys.entry(name.to_string()).or_default();
            if !list.contains(&fields) {
                list.push(fields);
            }
        }
    }
    keys
}

fn object_types_with_keys(document: &ast::Document) -> Vec<String> {
    let mut names = Vec::new();
    for definition in &document.definitions {
        let directives = match definition {
            Definition::ObjectTypeDefinition(def) => &def.directives,
            Definition::ObjectTypeExtension(ext) => &ext.directives,
            _ => continue,
        };
        let name = definition
            .name()
            .expect("object types have names")
            .to_string();
        if directives.iter().any(|d| is_key(&d.name)) && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The document without federation's directives (see the module's documentation).
fn strip(document: &ast::Document) -> ast::Document {
    let mut out = ast::Document::new();
    for definition in &document.definitions {
        let mut definition = definition.clone();
        match &mut definition {
            Definition::DirectiveDefinition(def) => {
                if !def.locations.iter().any(is_executable) {
                    continue;
                }
            }
            Definition::SchemaDefinition(def) => def.make_mut().directives = DirectiveList::new(),
            Definition::SchemaExtension(ext) => {
                if ext.root_operations.is_empty() {
                    continue;
                }
                ext.make_mut().directives = DirectiveList::new();
            }
            Definition::ScalarTypeDefinition(def) => keep_only(&mut def.make_mut().directives),
            Definition::ScalarTypeExtension(ext) => keep_only(&mut ext.make_mut().directives),
            Definition::ObjectTypeDefinition(def) => {
                let def = def.make_mut();
                keep_only(&mut def.directives);
                strip_fields(&mut def.fields);
            }
            Definition::ObjectTypeExtension(ext) => {
                let ext = ext.make_mut();
                keep_only(&mut ext.directives);
                strip_fields(&mut ext.fields);
            }
            Definition::InterfaceTypeDefinition(def) => {
                let def = def.make_mut();
                keep_only(&mut def.directives);
                strip_fields(&mut def.fields);
            }
            Definition::InterfaceTypeExtension(ext) => {
                let ext = ext.make_mut();
                keep_only(&mut ext.directives);
                strip_fields(&mut ext.fields);
            }
            Definition::UnionTypeDefinition(def) => keep_only(&mut def.make_mut().directives),
            Definition::UnionTypeExtension(ext) => keep_only(&mut ext.make_mut().directives),
            Definition::EnumTypeDefinition(def) => {
                let def = def.make_mut();
                keep_only(&mut def.directives);
                for value in &mut def.values {
                    keep_only(&mut value.make_mut().directives);
                }
            }
            Definition::EnumTypeExtension(ext) => {
                let ext = ext.make_mut();
                keep_only(&mut ext.directives);
                for value in &mut ext.values {
                    keep_only(&mut value.make_mut().directives);
                }
            }
            Definition::InputObjectTypeDefinition(def) => {
                let def = def.make_mut();
                keep_only(&mut def.directives);
                strip_inputs(&mut def.fields);
            }
            Definition::InputObjectTypeExtension(ext) => {
                let ext = ext.make_mut();
                keep_only(&mut ext.directives);
                strip_inputs(&mut ext.fields);
            }
            Definition::OperationDefinition(_) | Definition::FragmentDefinition(_) => continue,
        }
        out.definitions.push(definition);
    }
    out
}

fn is_executable(location: &DirectiveLocation) -> bool {
    matches!(
        location,
        DirectiveLocation::Query
            | DirectiveLocation::Mutation
            | DirectiveLocation::Subscription
            | DirectiveLocation::Field
            | DirectiveLocation::FragmentDefinition
            | DirectiveLocation::FragmentSpread
            | DirectiveLocation::InlineFragment
            | DirectiveLocation::VariableDefinition
    )
}

fn keep_only(directives: &mut DirectiveList) {
    directives
        .0
        .retain(|d| KEPT_DIRECTIVES.contains(&d.name.as_str()));
}

fn strip_fields(fields: &mut [apollo_compiler::Node<ast::FieldDefinition>]) {
    for field in fields {
        let field = field.make_mut();
        keep_only(&mut field.directives);
        strip_inputs(&mut field.arguments);
    }
}

fn strip_inputs(inputs: &mut [apollo_compiler::Node<ast::InputValueDefinition>]) {
    for input in inputs {
        keep_only(&mut input.make_mut().directives);
    }
}

/// SDL for what the federation library adds to a subgraph and `document` lacks.
fn additions(document: &ast::Document, entity_types: &[String]) -> String {
    let mut defined = HashSet::new();
    let mut query_root = None;
    for definition in &document.definitions {
        if let Some(name) = definition.name() {
            defined.insert(name.to_string());
        }
        let roots = match definition {
            Definition::SchemaDefinition(def) => &def.root_operations,
            Definition::SchemaExtension(ext) => &ext.root_operations,
            _ => continue,
        };
        for root in roots {
            if root.0 == OperationType::Query {
                query_root = Some(root.1.to_string());
            }
        }
    }
    let query_root = query_root.unwrap_or_else(|| "Query".to_owned());
    let query_fields: HashSet<String> = document
        .definitions
        .iter()
        .filter_map(|definition| match definition {
            Definition::ObjectTypeDefinition(def) if def.name == query_root.as_str() => {
                Some(&def.fields)
            }
            Definition::ObjectTypeExtension(ext) if ext.name == query_root.as_str() => {
                Some(&ext.fields)
            }
            _ => None,
        })
        .flatten()
        .map(|field| field.name.to_string())
        .collect();

    let mut sdl = String::new();
    if !defined.contains("_Any") {
        sdl.push_str("scalar _Any\n");
    }
    if !defined.contains("_Service") {
        sdl.push_str("type _Service { sdl: String }\n");
    }
    let has_entities = !entity_types.is_empty() || defined.contains("_Entity");
    if !entity_types.is_empty() && !defined.contains("_Entity") {
        sdl.push_str(&format!("union _Entity = {}\n", entity_types.join(" | ")));
    }
    let mut fields = Vec::new();
    if has_entities && !query_fields.contains("_entities") {
        fields.push("_entities(representations: [_Any!]!): [_Entity]!");
    }
    if !query_fields.contains("_service") {
        fields.push("_service: _Service!");
    }
    if !fields.is_empty() {
        let keyword = if defined.contains(&query_root) {
            "extend type"
        } else {
            "type"
        };
        sdl.push_str(&format!(
            "{keyword} {query_root} {{ {} }}\n",
            fields.join(" ")
        ));
    }
    sdl
}

#[cfg(test)]
mod tests {
    use apollo_compiler::ExecutableDocument;
    use serde_json::json;

    use super::*;

    const FED1: &str = r#"
        extend type Product @key(fields: "upc") {
            upc: String! @external
            weight: Int @external
            shippingEstimate: Int @requires(fields: "weight")
        }
        type Review @key(fields: "id") { id: ID! body: String product: Product @provides(fields: "upc") }
        extend type Query { review(id: ID!): Review }
    "#;

    #[test]
    fn federation_1_sdl_becomes_an_executable_schema_with_entities() {
        let schema = SubgraphSchema::from_sdl("reviews", FED1).expect("a schema");
        let valid = ExecutableDocument::parse_and_validate(
            &schema.schema,
            r#"{ _entities(representations: [{__typename: "Product", upc: "1"}]) { ... on Product { shippingEstimate } } review(id: 1) { body } _service { sdl } }"#,
            "op.graphql",
        );
        assert!(
            valid.is_ok(),
            "{:?}",
            valid.err().map(|e| e.errors.to_string())
        );
        assert_eq!(
            schema.keys["Product"],
            vec![FieldSet::parse("upc").expect("a field set")]
        );
    }

    #[test]
    fn operations_a_graphql_js_subgraph_refuses_are_refused() {
        let schema = SubgraphSchema::from_sdl("reviews", FED1).expect("a schema");
        for operation in [
            "{ review(id: 1) @include(if: true) @include(if: true) { body } }",
            "{ review(id: 1) { ... on Product { upc } } }",
            "{ review(id: 1) { nope } }",
        ] {
            assert!(
                ExecutableDocument::parse_and_validate(&schema.schema, operation, "op.graphql")
                    .is_err(),
                "{operation} was accepted"
            );
        }
    }

    #[test]
    fn key_field_sets_project_representations() {
        let key = FieldSet::parse("id organization { id }").expect("a field set");
        let representation = json!({"__typename": "User", "id": "1", "name": "x", "organization": {"id": "o", "n": 1}});
        assert_eq!(
            key.project(&representation),
            Some(json!({"id": "1", "organization": {"id": "o"}}))
        );
        assert_eq!(key.project(&json!({"id": "1"})), None);
        assert_eq!(FieldSet::parse("id { }"), None);
        assert_eq!(FieldSet::parse("a(x: 1)"), None);
    }
}
