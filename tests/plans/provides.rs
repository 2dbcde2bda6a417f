//! `@provides`: an external field the subgraph promises at this path is taken from it,
//! saving a fetch.

use super::{plan, supergraph};

#[test]
fn provided_fields_need_no_entity_fetch() {
    let sg = supergraph(&[
        (
            "reviews",
            r#"type Query { reviews: [Review!]! } type Review { body: String! author: User! @provides(fields: "name") } type User @key(fields: "id") { id: ID! name: String @external }"#,
        ),
        (
            "accounts",
            r#"type User @key(fields: "id") { id: ID! name: String email: String }"#,
        ),
    ]);
    assert_eq!(
        plan(&sg, "{ reviews { author { name } } }"),
        "[0] reviews\n  query {reviews {author {name}}}\n"
    );
    // Outside the provided path, the owner is asked.
    assert_eq!(
        plan(&sg, "{ reviews { author { name email } } }"),
        "[0] reviews\n  query {reviews {author {name __typename id}}}\n[1] accounts after 0 at reviews.@.author\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on User {email} } }\n"
    );
}
