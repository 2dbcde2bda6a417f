//! Rewrites the supergraph `graphql-composition` renders into the standard Federation
//! v2 flavour that Apollo Router, Hive Router and our own router read.
//!
//! What differs in the Grafbase rendering, and what this module does about it:
//! - no `@link` definition, no `link__*` types, `join/v0.3` without `overrideLabel`
//!   in the spec: the schema header and every `join__*`/`link__*` definition are
//!   replaced by the standard `join/v0.5` set;
//! - `@join__type` is declared non-repeatable: replaced (it is repeatable);
//! - root operation types carry no `@join__type`: one is added per subgraph that
//!   resolves a field of the root type;
//! - custom scalars carry no `@join__type`: added from the subgraphs' own SDL (and
//!   `@join__enumValue` likewise, should an enum value lack it);
//! - Grafbase's own `@join__owner` is dropped;
//! - a progressive `@override` carries its label only where the field moves to: the
//!   subgraph it moves from gets it too (`@join__field(graph: A, overrideLabel: …)`),
//!   as the standard flavour says that subgraph resolves the field while the label is
//!   off;
//! - authorization, tag, inaccessible, cost and `@cacheControl` (composed with
//!   `@composeDirective`) directives are used without their `@link` or definitions:
//!   both are added for those in use.

use std::collections::{BTreeMap, BTreeSet};

use apollo_compiler::{
    Name, Node, Schema,
    ast::{self, Argument, Definition, Directive, DirectiveList, OperationType, Value},
};

use super::{ComposeError, SubgraphSdl};

/// Standard definitions of the link and join specs (join v0.5).
const JOIN_DEFINITIONS: &str = r#"directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

input join__ContextArgument {
  name: String!
  type: String!
  context: String!
  selection: join__FieldValue!
}

scalar join__DirectiveArguments

scalar join__FieldSet

scalar join__FieldValue

scalar link__Import

enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}
"#;

/// A spec that is linked and defined only when the supergraph uses its directives.
struct OptionalSpec {
    /// Directive names whose use pulls the spec in.
    directives: &'static [&'static str],
    /// The `@link` arguments.
    link: &'static str,
    /// Its definitions.
    definitions: &'static str,
}

const OPTIONAL_SPECS: &[OptionalSpec] = &[
    OptionalSpec {
        directives: &["tag"],
        link: r#"url: "https://specs.apollo.dev/tag/v0.3""#,
        definitions: "directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA\n",
    },
    OptionalSpec {
        directives: &["inaccessible"],
        link: r#"url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY"#,
        definitions: "directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION\n",
    },
    OptionalSpec {
        directives: &["authenticated"],
        link: r#"url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY"#,
        definitions: "directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n",
    },
    OptionalSpec {
        directives: &["requiresScopes"],
        link: r#"url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY"#,
        definitions: "directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n\nscalar requiresScopes__Scope\n",
    },
    OptionalSpec {
        directives: &["policy"],
        link: r#"url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY"#,
        definitions: "directive @policy(policies: [[policy__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM\n\nscalar policy__Policy\n",
    },
    OptionalSpec {
        directives: &["cacheControl"],
        link: r#"url: "https://specs.tessera.dev/cacheControl/v0.1", import: ["@cacheControl"]"#,
        definitions: "directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION\n",
    },
    OptionalSpec {
        directives: &["cost", "listSize"],
        link: r#"url: "https://specs.apollo.dev/cost/v0.1", import: ["@cost", "@listSize"]"#,
        definitions: "directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR\n\ndirective @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION\n",
    },
];

/// Which subgraphs define each scalar and each enum value, read from their own SDL.
#[derive(Default)]
struct Origins {
    /// Scalar name → subgraph names.
    scalars: BTreeMap<String, BTreeSet<String>>,
    /// (enum, value) → subgraph names.
    enum_values: BTreeMap<(String, String), BTreeSet<String>>,
}

impl Origins {
    fn of(subgraphs: &[SubgraphSdl]) -> Result<Self, ComposeError> {
        let mut origins = Self::default();
        for subgraph in subgraphs {
            let doc = ast::Document::parse(&subgraph.sdl, format!("{}.graphql", subgraph.name))
                .map_err(|err| ComposeError::Subgraph {
                    subgraph: subgraph.name.clone(),
                    message: err.to_string(),
                })?;
            for definition in &doc.definitions {
                match definition {
                    Definition::ScalarTypeDefinition(s) => {
                        origins
                            .scalars
                            .entry(s.name.to_string())
                            .or_default()
                            .insert(subgraph.name.clone());
                    }
                    Definition::EnumTypeDefinition(e) => {
                        for value in &e.values {
                            origins
                                .enum_values
                                .entry((e.name.to_string(), value.value.to_string()))
                                .or_default()
                                .insert(subgraph.name.clone());
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(origins)
    }
}

/// The rewrite; the result is validated as a schema before it is returned.
pub fn rewrite(grafbase_sdl: &str, subgraphs: &[SubgraphSdl]) -> Result<String, ComposeError> {
    let invalid = |err: String| ComposeError::InvalidSupergraph(err);
    let doc = ast::Document::parse(grafbase_sdl, "supergraph.graphql")
        .map_err(|err| invalid(err.to_string()))?;
    let origins = Origins::of(subgraphs)?;
    let graph_values = graph_enum_values(&doc);

    let mut roots: Vec<(OperationType, Name)> = Vec::new();
    for definition in &doc.definitions {
        if let Definition::SchemaDefinition(schema) = definition {
            for root in &schema.root_operations {
                roots.push((root.0, root.1.clone()));
            }
        }
    }

    let mut body = ast::Document::new();
    for definition in &doc.definitions {
        let rewritten = match definition {
            Definition::SchemaDefinition(_) | Definition::DirectiveDefinition(_) => None,
            Definition::ScalarTypeDefinition(s) if is_spec_type(&s.name) => None,
            Definition::EnumTypeDefinition(e)
                if is_spec_type(&e.name) && e.name != "join__Graph" =>
            {
                None
            }
            Definition::InputObjectTypeDefinition(i) if is_spec_type(&i.name) => None,
            Definition::ScalarTypeDefinition(s) => {
                let mut s = s.clone();
                let graphs = origins
                    .scalars
                    .get(s.name.as_str())
                    .cloned()
                    .unwrap_or_default();
                let scalar = s.make_mut();
                for graph in graphs {
                    scalar.directives.push(join_graph_directive(
                        "join__type",
                        &graph_values,
                        &graph,
                    )?);
                }
                Some(Definition::ScalarTypeDefinition(s))
            }
            Definition::ObjectTypeDefinition(o) => {
                let mut o = o.clone();
                let object = o.make_mut();
                drop_owner(&mut object.directives);
                one_each(&mut object.directives, &object.name)?;
                for field in &mut object.fields {
                    let field = field.make_mut();
                    one_each(
                        &mut field.directives,
                        &format!("{}.{}", object.name, field.name),
                    )?;
                    label_overridden(&mut field.directives, &graph_values);
                }
                if roots.iter().any(|(_, name)| *name == object.name) {
                    for graph in graphs_of_fields(&object.fields) {
                        object.directives.push(Node::new(join_type(graph)));
                    }
                }
                Some(Definition::ObjectTypeDefinition(o))
            }
            Definition::EnumTypeDefinition(e) if e.name != "join__Graph" => {
                let mut e = e.clone();
                let enumeration = e.make_mut();
                let enum_name = enumeration.name.to_string();
                for value in &mut enumeration.values {
                    let key = (enum_name.clone(), value.value.to_string());
                    let graphs = origins.enum_values.get(&key).cloned().unwrap_or_default();
                    let value = value.make_mut();
                    if value.directives.get("join__enumValue").is_some() {
                        continue;
                    }
                    for graph in graphs {
                        value.directives.push(join_graph_directive(
                            "join__enumValue",
                            &graph_values,
                            &graph,
                        )?);
                    }
                }
                Some(Definition::EnumTypeDefinition(e))
            }
            Definition::InterfaceTypeDefinition(i) => {
                let mut i = i.clone();
                let interface = i.make_mut();
                one_each(&mut interface.directives, &interface.name)?;
                for field in &mut interface.fields {
                    let field = field.make_mut();
                    one_each(
                        &mut field.directives,
                        &format!("{}.{}", interface.name, field.name),
                    )?;
                }
                Some(Definition::InterfaceTypeDefinition(i))
            }
            Definition::UnionTypeDefinition(u) => {
                let mut u = u.clone();
                let union = u.make_mut();
                one_each(&mut union.directives, &union.name)?;
                Some(Definition::UnionTypeDefinition(u))
            }
            other => Some(other.clone()),
        };
        body.definitions.extend(rewritten);
    }

    let body_text = body.to_string();
    let mut out = String::from(
        "schema\n  @link(url: \"https://specs.apollo.dev/link/v1.0\")\n  @link(url: \"https://specs.apollo.dev/join/v0.5\", for: EXECUTION)\n",
    );
    let used: Vec<&OptionalSpec> = OPTIONAL_SPECS
        .iter()
        .filter(|spec| {
            spec.directives
                .iter()
                .any(|d| uses_directive(&body_text, d))
        })
        .collect();
    for spec in &used {
        out.push_str(&format!("  @link({})\n", spec.link));
    }
    out.push_str("{\n");
    for (operation, name) in &roots {
        out.push_str(&format!("  {operation}: {name}\n"));
    }
    out.push_str("}\n\n");
    out.push_str(JOIN_DEFINITIONS);
    for spec in &used {
        out.push('\n');
        out.push_str(spec.definitions);
    }
    out.push('\n');
    out.push_str(&body_text);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Schema::parse_and_validate(&out, "supergraph.graphql")
        .map_err(|with_errors| invalid(with_errors.errors.to_string()))?;
    Ok(out)
}

/// Types of the link/join machinery (and Grafbase's), replaced by the standard set.
fn is_spec_type(name: &str) -> bool {
    name.starts_with("join__") || name.starts_with("link__")
}

/// Whether `@name` is applied somewhere in `sdl` (not merely a prefix of a longer name).
fn uses_directive(sdl: &str, name: &str) -> bool {
    let needle = format!("@{name}");
    sdl.match_indices(&needle).any(|(at, _)| {
        !sdl[at + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Composed directives that may appear once per location: composition repeats them on
/// a type or field every subgraph that shares it applies them to.
const COMPOSED_ONCE: &[&str] = &["cacheControl"];

/// Keeps one of each [`COMPOSED_ONCE`] directive at `site`: identical copies are one;
/// subgraphs disagreeing (different arguments) is a composition error.
fn one_each(directives: &mut DirectiveList, site: &str) -> Result<(), ComposeError> {
    for name in COMPOSED_ONCE {
        let mut seen: Option<String> = None;
        let mut problem = None;
        directives.0.retain(|d| {
            if d.name != *name {
                return true;
            }
            let text = d.to_string();
            match &seen {
                None => {
                    seen = Some(text);
                    true
                }
                Some(first) if *first == text => false,
                Some(first) => {
                    problem = Some(format!(
                        "`{site}`: subgraphs disagree on `@{name}`: {first} and {text}"
                    ));
                    true
                }
            }
        });
        if let Some(problem) = problem {
            return Err(ComposeError::Composition(vec![problem]));
        }
    }
    Ok(())
}

/// Gives the `@join__field` of the subgraph a labelled `@override` takes the field
/// from the same `overrideLabel`, where it lacks one.
fn label_overridden(directives: &mut DirectiveList, graph_values: &BTreeMap<String, Name>) {
    let str_arg = |d: &Directive, name: &str| {
        d.specified_argument_by_name(name)
            .and_then(|v| v.as_str().map(str::to_owned))
    };
    let labelled: Vec<(Name, String)> = directives
        .get_all("join__field")
        .filter_map(|d| {
            let from = graph_values.get(&str_arg(d, "override")?)?;
            Some((from.clone(), str_arg(d, "overrideLabel")?))
        })
        .collect();
    for (from, label) in labelled {
        for d in &mut directives.0 {
            let of_from = d.name == "join__field"
                && matches!(d.specified_argument_by_name("graph").map(|v| &**v),
                            Some(Value::Enum(graph)) if *graph == from);
            if of_from && d.specified_argument_by_name("overrideLabel").is_none() {
                d.make_mut().arguments.push(Node::new(Argument {
                    name: Name::new_unchecked("overrideLabel"),
                    value: Node::new(Value::String(label.clone())),
                }));
            }
        }
    }
}

fn drop_owner(directives: &mut DirectiveList) {
    directives.0.retain(|d| d.name != "join__owner");
}

/// Subgraph name → `join__Graph` value name, from the rendered enum.
fn graph_enum_values(doc: &ast::Document) -> BTreeMap<String, Name> {
    let mut values = BTreeMap::new();
    for definition in &doc.definitions {
        let Definition::EnumTypeDefinition(e) = definition else {
            continue;
        };
        if e.name != "join__Graph" {
            continue;
        }
        for value in &e.values {
            let subgraph = value
                .directives
                .get("join__graph")
                .and_then(|d| d.specified_argument_by_name("name"))
                .and_then(|v| v.as_str().map(str::to_owned));
            if let Some(subgraph) = subgraph {
                values.insert(subgraph, value.value.clone());
            }
        }
    }
    values
}

/// The graphs (as `join__Graph` values) that resolve any of `fields`, in order.
fn graphs_of_fields(fields: &[Node<ast::FieldDefinition>]) -> BTreeSet<Name> {
    fields
        .iter()
        .flat_map(|field| field.directives.get_all("join__field"))
        .filter_map(
            |d| match d.specified_argument_by_name("graph").map(|v| &**v) {
                Some(Value::Enum(graph)) => Some(graph.clone()),
                _ => None,
            },
        )
        .collect()
}

fn join_type(graph: Name) -> Directive {
    Directive {
        name: Name::new_static_unchecked("join__type"),
        arguments: vec![Node::new(Argument {
            name: Name::new_static_unchecked("graph"),
            value: Node::new(Value::Enum(graph)),
        })],
    }
}

fn join_graph_directive(
    directive: &'static str,
    graph_values: &BTreeMap<String, Name>,
    subgraph: &str,
) -> Result<Node<Directive>, ComposeError> {
    let graph = graph_values.get(subgraph).cloned().ok_or_else(|| {
        ComposeError::InvalidSupergraph(format!("subgraph `{subgraph}` has no join__Graph value"))
    })?;
    let mut d = join_type(graph);
    d.name = Name::new_static_unchecked(directive);
    Ok(Node::new(d))
}

#[cfg(test)]
mod tests {
    use apollo_compiler::ast::{Definition, Document};

    use std::collections::BTreeMap;

    use apollo_compiler::Name;

    use super::{label_overridden, one_each, uses_directive};

    fn directives_of(sdl: &str) -> apollo_compiler::ast::DirectiveList {
        let doc = Document::parse(sdl, "t.graphql").expect("parses");
        match &doc.definitions[0] {
            Definition::ObjectTypeDefinition(o) => o.directives.clone(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_composed_cache_hint_repeated_by_sharing_subgraphs_is_kept_once() {
        let mut same = directives_of(
            "type PageInfo @cacheControl(inheritMaxAge: true) @cacheControl(inheritMaxAge: true) @tag(name: \"a\") @tag(name: \"b\") { x: Int }",
        );
        one_each(&mut same, "PageInfo").expect("identical copies are one");
        assert_eq!(
            same.to_string(),
            " @cacheControl(inheritMaxAge: true) @tag(name: \"a\") @tag(name: \"b\")",
            "repeatable directives are left alone"
        );
        let mut different = directives_of(
            "type User @cacheControl(maxAge: 60) @cacheControl(maxAge: 5) { x: Int }",
        );
        let err = one_each(&mut different, "User").expect_err("subgraphs disagree");
        assert_eq!(
            err.to_string(),
            "composition failed:\n`User`: subgraphs disagree on `@cacheControl`: @cacheControl(maxAge: 60) and @cacheControl(maxAge: 5)"
        );
    }

    #[test]
    fn directive_use_is_found_by_whole_name() {
        assert!(uses_directive("a: Int @cost(weight: 2)", "cost"));
        assert!(!uses_directive("a: Int @costly", "cost"));
        assert!(uses_directive("type A @tag(name: \"x\")", "tag"));
    }

    #[test]
    fn the_subgraph_a_labelled_override_moves_from_gets_the_label_too() {
        let field = |sdl: &str| {
            let doc = Document::parse(format!("type T {{ {sdl} }}"), "t.graphql").expect("parses");
            match &doc.definitions[0] {
                Definition::ObjectTypeDefinition(o) => o.fields[0].directives.clone(),
                _ => unreachable!(),
            }
        };
        let graphs = BTreeMap::from([
            ("a".to_owned(), Name::new_static_unchecked("A")),
            ("b".to_owned(), Name::new_static_unchecked("B")),
            ("c".to_owned(), Name::new_static_unchecked("C")),
        ]);
        let mut labelled = field(
            r#"f: Int @join__field(graph: A) @join__field(graph: B, override: "a", overrideLabel: "new-f") @join__field(graph: C)"#,
        );
        label_overridden(&mut labelled, &graphs);
        assert_eq!(
            labelled.to_string(),
            r#" @join__field(graph: A, overrideLabel: "new-f") @join__field(graph: B, override: "a", overrideLabel: "new-f") @join__field(graph: C)"#
        );
        // A plain override, and one from a subgraph not in the graph, are left alone.
        for sdl in [
            r#"f: Int @join__field(graph: B, override: "a")"#,
            r#"f: Int @join__field(graph: B, override: "gone", overrideLabel: "x")"#,
        ] {
            let mut plain = field(sdl);
            let before = plain.to_string();
            label_overridden(&mut plain, &graphs);
            assert_eq!(plain.to_string(), before);
        }
    }
}
