//! Entity keys: single, compound, nested, several per type, differing per subgraph.

use super::{plan, supergraph};

#[test]
fn a_field_of_another_subgraph_is_fetched_through_the_key() {
    let sg = supergraph("keys_a_field_of_another_subgraph_is_fetched_through_the_key");
    insta::assert_snapshot!(
        "through_the_key",
        plan(&sg, "{ me { name reviews { body } } }")
    );
}

#[test]
fn compound_and_nested_keys_are_sent_whole() {
    let sg = supergraph("keys_compound_and_nested_keys_are_sent_whole");
    insta::assert_snapshot!(
        "compound_nested_key",
        plan(&sg, "{ products { name inStock } }")
    );
}

#[test]
fn the_key_the_source_subgraph_can_provide_is_chosen() {
    let sg = supergraph("keys_the_key_the_source_subgraph_can_provide_is_chosen");
    // a only knows `id`; c only resolves by `upc`: b bridges.
    insta::assert_snapshot!("bridging_key", plan(&sg, "{ thing { price } }"));
}

/// The audit's `parent-entity-call-complex` supergraph, written by hand: subgraphs a,
/// b, c and d around `Product.category`.
fn parent_entity_call_complex() -> tessera_router::Supergraph {
    supergraph("keys_parent_entity_call_complex")
}

#[test]
fn a_shared_field_no_subgraph_covers_is_split_among_its_subgraphs() {
    // The audit's `parent-entity-call-complex` supergraph (composed by Apollo; ours
    // refuses a type that is an entity in one subgraph and a value type in others).
    // `Product.category` is shared by a and b; `details` is only in a, `id` only in b,
    // `name` only in c through the key `id`: a gets `details`, b `id`, then c `name`.
    let sg = parent_entity_call_complex();
    insta::assert_snapshot!(
        "category_split",
        plan(
            &sg,
            r#"{ productFromD(id: "1") { id name category { id name details } } }"#
        )
    );
    // The same fields in fragments that always apply are the same fields: the split
    // used to give up on a fragment and planning failed (found by the differential
    // fuzzer).
    assert_eq!(
        plan(
            &sg,
            r#"{ productFromD(id: "1") { id name category { ... { id name } ... on Category { details } } } }"#
        ),
        plan(
            &sg,
            r#"{ productFromD(id: "1") { id name category { id name details } } }"#
        )
    );
}

#[test]
fn a_jump_goes_where_the_fields_whole_sub_selection_can_be_had() {
    // The audit's `parent-entity-call-complex`: `Product.category` is in a and b, its
    // `Category` has no key there, and `Category.id` is b's (and c's). Jumping to a
    // (first in order) left `id` unreachable, and planning failed; b is chosen.
    // Found by the differential fuzzer.
    let sg = parent_entity_call_complex();
    insta::assert_snapshot!(
        "category_id",
        plan(&sg, "{ productFromD(id: \"1\") { id category { id } } }")
    );
    // The same through a fragment, which the choice used to see as reachable anywhere:
    // `name` (c's) is reached from b through Category's key.
    insta::assert_snapshot!(
        "category_name_in_a_fragment",
        plan(
            &sg,
            "{ productFromD(id: \"1\") { category { ... on Category { name } } } }"
        )
    );
}

#[test]
fn a_field_only_a_parent_entity_call_reaches_is_found_inside_a_fragment_too() {
    // The audit's `parent-entity-call`: `Category.details` is c's, where `Category` has
    // no key, so it is asked one level up, through `Product`'s key. Inside a fragment
    // on `Category` the planner did not see it and failed. Found by the differential
    // fuzzer.
    let sg = supergraph("keys_parent_entity_call_up");
    let inline = plan(
        &sg,
        "{ products { category { name details { products } } } }",
    );
    assert_eq!(
        plan(
            &sg,
            "{ products { category { name ... on Category { details { products } } } } }"
        ),
        inline
    );
    insta::assert_snapshot!("details_one_level_up", inline);
}
