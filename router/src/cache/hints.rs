//! A response's cache policy from Apollo's cache-control rules over
//! the `@cacheControl` hints the subgraphs put on their schema (carried into the
//! supergraph by composition), restricted at run time by the `Cache-Control` headers
//! subgraphs answer with.
//!
//! The rules, as Apollo Server defines them:
//! - a field's hint wins over the hint of the type it returns; `inheritMaxAge` takes the
//!   parent field's max age;
//! - root fields, and fields returning objects, interfaces or unions (or lists of them),
//!   are uncacheable (the configured default max age, 0 unless set) unless a hint says
//!   otherwise; scalar and enum fields inherit their parent's;
//! - the response's max age is the smallest of its fields'; it is private when any of
//!   them is;
//! - mutations and responses with errors are never cached.
//!
//! The static part is computed once per prepared operation, from every field it may
//! select (fields under `@skip`/`@include` and under every type condition count), so it
//! can only be stricter than what a run selects.

use std::collections::HashMap;

use apollo_compiler::{
    Name, Schema,
    ast::Value,
    executable::{ExecutableDocument, Operation, Selection, SelectionSet},
    schema::ExtendedType,
};

use super::policy::CachePolicy;

/// One `@cacheControl` hint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hint {
    /// `maxAge`.
    pub max_age: Option<u32>,
    /// `scope`: `Some(true)` for `PRIVATE`, `Some(false)` for `PUBLIC`.
    pub private: Option<bool>,
    /// `inheritMaxAge: true`.
    pub inherit: bool,
}

/// The `@cacheControl` hints of a schema, by type and by field.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    types: HashMap<Name, Hint>,
    fields: HashMap<(Name, Name), Hint>,
    /// The object types that may stand for each interface and union.
    possible: HashMap<Name, Vec<Name>>,
    /// Max age of root fields and fields returning composite types without a hint.
    default_max_age: u32,
}

impl Hints {
    /// The hints written in `schema` (the supergraph), with `default_max_age` for what
    /// no hint covers.
    pub fn of(schema: &Schema, default_max_age: u32) -> Self {
        let implementers = schema.implementers_map();
        let possible = schema
            .types
            .iter()
            .filter_map(|(name, ty)| {
                let objects: Vec<Name> = match ty {
                    ExtendedType::Union(u) => u.members.iter().map(|m| m.name.clone()).collect(),
                    ExtendedType::Interface(_) => implementers
                        .get(name)
                        .map(|i| i.objects.iter().cloned().collect())
                        .unwrap_or_default(),
                    _ => return None,
                };
                Some((name.clone(), objects))
            })
            .collect();
        let mut hints = Self {
            default_max_age,
            possible,
            ..Self::default()
        };
        for (name, ty) in &schema.types {
            let (directives, fields): (_, Vec<_>) = match ty {
                ExtendedType::Object(o) => (&o.directives, o.fields.values().collect()),
                ExtendedType::Interface(i) => (&i.directives, i.fields.values().collect()),
                ExtendedType::Union(u) => (&u.directives, Vec::new()),
                _ => continue,
            };
            if let Some(hint) = directives.get("cacheControl").map(|d| hint(&d.arguments)) {
                hints.types.insert(name.clone(), hint);
            }
            for field in fields {
                if let Some(hint) = field
                    .directives
                    .get("cacheControl")
                    .map(|d| hint(&d.arguments))
                {
                    hints
                        .fields
                        .insert((name.clone(), field.name.clone()), hint);
                }
            }
        }
        hints
    }

    /// Whether the schema has any hint (without any, every query is uncacheable unless
    /// a default max age is set).
    pub fn is_empty(&self) -> bool {
        self.types.is_empty() && self.fields.is_empty()
    }

    /// The static policy of `operation`: every field it may select, by the rules above.
    pub fn of_operation(
        &self,
        schema: &Schema,
        document: &ExecutableDocument,
        operation: &Operation,
    ) -> CachePolicy {
        if operation.operation_type != apollo_compiler::ast::OperationType::Query {
            return CachePolicy::UNCACHEABLE;
        }
        let mut policy = CachePolicy::UNRESTRICTED;
        let mut walk = Walk {
            hints: self,
            schema,
            document,
            policy: &mut policy,
            depth: 0,
        };
        walk.selection_set(&operation.selection_set, None, true);
        policy
    }

    /// One field's part in `policy`, by the rules above: restricts `policy` and returns
    /// the field's max age (what its own fields inherit). `parent_age` is the max age
    /// of the field it belongs to; `root` says it is a root field.
    #[allow(clippy::too_many_arguments)]
    pub fn field(
        &self,
        schema: &Schema,
        parent: &Name,
        field: &Name,
        return_type: &Name,
        parent_age: Option<u32>,
        root: bool,
        policy: &mut CachePolicy,
    ) -> Option<u32> {
        let composite = matches!(
            schema.types.get(return_type),
            Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_))
        );
        let field_hint = self.field_hint(parent, field);
        let type_hint = if composite {
            self.type_hint(return_type)
        } else {
            None
        };
        let inherit = field_hint.is_some_and(|h| h.inherit)
            || (field_hint.and_then(|h| h.max_age).is_none()
                && type_hint.is_some_and(|h| h.inherit));
        let age = field_hint
            .and_then(|h| h.max_age)
            .or_else(|| type_hint.and_then(|h| h.max_age));
        let age = match age {
            Some(age) => Some(age),
            None if inherit => parent_age,
            None if composite || root => Some(self.default_max_age),
            None => parent_age,
        };
        let private = field_hint
            .and_then(|h| h.private)
            .or_else(|| type_hint.and_then(|h| h.private))
            .unwrap_or(false);
        *policy = policy.restrict(CachePolicy {
            max_age: age,
            private,
        });
        age
    }

    /// The static policy of an entity of `entity_type` as a subgraph's `_entities`
    /// answers it for `selection`: the type's hint counts as a root field's would.
    pub fn of_entity(
        &self,
        schema: &Schema,
        entity_type: &Name,
        selection: &crate::planner::selection::Selection,
    ) -> CachePolicy {
        let mut policy = CachePolicy::UNRESTRICTED;
        let hint = self.type_hint(entity_type);
        let age = hint.and_then(|h| h.max_age).or(Some(self.default_max_age));
        policy = policy.restrict(CachePolicy {
            max_age: age,
            private: hint.and_then(|h| h.private).unwrap_or(false),
        });
        self.planned(schema, entity_type, selection, age, &mut policy, 0);
        policy
    }

    /// [`Hints::of_entity`] below the entity: the planner's selections.
    fn planned(
        &self,
        schema: &Schema,
        parent: &Name,
        selection: &crate::planner::selection::Selection,
        parent_age: Option<u32>,
        policy: &mut CachePolicy,
        depth: usize,
    ) {
        use crate::planner::selection::Item;
        if depth > 64 {
            return;
        }
        for item in &selection.items {
            match item {
                Item::Field(field) => {
                    if field.name.starts_with("__") {
                        continue;
                    }
                    let Some(return_type) = schema
                        .type_field(parent, &field.name)
                        .ok()
                        .map(|f| f.ty.inner_named_type().clone())
                    else {
                        // Unknown here (an `@interfaceObject` view): nothing to go by.
                        *policy = policy.restrict(CachePolicy::UNCACHEABLE);
                        continue;
                    };
                    let age = self.field(
                        schema,
                        parent,
                        &field.name,
                        &return_type,
                        parent_age,
                        false,
                        policy,
                    );
                    if let Some(sub) = &field.selection {
                        self.planned(schema, &return_type, sub, age, policy, depth + 1);
                    }
                }
                Item::Fragment(fragment) => {
                    let on = fragment.type_condition.as_ref().unwrap_or(parent);
                    self.planned(
                        schema,
                        on,
                        &fragment.selection,
                        parent_age,
                        policy,
                        depth + 1,
                    );
                }
            }
        }
    }

    /// The hint of `field` on `parent`, and of the same field on every object type that
    /// may stand for an abstract `parent` (the strictest of them).
    fn field_hint(&self, parent: &Name, field: &Name) -> Option<Hint> {
        let mut found = self.fields.get(&(parent.clone(), field.clone())).copied();
        for possible in self.possible.get(parent).into_iter().flatten() {
            if let Some(h) = self.fields.get(&(possible.clone(), field.clone())) {
                found = Some(found.map_or(*h, |f| stricter(f, *h)));
            }
        }
        found
    }

    /// The hint of a returned type; for an abstract type, its own and its possible
    /// types' (the strictest).
    fn type_hint(&self, ty: &Name) -> Option<Hint> {
        let mut found = self.types.get(ty).copied();
        for possible in self.possible.get(ty).into_iter().flatten() {
            if let Some(h) = self.types.get(possible) {
                found = Some(found.map_or(*h, |f| stricter(f, *h)));
            }
        }
        found
    }
}

/// The stricter of two hints (smaller max age, private if either; inherit only if
/// both inherit and neither sets a max age).
fn stricter(a: Hint, b: Hint) -> Hint {
    Hint {
        max_age: match (a.max_age, b.max_age) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        },
        private: match (a.private, b.private) {
            (Some(x), Some(y)) => Some(x || y),
            (x, y) => x.or(y),
        },
        inherit: a.inherit && b.inherit,
    }
}

fn hint(arguments: &[apollo_compiler::Node<apollo_compiler::ast::Argument>]) -> Hint {
    let mut hint = Hint::default();
    for argument in arguments {
        match (argument.name.as_str(), argument.value.as_ref()) {
            ("maxAge", Value::Int(n)) => {
                hint.max_age = n.try_to_i32().ok().map(|n| u32::try_from(n).unwrap_or(0));
            }
            ("scope", Value::Enum(scope)) => hint.private = Some(scope == "PRIVATE"),
            ("inheritMaxAge", Value::Boolean(b)) => hint.inherit = *b,
            _ => {}
        }
    }
    hint
}

/// The walk over an operation's selections that gathers its static policy.
struct Walk<'a> {
    hints: &'a Hints,
    schema: &'a Schema,
    document: &'a ExecutableDocument,
    policy: &'a mut CachePolicy,
    /// Fragment spreads followed (a guard: validation already refuses cycles).
    depth: usize,
}

impl Walk<'_> {
    /// `parent_age`: the max age of the field these selections belong to (`None`
    /// above the root or when unrestricted).
    fn selection_set(&mut self, set: &SelectionSet, parent_age: Option<u32>, root: bool) {
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    if field.name.starts_with("__")
                        && field.name != "__schema"
                        && field.name != "__type"
                    {
                        continue;
                    }
                    let age = self.hints.field(
                        self.schema,
                        &set.ty,
                        &field.name,
                        field.ty().inner_named_type(),
                        parent_age,
                        root,
                        self.policy,
                    );
                    if !field.selection_set.selections.is_empty() {
                        self.selection_set(&field.selection_set, age, false);
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.selection_set(&inline.selection_set, parent_age, root);
                }
                Selection::FragmentSpread(spread) => {
                    if self.depth > 64 {
                        continue;
                    }
                    if let Some(fragment) = self.document.fragments.get(&spread.fragment_name) {
                        self.depth += 1;
                        self.selection_set(&fragment.selection_set, parent_age, root);
                        self.depth -= 1;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use apollo_compiler::ExecutableDocument;

    use super::*;

    const SCHEMA: &str = r#"
        enum CacheControlScope { PUBLIC PRIVATE }
        directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
        type Query {
          entries: [Entry!]! @cacheControl(maxAge: 300)
          entry(id: ID!): Entry
          me: User @cacheControl(maxAge: 30, scope: PRIVATE)
          version: String
          feed: [Item!]! @cacheControl(maxAge: 600)
          search: [Item!]!
        }
        type Entry @cacheControl(maxAge: 120) {
          id: ID!
          title: String
          author: User
          related: [Entry!]! @cacheControl(inheritMaxAge: true)
        }
        type User {
          id: ID!
          name: String
          friends: [User!]! @cacheControl(maxAge: 10)
        }
        union Item = Entry | Video
        type Video @cacheControl(maxAge: 60) { id: ID! }
        type Mutation { touch: Entry @cacheControl(maxAge: 300) }
    "#;

    fn policy(query: &str) -> CachePolicy {
        let schema = Schema::parse_and_validate(SCHEMA, "schema.graphql").expect("valid");
        let document =
            ExecutableDocument::parse_and_validate(&schema, query, "q.graphql").expect("valid");
        let operation = document.operations.get(None).expect("one operation");
        Hints::of(&schema, 0).of_operation(&schema, &document, operation)
    }

    #[test]
    fn the_smallest_max_age_of_the_fields_wins_and_private_spreads() {
        assert_eq!(
            policy("{ entries { id title } }").cacheable_for(),
            Some(300)
        );
        // `related` would inherit 300 from `entries`, but the max age of the type it
        // returns (Entry, 120) comes first, as in Apollo Server.
        assert_eq!(
            policy("{ entries { related { id } } }").cacheable_for(),
            Some(120)
        );
        assert_eq!(
            policy("{ entries { id author { name } } }").cacheable_for(),
            None,
            "User has no hint: a composite field without a hint is uncacheable"
        );
        let me = policy("{ me { id name } }");
        assert_eq!((me.cacheable_for(), me.private), (Some(30), true));
        assert_eq!(
            policy("{ me { friends { id } } }").cacheable_for(),
            Some(10)
        );
        assert_eq!(
            policy("{ version }").cacheable_for(),
            None,
            "a root field without a hint is uncacheable"
        );
        assert_eq!(policy("{ entries { id } version }").cacheable_for(), None);
        // A field's hint wins over the type's; without one, an abstract type takes the
        // strictest of its members' hints.
        assert_eq!(
            policy("{ feed { ... on Entry { id } ... on Video { id } } }").cacheable_for(),
            Some(600)
        );
        assert_eq!(
            policy("{ search { ... on Entry { id } } }").cacheable_for(),
            Some(60)
        );
        // Fragments count like inline selections.
        assert_eq!(
            policy("query { entries { ...F } } fragment F on Entry { author { id } }")
                .cacheable_for(),
            None
        );
        assert_eq!(
            policy("{ __typename entries { __typename id } }").cacheable_for(),
            Some(300)
        );
        assert_eq!(
            policy("mutation { touch { id } }"),
            CachePolicy::UNCACHEABLE
        );
    }

    #[test]
    fn a_default_max_age_covers_what_no_hint_does() {
        let schema = Schema::parse_and_validate(SCHEMA, "schema.graphql").expect("valid");
        let document =
            ExecutableDocument::parse_and_validate(&schema, "{ version entries { id } }", "q")
                .expect("valid");
        let operation = document.operations.get(None).expect("one");
        assert_eq!(
            Hints::of(&schema, 5)
                .of_operation(&schema, &document, operation)
                .cacheable_for(),
            Some(5)
        );
    }

    #[test]
    fn subgraph_headers_restrict() {
        let p = CachePolicy::from_header("max-age=60, private");
        assert_eq!((p.max_age, p.private), (Some(60), true));
        assert_eq!(CachePolicy::from_header("no-store").cacheable_for(), None);
        assert_eq!(CachePolicy::from_header("No-Cache").cacheable_for(), None);
        assert_eq!(
            CachePolicy::from_header("public"),
            CachePolicy::UNRESTRICTED
        );
        let static_policy = CachePolicy {
            max_age: Some(300),
            private: false,
        };
        assert_eq!(
            static_policy
                .restrict(CachePolicy::from_header("max-age=20"))
                .cacheable_for(),
            Some(20)
        );
        assert_eq!(
            static_policy
                .restrict(CachePolicy::from_header("max-age=900"))
                .max_age,
            Some(300)
        );
    }

    #[test]
    fn clients_get_public_only_when_anonymous() {
        let public = CachePolicy {
            max_age: Some(60),
            private: false,
        };
        assert_eq!(public.header(true), "max-age=60, public");
        assert_eq!(public.header(false), "max-age=60, private");
        let private = CachePolicy {
            max_age: Some(60),
            private: true,
        };
        assert_eq!(private.header(true), "max-age=60, private");
        assert_eq!(CachePolicy::UNCACHEABLE.header(true), "no-store");
        assert_eq!(CachePolicy::UNRESTRICTED.header(true), "no-store");
    }
}
