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

#[test]
fn fragments_on_members_a_subgraph_lacks_are_not_sent_to_it() {
    let sg = supergraph(&[
        (
            "a",
            r#"type Query { media: Media } union Media = Book | Song
               type Book @key(fields: "id") { id: ID! title: String }
               type Song @key(fields: "id") { id: ID! }"#,
        ),
        (
            "b",
            r#"union Media = Book | Movie
               type Book @key(fields: "id") { id: ID! }
               type Movie @key(fields: "id") { id: ID! length: Int }"#,
        ),
    ]);
    // `media` comes from a, whose Media has no Movie: asking it for `... on Movie`
    // would be invalid there, and a never returns movies anyway.
    assert_eq!(
        plan(
            &sg,
            "{ media { ... on Book { title } ... on Movie { length } } }"
        ),
        "[0] a\n  query {media {__typename ... on Book {title}}}\n"
    );
}
