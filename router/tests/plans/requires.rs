//! `@requires`: the required fields travel in the representation, fetched first from
//! where they live.

use super::{plan, supergraph};

#[test]
fn required_fields_are_fetched_before_and_sent_along() {
    let sg = supergraph("requires_required_fields_are_fetched_before_and_sent_along");
    insta::assert_snapshot!(
        "required_fields_sent_along",
        plan(&sg, "{ product { shippingCost } }")
    );
}

#[test]
fn a_requirement_from_a_third_subgraph_orders_the_fetches() {
    let sg = supergraph("requires_a_requirement_from_a_third_subgraph_orders_the_fetches");
    insta::assert_snapshot!(
        "requirement_from_a_third_subgraph",
        plan(&sg, "{ item { label } }")
    );
}

/// The audit's `requires-circular` shape, which the two tests below share.
fn circular() -> tessera_router::Supergraph {
    supergraph("requires_circular")
}

#[test]
fn what_supplies_a_requirement_never_waits_for_the_fetch_that_requires_it() {
    // The audit's `requires-circular`: `Post.byNovice` (b) requires
    // `author { yearsOfExperience }`, `author` is b's and `yearsOfExperience` a's. With
    // the client's own `author { yearsOfExperience }` beside it, the requirement used to
    // reuse the fetch of `yearsOfExperience` that waits for b's fetch of `byNovice`: the
    // two waited for each other, and nothing came back. Found by the differential fuzzer.
    let sg = circular();
    // Five fetches where four would do, but no two wait for each other.
    insta::assert_snapshot!(
        "requirement_beside_the_clients_own",
        plan(&sg, "{ feed { author { yearsOfExperience } byNovice } }")
    );
}

#[test]
fn a_field_required_twice_under_two_keys_never_makes_two_fetches_wait_for_each_other() {
    // The same shape, `byNovice` asked under two response keys around the client's own
    // `author`: the client's `author` joined the fetch of `byNovice`, whose requirement
    // already waited for the fetch of `yearsOfExperience` it then reused.
    let sg = circular();
    insta::assert_snapshot!(
        "required_under_two_keys",
        plan(
            &sg,
            "{ feed { a0: byNovice author { yearsOfExperience } byNovice } }"
        )
    );
}

#[test]
fn a_requirement_selected_by_type_carries_the_type_in_the_representation() {
    // The audit's `requires-interface`: `country` requires
    // `address { ... on WorkAddress { id } }`. The representation carries the address's
    // `__typename` beside the typed selection, so the subgraph can tell which type the
    // value is (the fetch supplying it asks for it, as for every abstract value).
    let sg = supergraph(
        "requires_a_requirement_selected_by_type_carries_the_type_in_the_representation",
    );
    let doc = apollo_compiler::ExecutableDocument::parse_and_validate(
        &sg.api,
        "{ a { country } }",
        "op.graphql",
    )
    .expect("valid");
    let operation = doc.operations.get(None).expect("one operation");
    let plan =
        tessera_router::planner::plan(&sg, &doc, operation, &Default::default()).expect("plans");
    let representations: Vec<String> = plan
        .fetches
        .iter()
        .flat_map(|f| f.entities.iter().map(|e| e.representation.to_string()))
        .collect();
    assert_eq!(
        representations,
        ["{id}", "{id address {__typename ... on WorkAddress {id}}}"]
    );
}
