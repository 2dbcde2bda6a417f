//! Merging entity fetches: drafts on the same subgraph that can run in the same wave
//! become one request, whichever paths their objects sit at.

use super::{plan, supergraph};

/// `a` serves the roots, `b` names products and users, `c` knows stock.
fn shop() -> tessera_router::Supergraph {
    supergraph("merging_shop")
}

#[test]
fn one_type_at_two_paths_in_one_wave_is_one_entities_field() {
    insta::assert_snapshot!(
        "one_type_at_two_paths",
        plan(&shop(), "{ topProducts { name } me { favorite { name } } }")
    );
}

#[test]
fn other_types_in_one_wave_share_the_request_under_aliases() {
    insta::assert_snapshot!(
        "two_types_in_one_wave",
        plan(&shop(), "{ me { nickname } topProducts { name } }")
    );
}

#[test]
fn a_fetch_nothing_waits_for_joins_a_later_one_of_its_subgraph() {
    // `stock` of the top products could go in the second wave; the related products'
    // stock can only go in the third: one request in the third carries both.
    insta::assert_snapshot!(
        "stock_in_the_third_wave",
        plan(&shop(), "{ topProducts { stock related { stock } } }")
    );
}

#[test]
fn after_a_mutation_fetches_only_merge_within_their_wave() {
    let sg = supergraph("merging_after_a_mutation_fetches_only_merge_within_their_wave");
    insta::assert_snapshot!(
        "after_a_mutation",
        plan(&sg, "mutation { buy { stock related { stock } } }")
    );
}

#[test]
fn the_benchmark_operation_needs_six_requests_in_four_waves() {
    let sg = tessera_router::Supergraph::parse(include_str!("../../../bench/supergraph.graphql"))
        .expect("the bench supergraph loads");
    let printed = plan(
        &sg,
        include_str!("../../../bench/operations/benchmark.graphql"),
    );
    insta::assert_snapshot!("benchmark_operation", printed);
}
