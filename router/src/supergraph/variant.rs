//! Contract variants: a copy of the supergraph in which everything not tagged for one
//! audience (`@tag(name: "partner")`) is `@inaccessible`. [`Supergraph::parse`] of the
//! result derives the variant's API schema, while planning keeps the full join metadata,
//! so a second router built from it serves exactly the variant.
//!
//! # The rule (Apollo's contract rule, plus value types)
//! - A type is **kept** when it is tagged, or (object, interface) one of its fields is
//!   tagged, or it is a **value type** reached from a kept field, argument or input
//!   field, or from an argument of a directive the API schema keeps (`@cacheControl`).
//! - A value type is anything that is not an entity (no `@join__type(key:)`) and not a
//!   root operation type: connections, edges, `PageInfo`, enums, scalars, inputs. It
//!   has no identity of its own, so it is only ever as visible as the field that
//!   returns it; it is kept whole. An entity (`User`, `JournalEntry`) is never pulled
//!   in by reachability: it enters a variant only by being tagged, so a tagged
//!   `author: User!` does not leak every user's profile.
//! - A **field** is kept when it is tagged or its type is
//!   tagged or kept whole (a tag on a type applies to its fields, as in Apollo's
//!   contracts), or when it implements a kept field of a kept interface (the API
//!   schema must stay valid) — and in every case only if the type it returns is kept.
//! - An **argument** whose type is not kept is hidden; a field with such an argument
//!   that is required (non-null, no default) is hidden instead.
//! - Enums, input objects and unions are kept whole or not at all (nothing here tags
//!   single enum values or input fields).
//! - A root type with no kept field is hidden; a variant without a query field is an
//!   error.

use std::collections::HashSet;

use apollo_compiler::{
    Name, Node, Schema,
    ast::{Directive, DirectiveList, FieldDefinition, InputValueDefinition},
    name,
    schema::{Component, ExtendedType},
    validation::Valid,
};

use super::{SupergraphError, api_schema};

/// The supergraph SDL of the variant for `tag`: `supergraph_sdl` with every element
/// outside the variant marked `@inaccessible`.
pub fn contract_supergraph(supergraph_sdl: &str, tag: &str) -> Result<String, SupergraphError> {
    let schema = Schema::parse_and_validate(supergraph_sdl, "supergraph.graphql")
        .map_err(|e| SupergraphError::Invalid(e.errors.to_string()))?;
    let selection = Selection::of(&schema, tag);
    if !selection.has_query_field(&schema) {
        return Err(SupergraphError::Invalid(format!(
            "the `{tag}` variant has no query field: tag at least one with @tag(name: \"{tag}\")"
        )));
    }
    let mut out: Schema = schema.into_inner();
    selection.mark(&mut out);
    Ok(out.to_string())
}

/// Whether any type or field of `schema` (a supergraph) is tagged `tag`: without, there
/// is no variant to derive.
pub fn anything_tagged(schema: &Schema, tag: &str) -> bool {
    schema.types.iter().any(|(name, ty)| {
        filtered(name, ty)
            && (tagged_component(ty.directives(), tag)
                || fields_of(ty)
                    .into_iter()
                    .any(|(_, def)| tagged(&def.directives, tag)))
    })
}

/// What a variant keeps: types, and fields as `(type, field)`.
struct Selection {
    types: HashSet<Name>,
    /// Types kept whole: tagged, or value types reached from the variant.
    whole: HashSet<Name>,
    fields: HashSet<(Name, Name)>,
}

fn tagged(directives: &DirectiveList, tag: &str) -> bool {
    directives.get_all("tag").any(|d| {
        d.specified_argument_by_name("name")
            .and_then(|v| v.as_str())
            == Some(tag)
    })
}

fn tagged_component(directives: &apollo_compiler::schema::DirectiveList, tag: &str) -> bool {
    directives.get_all("tag").any(|d| {
        d.specified_argument_by_name("name")
            .and_then(|v| v.as_str())
            == Some(tag)
    })
}

/// Whether an element is ours to filter (not join/link machinery, not built in).
fn filtered(name: &str, ty: &ExtendedType) -> bool {
    !ty.is_built_in() && !api_schema::is_machinery(name)
}

fn is_entity(ty: &ExtendedType) -> bool {
    ty.directives()
        .get_all("join__type")
        .any(|d| d.specified_argument_by_name("key").is_some())
}

fn required(arg: &InputValueDefinition) -> bool {
    arg.ty.is_non_null() && arg.default_value.is_none()
}

impl Selection {
    fn of(schema: &Valid<Schema>, tag: &str) -> Self {
        let roots: HashSet<Name> = schema
            .schema_definition
            .iter_root_operations()
            .map(|(_, name)| name.name.clone())
            .collect();
        let mut s = Self {
            types: HashSet::new(),
            whole: HashSet::new(),
            fields: HashSet::new(),
        };
        // Seeds: what is tagged.
        for (name, ty) in &schema.types {
            if !filtered(name, ty) {
                continue;
            }
            if tagged_component(ty.directives(), tag) {
                s.types.insert(name.clone());
                s.whole.insert(name.clone());
            }
            for (field, def) in fields_of(ty) {
                if tagged(&def.directives, tag) {
                    s.types.insert(name.clone());
                    s.fields.insert((name.clone(), field.clone()));
                }
            }
        }
        // Directives the API schema keeps need their argument types.
        let mut reached: Vec<Name> = schema
            .directive_definitions
            .iter()
            .filter(|(name, d)| !d.is_built_in() && !api_schema::is_machinery(name))
            .flat_map(|(_, d)| d.arguments.iter())
            .map(|a| a.ty.inner_named_type().clone())
            .collect();
        // Fixpoint: value types reached from kept fields, interface fields implemented.
        loop {
            for name in reached.drain(..) {
                if let Some(ty) = schema.types.get(&name)
                    && filtered(&name, ty)
                    && !is_entity(ty)
                    && !roots.contains(&name)
                    && s.whole.insert(name.clone())
                {
                    s.types.insert(name);
                }
            }
            let before = (s.types.len(), s.whole.len(), s.fields.len());
            for (name, ty) in &schema.types {
                if !s.types.contains(name) {
                    continue;
                }
                let implemented: Vec<&Name> = match ty {
                    ExtendedType::Object(o) => {
                        o.implements_interfaces.iter().map(|i| &i.name).collect()
                    }
                    ExtendedType::Interface(i) => {
                        i.implements_interfaces.iter().map(|i| &i.name).collect()
                    }
                    _ => Vec::new(),
                };
                for (field, def) in fields_of(ty) {
                    let key = (name.clone(), field.clone());
                    let implements_kept = implemented.iter().any(|i| {
                        s.types.contains(*i) && s.fields.contains(&((*i).clone(), field.clone()))
                    });
                    if s.whole.contains(name) || implements_kept {
                        s.fields.insert(key.clone());
                    }
                    if s.fields.contains(&key) {
                        reached.push(def.ty.inner_named_type().clone());
                        reached.extend(
                            def.arguments
                                .iter()
                                .map(|a| a.ty.inner_named_type().clone()),
                        );
                    }
                }
                if let ExtendedType::InputObject(input) = ty
                    && s.whole.contains(name)
                {
                    reached.extend(
                        input
                            .fields
                            .values()
                            .map(|f| f.ty.inner_named_type().clone()),
                    );
                }
                if let ExtendedType::Union(u) = ty
                    && s.whole.contains(name)
                {
                    reached.extend(u.members.iter().map(|m| m.name.clone()));
                }
            }
            let reaches_new = reached.iter().any(|name| {
                !s.whole.contains(name)
                    && schema.types.get(name).is_some_and(|ty| {
                        filtered(name, ty) && !is_entity(ty) && !roots.contains(name)
                    })
            });
            if !reaches_new && before == (s.types.len(), s.whole.len(), s.fields.len()) {
                break;
            }
        }
        s
    }

    fn keeps_field(
        &self,
        schema: &Schema,
        owner: &Name,
        field: &Name,
        def: &FieldDefinition,
    ) -> bool {
        self.fields.contains(&(owner.clone(), field.clone()))
            && self.keeps_type_named(schema, def.ty.inner_named_type())
            && def
                .arguments
                .iter()
                .all(|a| !required(a) || self.keeps_type_named(schema, a.ty.inner_named_type()))
    }

    /// Built-in and machinery types are always there; others when kept.
    fn keeps_type_named(&self, schema: &Schema, name: &Name) -> bool {
        match schema.types.get(name) {
            Some(ty) if filtered(name, ty) => self.types.contains(name),
            _ => true,
        }
    }

    fn has_query_field(&self, schema: &Valid<Schema>) -> bool {
        let Some(query) = &schema.schema_definition.query else {
            return false;
        };
        match schema.types.get(&query.name) {
            Some(ExtendedType::Object(o)) => o
                .fields
                .iter()
                .any(|(f, def)| self.keeps_field(schema, &query.name, f, def)),
            _ => false,
        }
    }

    /// Marks what the variant leaves out `@inaccessible`.
    fn mark(&self, schema: &mut Schema) {
        let snapshot = schema.clone();
        let hide = || {
            Node::new(Directive {
                name: name!("inaccessible"),
                arguments: Vec::new(),
            })
        };
        let hide_fields = |owner: &Name,
                           fields: &mut apollo_compiler::collections::IndexMap<
            Name,
            Component<FieldDefinition>,
        >| {
            let mut any = false;
            for (field, def) in fields.iter_mut() {
                if self.keeps_field(&snapshot, owner, field, def) {
                    any = true;
                    for arg in &mut def.make_mut().arguments {
                        if !self.keeps_type_named(&snapshot, arg.ty.inner_named_type()) {
                            arg.make_mut().directives.push(hide());
                        }
                    }
                } else if def.directives.get("inaccessible").is_none() {
                    def.make_mut().directives.push(hide());
                }
            }
            any
        };
        for (name, ty) in schema.types.iter_mut() {
            if !filtered(name, ty) {
                continue;
            }
            let kept = self.types.contains(name)
                && match ty {
                    ExtendedType::Object(o) => hide_fields(name, &mut o.make_mut().fields),
                    ExtendedType::Interface(i) => hide_fields(name, &mut i.make_mut().fields),
                    _ => true,
                };
            if !kept && ty.directives().get("inaccessible").is_none() {
                let directive = Component::new(Directive {
                    name: name!("inaccessible"),
                    arguments: Vec::new(),
                });
                match ty {
                    ExtendedType::Scalar(t) => t.make_mut().directives.push(directive),
                    ExtendedType::Object(t) => t.make_mut().directives.push(directive),
                    ExtendedType::Interface(t) => t.make_mut().directives.push(directive),
                    ExtendedType::Union(t) => t.make_mut().directives.push(directive),
                    ExtendedType::Enum(t) => t.make_mut().directives.push(directive),
                    ExtendedType::InputObject(t) => t.make_mut().directives.push(directive),
                }
            }
        }
    }
}

fn fields_of(ty: &ExtendedType) -> Vec<(&Name, &Component<FieldDefinition>)> {
    match ty {
        ExtendedType::Object(o) => o.fields.iter().collect(),
        ExtendedType::Interface(i) => i.fields.iter().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Supergraph;

    const SUPERGRAPH: &str = r#"
schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.4", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/tag/v0.3")
  @link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)
{
  query: Query
  mutation: Mutation
}

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION

scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
enum join__Graph {
  A @join__graph(name: "a", url: "http://127.0.0.1:1/a")
}

scalar DateTime @join__type(graph: A)
scalar Secret @join__type(graph: A)

enum Shelf @join__type(graph: A) { ONE @join__enumValue(graph: A) TWO @join__enumValue(graph: A) }

input SearchFilter @join__type(graph: A) { shelf: Shelf }

type Article @tag(name: "partner") @join__type(graph: A, key: "id") {
  id: ID!
  title: String!
  shelf: Shelf!
  author: User!
  writtenAt: DateTime!
}

type User @join__type(graph: A, key: "id") {
  id: ID!
  email: String! @tag(name: "internal")
  secret: Secret!
}

type ArticlePage @join__type(graph: A) {
  nodes: [Article!]!
  info: PageInfo!
}

type PageInfo @join__type(graph: A) {
  hasNextPage: Boolean!
}

type Query @join__type(graph: A) {
  article(id: ID!): Article @tag(name: "partner") @join__field(graph: A)
  search(query: String!, filter: SearchFilter, viewer: ID): ArticlePage! @tag(name: "partner") @join__field(graph: A)
  me: User @join__field(graph: A)
  articles: [Article!]! @join__field(graph: A)
}

type Mutation @join__type(graph: A) {
  write(title: String!): Article @join__field(graph: A)
}
"#;

    fn variant_api() -> String {
        let sdl = contract_supergraph(SUPERGRAPH, "partner").expect("the variant derives");
        Supergraph::parse(&sdl)
            .expect("the variant parses")
            .api
            .to_string()
    }

    #[test]
    fn keeps_tagged_elements_value_types_they_reach_and_nothing_else() {
        let api = variant_api();
        // Not `User` (an untagged entity: `author` goes with it), `Secret`, `me`,
        // `articles` or `Mutation`; `ArticlePage`, `PageInfo`, `Shelf`, `DateTime` and
        // `SearchFilter` are value types reached from tagged fields.
        insta::assert_snapshot!(api, @r"
    directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT

    scalar DateTime

    enum Shelf {
      ONE
      TWO
    }

    input SearchFilter {
      shelf: Shelf
    }

    type Article {
      id: ID!
      title: String!
      shelf: Shelf!
      writtenAt: DateTime!
    }

    type ArticlePage {
      nodes: [Article!]!
      info: PageInfo!
    }

    type PageInfo {
      hasNextPage: Boolean!
    }

    type Query {
      article(id: ID!): Article
      search(query: String!, filter: SearchFilter, viewer: ID): ArticlePage!
    }
");
    }

    #[test]
    fn a_variant_without_a_query_field_is_an_error() {
        let parsed = Schema::parse_and_validate(SUPERGRAPH, "supergraph.graphql").expect("valid");
        assert!(anything_tagged(&parsed, "partner"));
        assert!(!anything_tagged(&parsed, "nobody"));
        let err = contract_supergraph(SUPERGRAPH, "nobody").expect_err("nothing is tagged");
        assert_eq!(
            err.to_string(),
            "the supergraph is not a valid schema:\nthe `nobody` variant has no query field: tag at least one with @tag(name: \"nobody\")"
        );
    }

    #[test]
    fn planning_keeps_the_full_join_metadata() {
        let sdl = contract_supergraph(SUPERGRAPH, "partner").expect("the variant derives");
        let variant = Supergraph::parse(&sdl).expect("the variant parses");
        assert!(variant.api.types.get("User").is_none());
        assert!(variant.schema.types.get("User").is_some());
        assert_eq!(variant.resolvers("Article", "author"), vec![0]);
    }
}
