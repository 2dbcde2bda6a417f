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
        "[0] feed\n  query {feed {__typename id}}\n[1] comments after 0,2 at feed.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Post {author} } }\n[2] comments after 0 at feed.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Post {comments(limit: 3) {authorId}} } }\n"
    );
}
