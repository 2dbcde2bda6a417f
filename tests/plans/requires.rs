//! `@requires`: the required fields travel in the representation, fetched first from
//! where they live.

use super::{plan, supergraph};

#[test]
fn required_fields_are_fetched_before_and_sent_along() {
    let sg = supergraph(&[
        (
            "products",
            r#"type Query { product: Product } type Product @key(fields: "id") { id: ID! weight: Int price: Int }"#,
        ),
        (
            "shipping",
            r#"type Product @key(fields: "id") { id: ID! weight: Int @external price: Int @external shippingCost: Int @requires(fields: "weight price") }"#,
        ),
    ]);
    assert_eq!(
        plan(&sg, "{ product { shippingCost } }"),
        "[0] products\n  query {product {__typename id weight price}}\n[1] shipping after 0 at product\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product {shippingCost} } }\n"
    );
}

#[test]
fn a_requirement_from_a_third_subgraph_orders_the_fetches() {
    let sg = supergraph(&[
        (
            "a",
            r#"type Query { item: Item } type Item @key(fields: "id") { id: ID! }"#,
        ),
        ("b", r#"type Item @key(fields: "id") { id: ID! size: Int }"#),
        (
            "c",
            r#"type Item @key(fields: "id") { id: ID! size: Int @external label: String @requires(fields: "size") }"#,
        ),
    ]);
    assert_eq!(
        plan(&sg, "{ item { label } }"),
        "[0] a\n  query {item {__typename id}}\n\
         [1] b after 0 at item\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Item {size} } }\n\
         [2] c after 0,1 at item\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Item {label} } }\n"
    );
}
