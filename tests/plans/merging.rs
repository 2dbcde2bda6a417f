//! Merging entity fetches: drafts on the same subgraph that can run in the same wave
//! become one request, whichever paths their objects sit at.

use super::{plan, supergraph};

/// `a` serves the roots, `b` names products and users, `c` knows stock.
fn shop() -> tessera_router::Supergraph {
    supergraph(&[
        (
            "a",
            r#"type Query { me: User topProducts: [Product] }
               type User @key(fields: "id") { id: ID! favorite: Product }
               type Product @key(fields: "upc") { upc: String! }"#,
        ),
        (
            "b",
            r#"type User @key(fields: "id") { id: ID! nickname: String }
               type Product @key(fields: "upc") { upc: String! name: String related: [Product] }"#,
        ),
        (
            "c",
            r#"type Product @key(fields: "upc") { upc: String! stock: Int }"#,
        ),
    ])
}

#[test]
fn one_type_at_two_paths_in_one_wave_is_one_entities_field() {
    assert_eq!(
        plan(&shop(), "{ topProducts { name } me { favorite { name } } }"),
        "[0] a\n  query {topProducts {__typename upc} me {favorite {__typename upc}}}\n\
         [1] b after 0 at topProducts.@ + me.favorite\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product {name} } }\n"
    );
}

#[test]
fn other_types_in_one_wave_share_the_request_under_aliases() {
    assert_eq!(
        plan(&shop(), "{ me { nickname } topProducts { name } }"),
        "[0] a\n  query {me {__typename id} topProducts {__typename upc}}\n\
         [1] b after 0 at me + topProducts.@\n  query($representations: [_Any!]!, $representations_1: [_Any!]!) { _entities(representations: $representations) { ... on User {nickname} } _entities_1: _entities(representations: $representations_1) { ... on Product {name} } }\n"
    );
}

#[test]
fn a_fetch_nothing_waits_for_joins_a_later_one_of_its_subgraph() {
    // `stock` of the top products could go in the second wave; the related products'
    // stock can only go in the third: one request in the third carries both.
    assert_eq!(
        plan(&shop(), "{ topProducts { stock related { stock } } }"),
        "[0] a\n  query {topProducts {__typename upc}}\n\
         [1] b after 0 at topProducts.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product {related {__typename upc}} } }\n\
         [2] c after 0,1 at topProducts.@ + topProducts.@.related.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product {stock} } }\n"
    );
}

#[test]
fn after_a_mutation_fetches_only_merge_within_their_wave() {
    let sg = supergraph(&[
        (
            "a",
            r#"type Query { x: Int } type Mutation { buy: Product }
               type Product @key(fields: "upc") { upc: String! }"#,
        ),
        (
            "b",
            r#"type Product @key(fields: "upc") { upc: String! related: [Product] }"#,
        ),
        (
            "c",
            r#"type Product @key(fields: "upc") { upc: String! stock: Int }"#,
        ),
    ]);
    assert_eq!(
        plan(&sg, "mutation { buy { stock related { stock } } }"),
        "[0] a\n  mutation {buy {__typename upc}}\n\
         [1] c after 0 at buy\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product {stock} } }\n\
         [2] b after 0 at buy\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product {related {__typename upc}} } }\n\
         [3] c after 2 at buy.related.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product {stock} } }\n"
    );
}

#[test]
fn the_benchmark_operation_needs_six_requests_in_four_waves() {
    let sg = tessera_router::Supergraph::parse(include_str!("../../bench/supergraph.graphql"))
        .expect("the bench supergraph loads");
    let printed = plan(
        &sg,
        include_str!("../../bench/operations/benchmark.graphql"),
    );
    assert_eq!(
        printed,
        "[0] accounts\n  query {users {id username name __typename}}\n\
         [1] products\n  query {topProducts {__typename upc name price weight}}\n\
         [2] reviews after 0,1 at users.@ + topProducts.@\n  query($representations: [_Any!]!, $representations_1: [_Any!]!) { _entities(representations: $representations) { ... on User {reviews {id body product {__typename upc reviews {id body author {id username __typename reviews {id body product {__typename upc}}}}}}} } _entities_1: _entities(representations: $representations_1) { ... on Product {reviews {id body author {id username __typename reviews {id body product {__typename upc}}}}} } }\n\
         [3] products after 2 at users.@.reviews.@.product + users.@.reviews.@.product.reviews.@.author.reviews.@.product + topProducts.@.reviews.@.author.reviews.@.product\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product {name price weight} } }\n\
         [4] accounts after 2 at users.@.reviews.@.product.reviews.@.author + topProducts.@.reviews.@.author\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on User {name} } }\n\
         [5] inventory after 1,2,3 at users.@.reviews.@.product + users.@.reviews.@.product.reviews.@.author.reviews.@.product + topProducts.@ + topProducts.@.reviews.@.author.reviews.@.product\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product {inStock shippingEstimate} } }\n"
    );
}
