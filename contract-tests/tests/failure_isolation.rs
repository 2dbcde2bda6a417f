//! A failing subgraph costs only its own fields: every field that one subgraph adds to
//! an entity another subgraph owns is nullable, so when the adding subgraph fails (a
//! timeout, an error) the router answers `null` and an error for that field alone,
//! and the entity with every other subgraph's fields survives. A non-null field would
//! carry the `null` up to the nearest nullable parent (`me`, say) and blank fields that
//! other subgraphs answered.
//!
//! An entity's owner is the subgraph that resolves most of its fields (users for
//! `User`, workouts for `Workout`); the check reads the committed supergraph, so a
//! subgraph that adds a non-null field to another's entity fails it, naming the field.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use apollo_compiler::{Schema, ast::Value as Ast, schema::ExtendedType};

/// Per entity type: its owner, and each field's resolving subgraphs and nullability.
struct Entity {
    owner: String,
    fields: Vec<(String, BTreeSet<String>, bool)>,
}

fn entities(supergraph: &str) -> BTreeMap<String, Entity> {
    let schema = Schema::parse(supergraph, "supergraph.graphql").expect("the supergraph parses");
    let graphs = support::graph_names(&schema);
    let mut entities = BTreeMap::new();
    for (name, ty) in &schema.types {
        let ExtendedType::Object(object) = ty else {
            continue;
        };
        let joins: Vec<_> = object.directives.get_all("join__type").collect();
        let in_graphs: BTreeSet<String> = joins
            .iter()
            .filter_map(|j| j.specified_argument_by_name("graph"))
            .map(|g| graphs[&g.to_string()].clone())
            .collect();
        let keyed = joins
            .iter()
            .any(|j| j.specified_argument_by_name("key").is_some());
        if !keyed || in_graphs.len() < 2 {
            continue;
        }
        let mut fields = Vec::new();
        let mut resolved_by: BTreeMap<String, usize> = BTreeMap::new();
        for (field_name, field) in &object.fields {
            let mut resolving = BTreeSet::new();
            let mut joined = false;
            for join in field.directives.get_all("join__field") {
                let Some(graph) = join.specified_argument_by_name("graph") else {
                    continue;
                };
                joined = true;
                let external = matches!(
                    join.specified_argument_by_name("external")
                        .map(|v| v.as_ref()),
                    Some(Ast::Boolean(true))
                );
                if !external {
                    resolving.insert(graphs[&graph.to_string()].clone());
                }
            }
            if !joined {
                // Every subgraph of the type resolves it (a key field, say).
                continue;
            }
            for graph in &resolving {
                *resolved_by.entry(graph.clone()).or_default() += 1;
            }
            fields.push((field_name.to_string(), resolving, field.ty.is_non_null()));
        }
        let Some(most) = resolved_by.values().max().copied() else {
            continue;
        };
        let owners: Vec<&String> = resolved_by
            .iter()
            .filter(|(_, n)| **n == most)
            .map(|(g, _)| g)
            .collect();
        assert_eq!(
            owners.len(),
            1,
            "{name}: no subgraph resolves most of its fields ({resolved_by:?}); name its owner here"
        );
        entities.insert(
            name.to_string(),
            Entity {
                owner: owners[0].clone(),
                fields,
            },
        );
    }
    entities
}

/// `Type.field (added by subgraph)` for every non-null field a subgraph adds to an
/// entity it does not own.
fn non_null_additions(supergraph: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (name, entity) in entities(supergraph) {
        for (field, resolving, non_null) in &entity.fields {
            if *non_null && !resolving.contains(&entity.owner) {
                let by: Vec<&str> = resolving.iter().map(String::as_str).collect();
                found.push(format!(
                    "{name}.{field} (added by {}; {name} is {}'s)",
                    by.join(", "),
                    entity.owner
                ));
            }
        }
    }
    found
}

#[test]
fn every_field_a_subgraph_adds_to_another_subgraphs_entity_is_nullable() {
    let found = non_null_additions(tessera::platform::SUPERGRAPH);
    assert!(
        found.is_empty(),
        "a failure of the adding subgraph would null the whole entity; make these nullable:\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn the_owner_is_the_subgraph_resolving_most_fields_and_a_non_null_addition_is_named() {
    let entities = entities(tessera::platform::SUPERGRAPH);
    assert_eq!(entities["User"].owner, "users");
    assert_eq!(entities["Workout"].owner, "workouts");
    // The rule bites: `User.unreadNotificationCount` made non-null again is named.
    let broken = tessera::platform::SUPERGRAPH.replacen(
        "unreadNotificationCount: Int @",
        "unreadNotificationCount: Int! @",
        1,
    );
    assert_ne!(broken, tessera::platform::SUPERGRAPH, "the field is there");
    assert_eq!(
        non_null_additions(&broken),
        ["User.unreadNotificationCount (added by notifications; User is users's)"]
    );
}
