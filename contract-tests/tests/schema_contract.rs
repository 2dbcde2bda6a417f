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

/// What a user's training, inbox and journal hold is theirs alone: the fields those
/// domains add to `User` must tell the router's response cache so (`scope: PRIVATE`,
/// or `maxAge: 0`). Without a hint, a scalar field would inherit `User`'s public 60 s
/// and one caller's answer could be served to another with the same roles.
#[test]
fn fields_the_private_domains_add_to_user_are_never_cached_for_everyone() {
    let sdl = std::fs::read_to_string(workspace_root().join("schema/supergraph.graphql"))
        .expect("the committed supergraph");
    let schema = apollo_compiler::Schema::parse(&sdl, "supergraph.graphql").expect("parses");
    let user = schema.get_object("User").expect("User");
    let mut unhinted = Vec::new();
    for field in user.fields.values() {
        let graphs: Vec<String> = field
            .directives
            .get_all("join__field")
            .filter_map(|d| d.specified_argument_by_name("graph"))
            .map(|g| g.to_string())
            .collect();
        let private_domain = graphs
            .iter()
            .any(|g| ["JOURNAL", "NOTIFICATIONS", "WORKOUTS"].contains(&g.as_str()));
        let external = field
            .directives
            .get_all("join__field")
            .any(|d| d.specified_argument_by_name("external").is_some());
        if !private_domain || external || field.name == "id" {
            continue;
        }
        let safe = field.directives.get("cacheControl").is_some_and(|hint| {
            let arg = |name: &str| hint.specified_argument_by_name(name).map(|v| v.to_string());
            arg("scope").as_deref() == Some("PRIVATE") || arg("maxAge").as_deref() == Some("0")
        });
        if !safe {
            unhinted.push(format!("User.{} ({})", field.name, graphs.join(", ")));
        }
    }
    assert!(
        unhinted.is_empty(),
        "fields without a private or uncacheable @cacheControl hint: {unhinted:?}"
    );
}
