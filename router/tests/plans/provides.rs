//! `@provides`: an external field the subgraph promises at this path is taken from it,
//! saving a fetch.

use super::{plan, supergraph};

#[test]
fn provided_fields_need_no_entity_fetch() {
    let sg = supergraph("provides_provided_fields_need_no_entity_fetch");
    insta::assert_snapshot!(
        "provided_name",
        plan(&sg, "{ reviews { author { name } } }")
    );
    // Outside the provided path, the owner is asked.
    insta::assert_snapshot!(
        "name_and_email",
        plan(&sg, "{ reviews { author { name email } } }")
    );
}

/// The platform's own use, in the committed supergraph: a practice's steps come with
/// their exercises' names (the codex ships the catalogue), so a client asking for
/// names costs one codex fetch; what else it asks of an exercise is the workouts
/// domain's, fetched by the slug the codex gave.
#[test]
fn the_codex_provides_exercise_names_with_practice_steps() {
    let sg = super::platform();
    let steps = |exercise: &str| {
        format!(
            "{{ codexEntry(id: \"1\") {{ ... on CodexPractice {{ steps {{ instruction exercise {{ {exercise} }} }} }} }} }}"
        )
    };
    insta::assert_snapshot!("exercise_names", plan(&sg, &steps("slug name")));
    insta::assert_snapshot!(
        "exercise_names_and_muscle_groups",
        plan(&sg, &steps("name muscleGroups"))
    );
}

/// A field whose abstract sub-selection the current subgraph cannot plan (it provides
/// `name` for one implementation only, and cannot select the other's key: `id` is
/// external there) is asked as a whole, one level up, of a subgraph that resolves it
/// all, through the parent entity's key (rule 5 of router/PLANNER.md, for an abstract
/// child). The provides-on-interface suite's shape, with names of our own.
#[test]
fn a_field_only_partly_provided_is_fetched_whole_through_the_parents_key() {
    let sg = supergraph("provides_shelves");
    insta::assert_snapshot!("pet_names", plan(&sg, "{ shelf { pets { name } } }"));
    // What the subgraph can plan on its own stays there: the provided name of a Dog.
    insta::assert_snapshot!(
        "dog_names",
        plan(&sg, "{ shelf { pets { ... on Dog { name } } } }")
    );
    // A root field two subgraphs resolve: the one that plans without asking a field
    // whole elsewhere (b, by what it provides) is chosen over one that needs it (a),
    // though both take two fetches.
    insta::assert_snapshot!(
        "displayed_pets",
        plan(&sg, "{ display { pets { id name ... on Cat { age } } } }")
    );
}

/// A root field two subgraphs cover goes where another root field must go anyway,
/// whatever the order of the fields: one fetch, not two.
#[test]
fn a_shared_root_field_joins_the_fetch_another_root_field_needs() {
    let sg = supergraph("provides_shelves");
    insta::assert_snapshot!(
        "display_then_pets",
        plan(&sg, "{ display { id } d: display { pets { id name } } }")
    );
    insta::assert_snapshot!(
        "pets_then_display",
        plan(&sg, "{ d: display { pets { id name } } display { id } }")
    );
    // One response key is one field: its selections, merged, choose the subgraph
    // (though another root field must go to a, which also covers `display { id }`).
    insta::assert_snapshot!(
        "one_response_key",
        plan(
            &sg,
            "{ shelf { id } display { id } display { pets { id name } } }"
        )
    );
}
