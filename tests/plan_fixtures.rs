//! The plan tests' fixtures (`router/tests/plans/`) agree with our composition: the
//! router's plan tests load committed supergraphs, since the router crate cannot depend
//! on the composition in this one. Each folder `subgraphs/<fixture>/` holds the
//! subgraphs of `supergraphs/<fixture>.graphql`, which must be exactly what `compose`
//! makes of them; the other supergraphs are written by hand and listed below.
//!
//! After a change to the composition or to a fixture's subgraphs, write the fresh
//! supergraphs with `UPDATE_PLAN_FIXTURES=1 cargo test -p tessera --test plan_fixtures`,
//! then review the diff and the plan snapshots of
//! `cargo test -p tessera-router --test plans`.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
};

use tessera::compose::{SubgraphSdl, compose};

/// The supergraphs written by hand, in shapes our composition does not make (an audit
/// suite's, with names of our own): they have no subgraphs to compose.
const HAND_WRITTEN: &[&str] = &[
    "conditions_media",
    "interface_object_non_resolvable_interface_object",
    "keys_parent_entity_call_complex",
    "keys_parent_entity_call_up",
    "provides_shelves",
];

/// How to refresh the composed fixtures, for the failure messages.
const UPDATE: &str = "UPDATE_PLAN_FIXTURES=1 cargo test -p tessera --test plan_fixtures";

/// `router/tests/plans/` of the workspace.
fn plans() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("router/tests/plans")
}

/// The names of the entries of `dir` (folders or files), sorted.
fn entries(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut entries: Vec<(String, PathBuf)> = fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("{} cannot be read: {err}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a directory entry").path();
            let name = path
                .file_name()
                .expect("an entry has a name")
                .to_string_lossy()
                .into_owned();
            (name, path)
        })
        .collect();
    entries.sort();
    entries
}

/// The subgraphs of one fixture folder, each in a file `<n>-<name>.graphql`, composed in
/// the order of `n`. The order matters: the composition keeps the subgraphs in the
/// order it is given them, which shows in the order of `join__Graph`'s values and of
/// the `@join__*` directives. `n` keeps the order the plan test gave them in when it
/// composed its own supergraph. A subgraph is routed to `http://127.0.0.1:1/<name>`, as
/// the plan tests always did.
fn subgraphs(fixture: &str, dir: &Path) -> Vec<SubgraphSdl> {
    let mut numbered: Vec<(u32, SubgraphSdl)> = entries(dir)
        .into_iter()
        .map(|(file, path)| {
            let (n, name) = file
                .strip_suffix(".graphql")
                .and_then(|stem| stem.split_once('-'))
                .and_then(|(n, name)| Some((n.parse::<u32>().ok()?, name)))
                .unwrap_or_else(|| {
                    panic!("fixture {fixture}: {file} is not a subgraph (`<n>-<name>.graphql`)")
                });
            let subgraph = SubgraphSdl {
                name: name.to_owned(),
                url: format!("http://127.0.0.1:1/{name}"),
                sdl: fs::read_to_string(&path)
                    .unwrap_or_else(|err| panic!("{} cannot be read: {err}", path.display())),
                file: PathBuf::from(format!("schema/{name}.graphql")),
            };
            (n, subgraph)
        })
        .collect();
    numbered.sort_by_key(|(n, _)| *n);
    numbered.into_iter().map(|(_, subgraph)| subgraph).collect()
}

#[test]
fn every_composed_plan_fixture_is_what_our_composition_makes_of_its_subgraphs() {
    let update = std::env::var("UPDATE_PLAN_FIXTURES").is_ok_and(|value| value == "1");
    let mut stale = Vec::new();
    for (fixture, dir) in entries(&plans().join("subgraphs")) {
        let composed = compose(&subgraphs(&fixture, &dir))
            .unwrap_or_else(|err| panic!("fixture {fixture}: its subgraphs do not compose: {err}"));
        let path = plans().join(format!("supergraphs/{fixture}.graphql"));
        if update {
            fs::write(&path, &composed)
                .unwrap_or_else(|err| panic!("{} cannot be written: {err}", path.display()));
        } else if fs::read_to_string(&path).ok().as_deref() != Some(composed.as_str()) {
            stale.push(fixture);
        }
    }
    assert!(
        stale.is_empty(),
        "the committed supergraphs of the plan fixtures {stale:?} (router/tests/plans/supergraphs/) \
         are missing or differ from what their subgraphs compose to; write them with \
         `{UPDATE}`, then review the diff and the plan snapshots"
    );
}

#[test]
fn every_supergraph_fixture_is_hand_written_or_composed_from_its_subgraphs() {
    let composed: BTreeSet<String> = entries(&plans().join("subgraphs"))
        .into_iter()
        .map(|(fixture, _)| fixture)
        .collect();
    let hand_written: BTreeSet<String> = HAND_WRITTEN.iter().map(|f| (*f).to_owned()).collect();
    let mut unaccounted = Vec::new();
    let mut supergraphs = BTreeSet::new();
    for (file, _) in entries(&plans().join("supergraphs")) {
        match file.strip_suffix(".graphql") {
            Some(fixture) if composed.contains(fixture) || hand_written.contains(fixture) => {
                supergraphs.insert(fixture.to_owned());
            }
            _ => unaccounted.push(file),
        }
    }
    assert!(
        unaccounted.is_empty(),
        "router/tests/plans/supergraphs/ holds {unaccounted:?}, neither listed as hand-written \
         (HAND_WRITTEN in tests/plan_fixtures.rs) nor composed from a folder \
         router/tests/plans/subgraphs/<fixture>/; add one or the other (then `{UPDATE}`), or \
         remove the file"
    );
    let both: Vec<&String> = hand_written.intersection(&composed).collect();
    assert!(
        both.is_empty(),
        "the plan fixtures {both:?} are listed as hand-written but also have subgraphs to \
         compose; keep one or the other"
    );
    let missing: Vec<&String> = hand_written.difference(&supergraphs).collect();
    assert!(
        missing.is_empty(),
        "the hand-written plan fixtures {missing:?} have no router/tests/plans/supergraphs/\
         <fixture>.graphql; commit it or take the name out of HAND_WRITTEN"
    );
}
