//! Interfaces and unions: `__typename` injected, type conditions kept where the
//! subgraph knows the type, entity jumps per concrete type.

use super::{plan, supergraph};

#[test]
fn fields_of_one_implementation_from_another_subgraph_jump_per_type() {
    let sg = supergraph(
        "abstract_types_fields_of_one_implementation_from_another_subgraph_jump_per_type",
    );
    insta::assert_snapshot!(
        "fields_per_implementation",
        plan(
            &sg,
            "{ media { id ... on Book { title } ... on Movie { rating } } }"
        )
    );
}

#[test]
fn fragments_on_members_a_subgraph_lacks_are_not_sent_to_it() {
    let sg = supergraph("abstract_types_fragments_on_members_a_subgraph_lacks_are_not_sent_to_it");
    // `media` comes from a, whose Media has no Movie: asking it for `... on Movie`
    // would be invalid there, and a never returns movies anyway.
    insta::assert_snapshot!(
        "member_the_subgraph_lacks",
        plan(
            &sg,
            "{ media { ... on Book { title } ... on Movie { length } } }"
        )
    );
}

/// The audit's `partial-union-complex`: `Wrapper.actions` is shareable in a and b, whose
/// `Action` unions differ (a: Common | OnlyA, b: Common | OnlyB).
fn partial_union() -> tessera_router::Supergraph {
    supergraph("abstract_types_partial_union")
}

const ACTIONS: &str =
    "actions { __typename ... on Common { label } ... on OnlyA { a } ... on OnlyB { b } }";

#[test]
fn below_a_shareable_path_only_the_union_members_every_candidate_subgraph_knows_are_asked() {
    // `wrapper` could come from a or from b (through Container's key): the plan asks only
    // for what holds in both, so `OnlyA.a` is not fetched (the audit expects `a: null`).
    insta::assert_snapshot!(
        "shareable_wrapper",
        plan(
            &partial_union(),
            &format!("{{ rootA {{ wrapper {{ {ACTIONS} }} }} }}")
        )
    );
}

#[test]
fn a_field_only_one_subgraph_resolves_asks_for_all_of_its_members() {
    // `bWrapper` is b's alone: after the entity hop, b's members are all safe.
    insta::assert_snapshot!(
        "wrapper_of_one_subgraph",
        plan(
            &partial_union(),
            &format!("{{ rootA {{ bWrapper {{ {ACTIONS} }} }} }}")
        )
    );
}
