//! Progressive `@override`: a labelled override moves its field only while its label
//! is on (`percent(n)` rolled per request, named labels by configuration).

use apollo_compiler::ExecutableDocument;
use tessera_router::{Supergraph, planner};

/// `b` takes `Product.price` from `a` under `percent(25)` and `Product.colour` under
/// the named label `new-colour`; `weight` moved for good.
pub const LABELLED: &str = include_str!("../fixtures/override-labels.graphql");

fn plan(sg: &Supergraph, active: &[&str], query: &str) -> String {
    let active: Vec<String> = active.iter().map(|l| (*l).to_owned()).collect();
    let variant = sg.with_active_labels(&active);
    let doc = ExecutableDocument::parse_and_validate(&variant.api, query, "op.graphql")
        .expect("the operation is valid");
    let operation = doc.operations.get(None).expect("one operation");
    let plan = planner::plan(&variant, &doc, operation, &Default::default()).expect("plans");
    let names: Vec<String> = variant.subgraphs.iter().map(|s| s.name.clone()).collect();
    plan.display(&names).to_string()
}

#[test]
fn a_labelled_override_moves_its_field_only_while_the_label_is_on() {
    let sg = Supergraph::parse(LABELLED).expect("the supergraph loads");
    assert_eq!(sg.override_labels(), ["new-colour", "percent(25)"]);
    let query = "{ product { name price colour } }";
    // Labels off: everything stays in `a`.
    insta::assert_snapshot!("labels_off", plan(&sg, &[], query));
    // `percent(25)` on: price comes from `b`, colour still from `a`.
    insta::assert_snapshot!("percent_on", plan(&sg, &["percent(25)"], query));
    // Both on: both from `b`, in one entity fetch.
    insta::assert_snapshot!("both_on", plan(&sg, &["new-colour", "percent(25)"], query));
    // An unlabelled override holds whatever the labels.
    assert!(plan(&sg, &[], "{ product { weight } }").contains("[1] b after 0 at product"));
}

/// Our own supergraph: an entry's `exercises` move from workouts (which requires the
/// title) to the codex under `codex-exercises`. Off, the codex is asked for the entry and
/// its title, then workouts per kind; on, the codex alone, names included (`@provides`).
#[test]
fn the_platforms_codex_entries_take_their_exercises_from_the_codex_while_the_label_is_on() {
    let sg = super::platform();
    assert_eq!(sg.override_labels(), ["codex-exercises"]);
    let query = r#"{ codexEntry(id: "e") { title exercises { slug name } ... on CodexPractice { durationMinutes } } }"#;
    insta::assert_snapshot!("codex_label_off", plan(&sg, &[], query));
    insta::assert_snapshot!("codex_label_on", plan(&sg, &["codex-exercises"], query));
    // On the interface too, the names come with the exercises.
    insta::assert_snapshot!(
        "codex_label_on_through_the_interface",
        plan(
            &sg,
            &["codex-exercises"],
            r#"{ codexSearch(query: "q", first: 2) { nodes { title exercises { name } } } }"#
        )
    );
}
