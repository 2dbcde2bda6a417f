//! Query plans, one module per federation feature. Each plans an operation on a fixture
//! supergraph and compares the printed plan with its snapshot in `snapshots/`.
//!
//! The fixtures are the files in `supergraphs/`. Most are what our composition makes of
//! the subgraphs in `subgraphs/<fixture>/` (composition is the root crate's, which this
//! crate cannot use; the root crate's `tests/plan_fixtures.rs` checks they still agree).
//! The others are written by hand, in shapes our composition does not make (an audit
//! suite's, with names of our own). Every subgraph is at `http://127.0.0.1:1/<name>`.

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
mod subscriptions;

use apollo_compiler::{ExecutableDocument, request::coerce_variable_values, response::JsonMap};
use tessera_router::{Supergraph, planner};

/// The fixture supergraph `supergraphs/<fixture>.graphql`.
pub fn supergraph(fixture: &str) -> Supergraph {
    let path = format!(
        "{}/tests/plans/supergraphs/{fixture}.graphql",
        env!("CARGO_MANIFEST_DIR")
    );
    let sdl = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("the fixture {path} cannot be read: {err}"));
    Supergraph::parse(&sdl).unwrap_or_else(|err| panic!("the fixture {fixture} loads: {err:?}"))
}

/// The platform's own supergraph, as committed (`schema/supergraph.graphql` at the
/// workspace root, which the root crate embeds as `tessera::platform::SUPERGRAPH`).
pub fn platform() -> Supergraph {
    Supergraph::parse(include_str!("../../../schema/supergraph.graphql"))
        .expect("the platform's supergraph loads")
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
