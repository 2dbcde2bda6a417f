//! Query plans, one module per federation feature. Each composes small subgraphs with
//! our composition, plans an operation and compares the printed plan.

mod abstract_types;
mod conditions;
mod interface_object;
mod keys;
mod merging;
mod override_labels;
mod provides;
mod requires;
mod requires_own;
mod root_fields;

use std::path::PathBuf;

use apollo_compiler::{ExecutableDocument, request::coerce_variable_values, response::JsonMap};
use tessera::compose::{SubgraphSdl, compose};
use tessera_router::{Supergraph, planner};

/// A supergraph from `(name, sdl)` pairs (the federation `@link` is added).
pub fn supergraph(subgraphs: &[(&str, &str)]) -> Supergraph {
    let subgraphs: Vec<SubgraphSdl> = subgraphs
        .iter()
        .map(|(name, sdl)| SubgraphSdl {
            name: (*name).to_owned(),
            url: format!("http://127.0.0.1:1/{name}"),
            sdl: format!(
                "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.5\", import: [\"@key\", \"@shareable\", \"@external\", \"@requires\", \"@provides\", \"@override\", \"@inaccessible\", \"@interfaceObject\"])\n{sdl}"
            ),
            file: PathBuf::from(format!("schema/{name}.graphql")),
        })
        .collect();
    let sdl = compose(&subgraphs).expect("the test subgraphs compose");
    Supergraph::parse(&sdl).expect("the composed supergraph loads")
}

/// The federation machinery of a hand-written supergraph (see [`hand_written`]).
const JOIN: &str = r#"schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{
  query: Query
}

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet

scalar link__Import

enum link__Purpose {
  SECURITY
  EXECUTION
}
"#;

/// A supergraph written by hand in a shape our composition does not make (an audit
/// suite's, with names of our own): the join machinery, the subgraphs `graphs` (each
/// `@join__graph` value the name in capitals), then `types`, which use them.
pub fn hand_written(graphs: &[&str], types: &str) -> Supergraph {
    let enum_values: String = graphs
        .iter()
        .map(|name| {
            format!(
                "  {} @join__graph(name: \"{name}\", url: \"http://127.0.0.1:1/{name}\")\n",
                name.to_uppercase()
            )
        })
        .collect();
    let sdl = format!("{JOIN}\nenum join__Graph {{\n{enum_values}}}\n{types}");
    Supergraph::parse(&sdl).expect("the hand-written supergraph loads")
}

/// The printed plan of `query` (its variables at their defaults).
pub fn plan(sg: &Supergraph, query: &str) -> String {
    plan_with(sg, query, serde_json::json!({}))
}

/// The printed plan of `query` for a request with these `variables`.
pub fn plan_with(sg: &Supergraph, query: &str, variables: serde_json::Value) -> String {
    let doc = ExecutableDocument::parse_and_validate(&sg.api, query, "op.graphql")
        .expect("the operation is valid");
    let operation = doc.operations.get(None).expect("one operation");
    let raw: JsonMap = serde_json::from_value(variables).expect("variables are an object");
    let variables = coerce_variable_values(&sg.api, operation, &raw).expect("the variables coerce");
    let plan = planner::plan(sg, &doc, operation, &variables).expect("plans");
    let names: Vec<String> = sg.subgraphs.iter().map(|s| s.name.clone()).collect();
    plan.display(&names).to_string()
}
