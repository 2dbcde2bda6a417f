//! Root fields: grouped per subgraph, queries in parallel, mutations in order, shared
//! variables forwarded only where used. (Shared root fields split across subgraphs
//! are covered by the audit's `shared-root` suite: our composition refuses value types
//! whose fields differ per subgraph, which that construct needs.)

use super::{plan, plan_with, supergraph};

fn two() -> tessera_router::Supergraph {
    supergraph(&[
        (
            "a",
            r#"type Query { x(n: Int): Int y: Int } type Mutation { setX(n: Int!): Int }"#,
        ),
        (
            "b",
            r#"type Query { z: Int } type Mutation { setZ(n: Int!): Int }"#,
        ),
    ])
}

#[test]
fn query_root_fields_are_grouped_per_subgraph_and_run_in_parallel() {
    assert_eq!(
        plan(&two(), "query($n: Int) { x(n: $n) z y }"),
        "[0] a\n  query($n: Int) {x(n: $n) y}\n[1] b\n  query {z}\n"
    );
}

#[test]
fn mutation_root_fields_run_in_order() {
    assert_eq!(
        plan(
            &two(),
            "mutation { a: setX(n: 1) b: setZ(n: 2) c: setX(n: 3) }"
        ),
        "[0] a\n  mutation {a:setX(n: 1)}\n[1] b after 0\n  mutation {b:setZ(n: 2)}\n[2] a after 1\n  mutation {c:setX(n: 3)}\n"
    );
}

#[test]
fn conditions_are_decided_per_request_and_never_sent() {
    let query = "query($yes: Boolean = true) { x @include(if: $yes) z @skip(if: $yes) }";
    assert_eq!(plan(&two(), query), "[0] a\n  query {x}\n");
    assert_eq!(
        plan_with(&two(), query, serde_json::json!({ "yes": false })),
        "[0] b\n  query {z}\n"
    );
    // The audit's requires-requires, where the fragment's condition used to be copied
    // onto the field that had its own (a subgraph refuses two `@include` on one field).
    assert_eq!(
        plan(
            &two(),
            "{ ... @include(if: true) { x @include(if: true) } ... on Query @skip(if: false) { z @skip(if: false) } }"
        ),
        "[0] a\n  query {x}\n[1] b\n  query {z}\n"
    );
    // Every root field left out: nothing to fetch.
    assert_eq!(plan(&two(), "{ x @skip(if: true) }"), "");
}
