//! The schema contract: the committed schema files are exactly what the subgraphs
//! compose to today, and every part partners read has a description.

use std::path::Path;

use apollo_compiler::ast::{Definition, Document};
use tessera::{compose, platform::SUBGRAPHS};

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("contract-tests sits in the workspace root")
}

#[test]
fn committed_schema_files_equal_a_fresh_composition() {
    let composition = compose::compose_workspace(workspace_root()).expect("the subgraphs compose");
    let stale = composition.stale_files(workspace_root());
    assert!(
        stale.is_empty(),
        "stale schema files {stale:?}: run `cargo run -- compose` and commit the result"
    );
}

#[test]
fn every_subgraph_in_this_build_is_listed_in_supergraph_yaml() {
    // supergraph.yaml lists subgraphs by name, SUBGRAPHS in port order: compare sets.
    let listed: Vec<String> = compose::subgraphs_of(workspace_root())
        .expect("supergraph.yaml reads")
        .into_iter()
        .map(|s| s.name)
        .collect();
    let mut built: Vec<String> = SUBGRAPHS.iter().map(|s| (*s).to_owned()).collect();
    built.sort();
    assert_eq!(listed, built);
}

#[test]
fn every_type_field_argument_and_value_has_a_description() {
    let mut missing = Vec::new();
    for name in SUBGRAPHS {
        let sdl = compose::sources::subgraph_sdl(name).expect("in this build");
        let doc = Document::parse(&sdl, format!("{name}.graphql")).expect("parses");
        for definition in &doc.definitions {
            let mut check = |path: String, described: bool| {
                if !described {
                    missing.push(format!("{name}: {path}"));
                }
            };
            match definition {
                Definition::ObjectTypeDefinition(o) => {
                    check(o.name.to_string(), o.description.is_some());
                    for field in &o.fields {
                        check(
                            format!("{}.{}", o.name, field.name),
                            field.description.is_some(),
                        );
                        for arg in &field.arguments {
                            check(
                                format!("{}.{}({})", o.name, field.name, arg.name),
                                arg.description.is_some(),
                            );
                        }
                    }
                }
                Definition::InputObjectTypeDefinition(i) => {
                    check(i.name.to_string(), i.description.is_some());
                    for field in &i.fields {
                        check(
                            format!("{}.{}", i.name, field.name),
                            field.description.is_some(),
                        );
                    }
                }
                Definition::EnumTypeDefinition(e) => {
                    check(e.name.to_string(), e.description.is_some());
                    for value in &e.values {
                        check(
                            format!("{}.{}", e.name, value.value),
                            value.description.is_some(),
                        );
                    }
                }
                Definition::ScalarTypeDefinition(s) => {
                    check(s.name.to_string(), s.description.is_some());
                }
                Definition::InterfaceTypeDefinition(i) => {
                    check(i.name.to_string(), i.description.is_some());
                }
                Definition::UnionTypeDefinition(u) => {
                    check(u.name.to_string(), u.description.is_some());
                }
                _ => {}
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented schema parts:\n{}",
        missing.join("\n")
    );
}
