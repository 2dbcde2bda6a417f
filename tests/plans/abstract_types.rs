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

/// The audit's `partial-union-complex`: `Wrapper.actions` is shareable in a and b, whose
/// `Action` unions differ (a: Common | OnlyA, b: Common | OnlyB).
fn partial_union() -> tessera_router::Supergraph {
    supergraph(&[
        (
            "a",
            r#"type Query { rootA: Container shared: Container @shareable }
               type Container @key(fields: "id") { id: ID! wrapper: Wrapper @shareable }
               type Wrapper @shareable { actions: [Action!]! @shareable }
               union Action = Common | OnlyA
               type Common @shareable { label: String }
               type OnlyA { a: String }"#,
        ),
        (
            "b",
            r#"type Query { rootB: Container shared: Container @shareable }
               type Container @key(fields: "id") { id: ID! wrapper: Wrapper @shareable bWrapper: Wrapper }
               type Wrapper @shareable { actions: [Action!]! @shareable }
               union Action = Common | OnlyB
               type Common @shareable { label: String }
               type OnlyB { b: String }"#,
        ),
    ])
}

const ACTIONS: &str =
    "actions { __typename ... on Common { label } ... on OnlyA { a } ... on OnlyB { b } }";

#[test]
fn below_a_shareable_path_only_the_union_members_every_candidate_subgraph_knows_are_asked() {
    // `wrapper` could come from a or from b (through Container's key): the plan asks only
    // for what holds in both, so `OnlyA.a` is not fetched (the audit expects `a: null`).
    assert_eq!(
        plan(
            &partial_union(),
            &format!("{{ rootA {{ wrapper {{ {ACTIONS} }} }} }}")
        ),
        "[0] a\n  query {rootA {wrapper {actions {__typename ... on Common {label}}}}}\n"
    );
}

#[test]
fn a_field_only_one_subgraph_resolves_asks_for_all_of_its_members() {
    // `bWrapper` is b's alone: after the entity hop, b's members are all safe.
    assert_eq!(
        plan(
            &partial_union(),
            &format!("{{ rootA {{ bWrapper {{ {ACTIONS} }} }} }}")
        ),
        "[0] a\n  query {rootA {__typename id}}\n\
         [1] b after 0 at rootA\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Container {bWrapper {actions {__typename ... on Common {label} ... on OnlyB {b}}}} } }\n"
    );
}
