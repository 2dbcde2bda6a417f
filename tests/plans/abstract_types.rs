//! Interfaces and unions: `__typename` injected, type conditions kept where the
//! subgraph knows the type, entity jumps per concrete type.

use super::{plan, supergraph};

#[test]
fn fields_of_one_implementation_from_another_subgraph_jump_per_type() {
    let sg = supergraph(&[
        (
            "media",
            r#"type Query { media: [Media!]! } interface Media { id: ID! }
               type Book implements Media @key(fields: "id") { id: ID! title: String }
               type Movie implements Media @key(fields: "id") { id: ID! }"#,
        ),
        (
            "ratings",
            r#"type Movie @key(fields: "id") { id: ID! rating: Int }"#,
        ),
    ]);
    assert_eq!(
        plan(
            &sg,
            "{ media { id ... on Book { title } ... on Movie { rating } } }"
        ),
        "[0] media\n  query {media {__typename id ... on Book {title} ... on Movie {__typename id}}}\n[1] ratings after 0 at media.@.|[Movie]\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Movie {rating} } }\n"
    );
}
