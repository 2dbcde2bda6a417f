//! Every subgraph resolves each of its entities by each of its keys: for every
//! resolvable `@join__type(graph:, key:)` of the committed supergraph, a real
//! `_entities` request to the real subgraph (demo data, its own database) for a seeded
//! instance answers that instance. A key the supergraph gains without a sample here
//! fails the test, naming it.

#[path = "../../tests/common/mod.rs"]
mod common;
mod support;

use std::collections::BTreeSet;

use apollo_compiler::{Schema, ast::Value as Ast};
use common::Platform;
use serde_json::{Map, Value, json};
use tessera_kit::{
    testing::identity_header,
    viewer::{Role, Viewer},
};

const ALL: &[&str] = &["users", "workouts", "notifications", "journal", "codex"];

/// Every resolvable (subgraph, type, key) of the committed supergraph.
fn keys() -> BTreeSet<(String, String, String)> {
    let schema = Schema::parse(tessera::platform::SUPERGRAPH, "supergraph.graphql")
        .expect("the committed supergraph parses");
    let graphs = support::graph_names(&schema);
    let mut keys = BTreeSet::new();
    for (name, ty) in &schema.types {
        for join in ty.directives().get_all("join__type") {
            let arg = |n: &str| join.specified_argument_by_name(n);
            let (Some(graph), Some(key)) = (arg("graph"), arg("key")) else {
                continue;
            };
            if matches!(
                arg("resolvable").map(|v| v.as_ref()),
                Some(Ast::Boolean(false))
            ) {
                continue;
            }
            let subgraph = graphs[&graph.to_string()].clone();
            let key = key.as_str().unwrap_or_default().to_owned();
            keys.insert((subgraph, name.to_string(), key));
        }
    }
    keys
}

/// A seeded instance of `type_name` with at least its key fields, found through the
/// router, and who may read it.
async fn sample(p: &Platform, type_name: &str) -> (Map<String, Value>, Viewer) {
    let alex = tessera_kit::demo::ATHLETE_ALEX.id;
    let as_alex = Viewer::user(alex).with_roles(&[Role::Athlete]);
    let admin = Viewer::user(tessera_kit::demo::ADMIN.id).with_roles(&[Role::Admin]);
    let (handle, query, pointer, viewer) = match type_name {
        "User" => ("alex", "{ me { id } }", "/data/me", as_alex),
        "Exercise" => (
            "alex",
            "{ exercises(first: 1) { nodes { id slug } } }",
            "/data/exercises/nodes/0",
            admin,
        ),
        "Workout" => (
            "alex",
            "{ me { workouts(first: 1) { nodes { id } } } }",
            "/data/me/workouts/nodes/0",
            as_alex,
        ),
        "JournalEntry" => (
            "alex",
            "{ me { journalEntries(first: 1) { nodes { id } } } }",
            "/data/me/journalEntries/nodes/0",
            as_alex,
        ),
        "Delivery" => (
            "alex",
            "{ me { notifications(first: 1) { nodes { deliveries { notificationId channel } } } } }",
            "/data/me/notifications/nodes/0/deliveries/0",
            as_alex,
        ),
        "CodexEntry" => (
            "alex",
            "{ codexSearch(query: \"sleep\", first: 1) { edges { node { id } } } }",
            "/data/codexSearch/edges/0/node",
            admin,
        ),
        "CodexArticle" | "CodexPractice" => {
            let (_, body) = p
                .gql(
                    Some(&p.token("alex").await),
                    "{ codexSearch(query: \"a\", first: 100) { edges { node { __typename id } } } }",
                    json!({}),
                )
                .await;
            let node = body["data"]["codexSearch"]["edges"]
                .as_array()
                .expect("results")
                .iter()
                .map(|e| &e["node"])
                .find(|n| n["__typename"] == type_name)
                .unwrap_or_else(|| panic!("no {type_name} among the search results: {body}"));
            let mut object = node.as_object().expect("an object").clone();
            object.remove("__typename");
            return (object, admin);
        }
        other => panic!(
            "no sample for entity `{other}`: add how to find a seeded one to `sample` in {}",
            file!()
        ),
    };
    let (status, body) = p.gql(Some(&p.token(handle).await), query, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let object = body
        .pointer(pointer)
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("no {type_name} at {pointer}: {body}"))
        .clone();
    (object, viewer)
}

#[tokio::test]
async fn every_subgraph_resolves_each_of_its_entities_by_each_key() {
    let p = Platform::start(ALL, true).await;
    let keys = keys();
    assert!(
        keys.len() >= 12,
        "the supergraph lost entity keys? {keys:?}"
    );
    let mut checked = Vec::new();
    for (subgraph, type_name, key) in &keys {
        let (object, viewer) = sample(&p, type_name).await;
        let fields: Vec<&str> = key.split_whitespace().collect();
        let mut representation = Map::new();
        representation.insert("__typename".to_owned(), json!(type_name));
        for field in &fields {
            let value = object
                .get(*field)
                .unwrap_or_else(|| panic!("the {type_name} sample lacks `{field}`: {object:?}"));
            representation.insert((*field).to_owned(), value.clone());
        }
        let query = format!(
            "query($r: [_Any!]!) {{ _entities(representations: $r) {{ ... on {type_name} {{ {} }} }} }}",
            fields.join(" ")
        );
        let (name, value) = identity_header(Some(&viewer));
        let answer: Value = p
            .client
            .post(&p.subgraph_urls[subgraph])
            .header(name, value)
            .json(&json!({ "query": query, "variables": { "r": [representation] } }))
            .send()
            .await
            .expect("the subgraph answers")
            .json()
            .await
            .expect("JSON");
        let mut expected = representation.clone();
        expected.remove("__typename");
        assert_eq!(
            answer,
            json!({ "data": { "_entities": [expected] } }),
            "{subgraph} resolving {type_name} by `{key}`"
        );
        checked.push(format!("{subgraph}: {type_name} by {key}"));
    }
    // What this run covered, for the record (nextest shows it on failure).
    eprintln!("resolved by key: {checked:#?}");
}
