//! Entity keys: single, compound, nested, several per type, differing per subgraph.

use super::{plan, supergraph};

#[test]
fn a_field_of_another_subgraph_is_fetched_through_the_key() {
    let sg = supergraph(&[
        (
            "accounts",
            r#"type Query { me: User } type User @key(fields: "id") { id: ID! name: String }"#,
        ),
        (
            "reviews",
            r#"type User @key(fields: "id") { id: ID! reviews: [Review!]! } type Review { body: String! }"#,
        ),
    ]);
    assert_eq!(
        plan(&sg, "{ me { name reviews { body } } }"),
        "[0] accounts\n  query {me {name __typename id}}\n\
         [1] reviews after 0 at me\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on User {reviews {body}} } }\n"
    );
}

#[test]
fn compound_and_nested_keys_are_sent_whole() {
    let sg = supergraph(&[
        (
            "catalog",
            r#"type Query { products: [Product!]! }
               type Product @key(fields: "sku vendor { id }") { sku: String! vendor: Vendor! name: String }
               type Vendor @shareable { id: ID! }"#,
        ),
        (
            "stock",
            r#"type Product @key(fields: "sku vendor { id }") { sku: String! vendor: Vendor! inStock: Int! }
               type Vendor @shareable { id: ID! }"#,
        ),
    ]);
    assert_eq!(
        plan(&sg, "{ products { name inStock } }"),
        "[0] catalog\n  query {products {name __typename sku vendor {id}}}\n\
         [1] stock after 0 at products.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product {inStock} } }\n"
    );
}

#[test]
fn the_key_the_source_subgraph_can_provide_is_chosen() {
    let sg = supergraph(&[
        (
            "a",
            r#"type Query { thing: Thing } type Thing @key(fields: "id") { id: ID! }"#,
        ),
        (
            "b",
            r#"type Thing @key(fields: "id") @key(fields: "upc") { id: ID! upc: String! }"#,
        ),
        (
            "c",
            r#"type Thing @key(fields: "upc") { upc: String! price: Int }"#,
        ),
    ]);
    // a only knows `id`; c only resolves by `upc`: b bridges.
    assert_eq!(
        plan(&sg, "{ thing { price } }"),
        "[0] a\n  query {thing {__typename id}}\n\
         [1] b after 0 at thing\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Thing {upc} } }\n\
         [2] c after 0,1 at thing\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Thing {price} } }\n"
    );
}
