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

/// The platform's own use, in the committed supergraph: a practice's steps come with
/// their exercises' names (the codex ships the catalogue), so a client asking for
/// names costs one codex fetch; what else it asks of an exercise is the workouts
/// domain's, fetched by the slug the codex gave.
#[test]
fn the_codex_provides_exercise_names_with_practice_steps() {
    let sdl = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/supergraph.graphql"
    ))
    .expect("the committed supergraph");
    let sg = tessera_router::Supergraph::parse(&sdl).expect("it loads");
    let steps = |exercise: &str| {
        format!(
            "{{ codexEntry(id: \"1\") {{ ... on CodexPractice {{ steps {{ instruction exercise {{ {exercise} }} }} }} }} }}"
        )
    };
    assert_eq!(
        plan(&sg, &steps("slug name")),
        "[0] codex\n  query {codexEntry(id: \"1\") {__typename ... on CodexPractice {steps {instruction exercise {slug name}}}}}\n"
    );
    assert_eq!(
        plan(&sg, &steps("name muscleGroups")),
        "[0] codex\n  query {codexEntry(id: \"1\") {__typename ... on CodexPractice {steps {instruction exercise {name __typename slug}}}}}\n[1] workouts after 0 at codexEntry.|[CodexPractice].steps.@.exercise\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Exercise {muscleGroups} } }\n"
    );
}
