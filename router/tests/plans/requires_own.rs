//! A `@requires` satisfied by the same subgraph: it is asked twice (the requirement,
//! then the requiring field), never in one fetch that would wait for itself.

use super::{plan, supergraph};

#[test]
fn the_requiring_field_gets_its_own_fetch_after_the_requirement() {
    let sg =
        supergraph("requires_own_the_requiring_field_gets_its_own_fetch_after_the_requirement");
    insta::assert_snapshot!(
        "requiring_field_after_the_requirement",
        plan(&sg, "{ feed { author } }")
    );
}

#[test]
fn requirements_on_one_field_with_other_arguments_get_their_own_fetches() {
    let sg = supergraph(
        "requires_own_requirements_on_one_field_with_other_arguments_get_their_own_fetches",
    );
    let printed = plan(&sg, "{ products { usd eur } }");
    // Both prices are fetched under internal aliases from shop…
    assert_eq!(printed.matches("tqa_price_").count(), 2, "{printed}");
    // …and each requiring field travels in an `_entities` field of its own (both in
    // one request: they run in the same wave).
    assert_eq!(
        printed.matches("_entities(representations").count(),
        2,
        "{printed}"
    );
    assert!(
        printed.contains("... on Product {usd}") && printed.contains("... on Product {eur}"),
        "{printed}"
    );
}
