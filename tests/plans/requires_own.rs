//! A `@requires` satisfied by the same subgraph: it is asked twice (the requirement,
//! then the requiring field), never in one fetch that would wait for itself.

use super::{plan, supergraph};

#[test]
fn the_requiring_field_gets_its_own_fetch_after_the_requirement() {
    let sg = supergraph(&[
        (
            "feed",
            r#"type Query { feed: [Post!]! } type Post @key(fields: "id") { id: ID! }"#,
        ),
        (
            "comments",
            r#"type Post @key(fields: "id") { id: ID! comments(limit: Int!): [Comment!]! author: String @requires(fields: "comments(limit: 3) { authorId }") }
               type Comment { authorId: ID! }"#,
        ),
    ]);
    assert_eq!(
        plan(&sg, "{ feed { author } }"),
        "[0] feed\n  query {feed {__typename id}}\n\
         [1] comments after 0 at feed.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Post {tqa_comments_3d3cb91d26a7d080:comments(limit: 3) {authorId}} } }\n\
         [2] comments after 0,1 at feed.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Post {author} } }\n"
    );
}

#[test]
fn requirements_on_one_field_with_other_arguments_get_their_own_fetches() {
    let sg = supergraph(&[
        (
            "shop",
            r#"type Query { products: [Product!]! } type Product @key(fields: "upc") { upc: String! price(currency: String!): Int }"#,
        ),
        (
            "shipping",
            r#"type Product @key(fields: "upc") {
                 upc: String!
                 price(currency: String!): Int @external
                 usd: Int @requires(fields: "price(currency: \"USD\")")
                 eur: Int @requires(fields: "price(currency: \"EUR\")")
               }"#,
        ),
    ]);
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
