//! Root fields: grouped per subgraph, queries in parallel, mutations in order, shared
//! variables forwarded only where used. (Shared root fields split across subgraphs
//! are covered by the audit's `shared-root` suite: our composition refuses value types
//! whose fields differ per subgraph, which that construct needs.)

use super::{plan, plan_with, supergraph};

/// `a` and `b`, each with query and mutation root fields of its own.
fn two() -> tessera_router::Supergraph {
    supergraph("root_fields_two")
}

#[test]
fn query_root_fields_are_grouped_per_subgraph_and_run_in_parallel() {
    insta::assert_snapshot!(
        "query_root_fields",
        plan(&two(), "query($n: Int) { x(n: $n) z y }")
    );
}

#[test]
fn mutation_root_fields_run_in_order() {
    insta::assert_snapshot!(
        "mutation_root_fields",
        plan(
            &two(),
            "mutation { a: setX(n: 1) b: setZ(n: 2) c: setX(n: 3) }"
        )
    );
}

#[test]
fn conditions_are_decided_per_request_and_never_sent() {
    let query = "query($yes: Boolean = true) { x @include(if: $yes) z @skip(if: $yes) }";
    insta::assert_snapshot!("conditions_by_default", plan(&two(), query));
    insta::assert_snapshot!(
        "conditions_turned_over",
        plan_with(&two(), query, serde_json::json!({ "yes": false }))
    );
    // The audit's requires-requires, where the fragment's condition used to be copied
    // onto the field that had its own (a subgraph refuses two `@include` on one field).
    insta::assert_snapshot!(
        "conditions_on_fragments_and_their_fields",
        plan(
            &two(),
            "{ ... @include(if: true) { x @include(if: true) } ... on Query @skip(if: false) { z @skip(if: false) } }"
        )
    );
    // Every root field left out: nothing to fetch.
    insta::assert_snapshot!(
        "every_root_field_left_out",
        plan(&two(), "{ x @skip(if: true) }")
    );
}
