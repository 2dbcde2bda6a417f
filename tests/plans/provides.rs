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

/// A field whose abstract sub-selection the current subgraph cannot plan (it provides
/// `name` for one implementation only, and cannot select the other's key: `id` is
/// external there) is asked as a whole, one level up, of a subgraph that resolves it
/// all, through the parent entity's key (rule 5 of router/PLANNER.md, for an abstract
/// child). The provides-on-interface suite's shape, with names of our own.
#[test]
fn a_field_only_partly_provided_is_fetched_whole_through_the_parents_key() {
    let sg = super::hand_written(&["a", "b", "c"], SHELVES);
    assert_eq!(
        plan(&sg, "{ shelf { pets { name } } }"),
        "[0] a\n  query {shelf {__typename id}}\n[1] c after 0 at shelf\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Shelf {pets {__typename name}} } }\n"
    );
    // What the subgraph can plan on its own stays there: the provided name of a Dog.
    assert_eq!(
        plan(&sg, "{ shelf { pets { ... on Dog { name } } } }"),
        "[0] a\n  query {shelf {pets {__typename ... on Dog {name}}}}\n"
    );
    // A root field two subgraphs resolve: the one that plans without asking a field
    // whole elsewhere (b, by what it provides) is chosen over one that needs it (a),
    // though both take two fetches.
    assert_eq!(
        plan(&sg, "{ display { pets { id name ... on Cat { age } } } }"),
        "[0] b\n  query {display {pets {__typename id name ... on Cat {__typename id}}}}\n\
         [1] c after 0 at display.pets.@.|[Cat]\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Cat {age} } }\n"
    );
}

/// A root field two subgraphs cover goes where another root field must go anyway,
/// whatever the order of the fields: one fetch, not two.
#[test]
fn a_shared_root_field_joins_the_fetch_another_root_field_needs() {
    let sg = super::hand_written(&["a", "b", "c"], SHELVES);
    let one_fetch = "[0] b\n  query {display {id} d:display {pets {__typename id name}}}\n";
    assert_eq!(
        plan(&sg, "{ display { id } d: display { pets { id name } } }"),
        one_fetch
    );
    assert_eq!(
        plan(&sg, "{ d: display { pets { id name } } display { id } }"),
        "[0] b\n  query {d:display {pets {__typename id name}} display {id}}\n"
    );
    // One response key is one field: its selections, merged, choose the subgraph
    // (though another root field must go to a, which also covers `display { id }`).
    assert_eq!(
        plan(
            &sg,
            "{ shelf { id } display { id } display { pets { id name } } }"
        ),
        "[0] a\n  query {shelf {id}}\n[1] b\n  query {display {id pets {__typename id name}}}\n"
    );
}

const SHELVES: &str = r#"
interface Pet
  @join__type(graph: A)
  @join__type(graph: B)
  @join__type(graph: C)
{
  id: ID!
  name: String @join__field(graph: B) @join__field(graph: C)
}

type Shelf
  @join__type(graph: A, key: "id")
  @join__type(graph: B)
  @join__type(graph: C, key: "id")
{
  id: ID!
  pets: [Pet] @join__field(graph: A) @join__field(graph: B, external: true) @join__field(graph: C)
}

type Cat implements Pet
  @join__implements(graph: A, interface: "Pet")
  @join__implements(graph: B, interface: "Pet")
  @join__implements(graph: C, interface: "Pet")
  @join__type(graph: A, key: "id")
  @join__type(graph: B)
  @join__type(graph: C, key: "id")
{
  id: ID! @join__field(graph: A, external: true) @join__field(graph: B, external: true) @join__field(graph: C)
  name: String @join__field(graph: B, external: true) @join__field(graph: C)
  age: Int @join__field(graph: C)
}

type Dog implements Pet
  @join__implements(graph: A, interface: "Pet")
  @join__implements(graph: B, interface: "Pet")
  @join__implements(graph: C, interface: "Pet")
  @join__type(graph: A, key: "id")
  @join__type(graph: B)
  @join__type(graph: C, key: "id")
{
  id: ID! @join__field(graph: A, external: true) @join__field(graph: B, external: true) @join__field(graph: C)
  name: String @join__field(graph: A, external: true) @join__field(graph: B, external: true) @join__field(graph: C)
}

type Query
  @join__type(graph: A)
  @join__type(graph: B)
  @join__type(graph: C)
{
  shelf: Shelf @join__field(graph: A, provides: "pets { ... on Dog { name } }")
  display: Shelf @join__field(graph: A) @join__field(graph: B, provides: "pets { id name }")
}
"#;
