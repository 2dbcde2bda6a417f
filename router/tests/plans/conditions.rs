//! `@skip`/`@include`, named fragments and selections left empty: the operation is
//! planned with its conditions decided by the request's variables and its named
//! fragments inlined (`planner::fold`), so no subgraph operation carries a condition,
//! an impossible fragment or an empty selection set. The cases are the differential
//! fuzzer's (issue 20), each in the shape of the audit suite it was found on.

use super::{plan, plan_with, supergraph};

/// The audit's `simple-requires-provides` shape: `shippingEstimate` needs `price` and
/// `weight` from the products subgraph.
fn requires() -> tessera_router::Supergraph {
    supergraph("conditions_requires")
}

#[test]
fn a_skipped_fragment_costs_its_requirements_nothing_and_never_nulls_its_siblings() {
    // The fragment's requirements used to be asked under its condition while the entity
    // fetch wanted them unconditionally: no representation could be made, and `inStock`
    // was answered `null` without an error.
    let query =
        "query($s: Boolean!) { products { inStock ... @skip(if: $s) { shippingEstimate } } }";
    insta::assert_snapshot!(
        "skipped_by_a_variable",
        plan_with(&requires(), query, serde_json::json!({ "s": true }))
    );
    insta::assert_snapshot!(
        "skipped_by_a_literal",
        plan(
            &requires(),
            "{ products { inStock ... @skip(if: true) { shippingEstimate } } }"
        )
    );
    insta::assert_snapshot!(
        "kept_by_a_variable",
        plan_with(&requires(), query, serde_json::json!({ "s": false }))
    );
}

#[test]
fn an_object_whose_fields_are_all_left_out_is_still_asked_for_its_type() {
    // CollectFields gives `{}` for such an object (and `null` for a null one), so the
    // subgraph is asked for `__typename` alone, never for `{ }`.
    insta::assert_snapshot!(
        "every_field_left_out",
        plan(&requires(), "{ products { inStock @include(if: false) } }")
    );
}

/// The audit's `union-intersection` shape, as its composition writes it (ours refuses
/// a root field typed `Book` in one subgraph and `Media` in another): `book` is a `Book`
/// in a and a `Media` (Book | Movie) in b; `Viewer.bMedia` is b's alone.
fn media() -> tessera_router::Supergraph {
    supergraph("conditions_media")
}

#[test]
fn a_fragment_that_can_never_match_leaves_the_type_to_ask_for() {
    let sg = media();
    // a types `book` as `Book`: `... on Song` can never match there.
    insta::assert_snapshot!(
        "fragment_that_never_matches",
        plan(&sg, "{ book { ... on Song { title } } }")
    );
    insta::assert_snapshot!(
        "skipped_fragment",
        plan(&sg, "{ book { ... on Book @skip(if: true) { id } } }")
    );
    // The client's type is the union: it needs `__typename` to tell the object's type,
    // even where the subgraph's type is an object.
    insta::assert_snapshot!("aliased_typename", plan(&sg, "{ book { t: __typename } }"));
}

#[test]
fn a_named_fragment_plans_exactly_as_the_same_fields_written_inline() {
    let sg = media();
    let inline = plan(
        &sg,
        "{ viewer { song { __typename } ... on Viewer { bMedia { __typename } } } }",
    );
    assert_eq!(
        plan(
            &sg,
            "{ viewer { song { __typename } ...F } } fragment F on Viewer { bMedia { __typename } }"
        ),
        inline
    );
    let conditional = "query($v: Boolean!) { viewer { song { __typename } ...F @include(if: $v) } } fragment F on Viewer { bMedia { __typename } }";
    assert_eq!(
        plan_with(&sg, conditional, serde_json::json!({ "v": true })),
        inline
    );
    assert_eq!(
        plan_with(&sg, conditional, serde_json::json!({ "v": false })),
        plan(&sg, "{ viewer { song { __typename } } }")
    );
}

#[test]
fn a_shared_value_field_split_among_subgraphs_still_jumps_below_its_parts() {
    // `viewer` has no key and no subgraph has all of it: each subgraph is asked for the
    // fields it resolves, and what one cannot reach below them (`Book.bTitle`, b's) is
    // planned through keys from there. The split used to filter the whole depth, so
    // `bTitle` was never asked and `aMedia` came back `null` with an error.
    insta::assert_snapshot!(
        "split_value_field",
        plan(
            &media(),
            "{ viewer { aMedia { ... on Book { bTitle } } bMedia { __typename } } }"
        )
    );
}

/// The audit's `abstract-types` shape: `Similar.similar` is `[Product]`, but each
/// implementation narrows it (`Book.similar: [Book]`, `Magazine.similar: [Magazine]`),
/// and only the products subgraph resolves it.
fn similar() -> tessera_router::Supergraph {
    supergraph("conditions_similar")
}

#[test]
fn a_fragment_the_implementations_own_field_type_rules_out_is_not_sent() {
    // Under `Magazine`, `similar` is `[Magazine]`: `... on Book` there would be refused
    // ("can never be of type"), so only `Book`'s entities ask for it.
    insta::assert_snapshot!(
        "narrowed_field_type",
        plan(
            &similar(),
            "{ review { product { ... on Similar { similar { ... on Book { id } } } } } }"
        )
    );
}
