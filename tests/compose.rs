//! Composition: the standard supergraph flavour, and errors that name the subgraph,
//! the type and the field.

mod common;

use std::path::PathBuf;

use apollo_compiler::Schema;
use tessera::compose::{ComposeError, SubgraphSdl, compose};

fn subgraph(name: &str, sdl: &str) -> SubgraphSdl {
    SubgraphSdl {
        name: name.to_owned(),
        url: format!("http://127.0.0.1:9999/{name}"),
        sdl: format!(
            "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.5\", import: [\"@key\", \"@shareable\", \"@external\", \"@requires\"])\n{sdl}"
        ),
        file: PathBuf::from(format!("schema/{name}.graphql")),
    }
}

#[test]
fn the_supergraph_is_standard_federation_v2() {
    let accounts = subgraph(
        "accounts",
        r#"type Query { me: User }
           type User @key(fields: "id") { id: ID! name: String level: Level @shareable joined: Date }
           enum Level { ROOKIE PRO }
           scalar Date"#,
    );
    let reviews = subgraph(
        "reviews",
        r#"type Query { topReviews: [Review!]! }
           type Review { body: String! author: User! }
           type User @key(fields: "id") { id: ID! reviews: [Review!]! level: Level @shareable }
           enum Level { ROOKIE PRO }"#,
    );
    let sdl = compose(&[accounts, reviews]).expect("composes");
    let schema = Schema::parse_and_validate(&sdl, "supergraph.graphql").expect("valid schema");
    assert!(sdl.contains("@link(url: \"https://specs.apollo.dev/join/v0.5\", for: EXECUTION)"));
    assert!(sdl.contains("directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable"));
    let query = schema.get_object("Query").expect("Query");
    let graphs: Vec<String> = query
        .directives
        .get_all("join__type")
        .map(|d| d.to_string())
        .collect();
    assert_eq!(
        graphs,
        vec![
            "@join__type(graph: ACCOUNTS)",
            "@join__type(graph: REVIEWS)"
        ],
        "root types say which subgraphs resolve them"
    );
    let date = schema.get_scalar("Date").expect("Date");
    assert_eq!(date.directives.get_all("join__type").count(), 1);
    let level = schema.get_enum("Level").expect("Level");
    assert_eq!(
        level.values["PRO"]
            .directives
            .get_all("join__enumValue")
            .count(),
        2
    );
    let user = schema.get_object("User").expect("User");
    assert_eq!(
        user.directives
            .get_all("join__type")
            .map(|d| d.to_string())
            .collect::<Vec<_>>(),
        vec![
            "@join__type(graph: ACCOUNTS, key: \"id\")",
            "@join__type(graph: REVIEWS, key: \"id\")"
        ]
    );
    assert!(!sdl.contains("join__owner"));
}

#[test]
fn conflicts_name_the_subgraph_type_and_field() {
    let a = subgraph(
        "catalog",
        r#"type Query { exercise: Exercise }
           type Exercise @key(fields: "id") { id: ID! name: String! }"#,
    );
    let b = subgraph(
        "plans",
        r#"type Query { plan: String }
           type Exercise @key(fields: "id") { id: ID! name: Int! }"#,
    );
    let err = compose(&[a, b]).expect_err("incompatible field types");
    let ComposeError::Composition(messages) = &err else {
        panic!("expected composition errors, got {err}");
    };
    let text = messages.join("\n");
    assert!(text.contains("Exercise.name"), "{text}");
    assert!(text.contains("catalog") && text.contains("plans"), "{text}");
}

#[test]
fn a_subgraph_that_does_not_parse_is_named() {
    let broken = subgraph("broken", "type Query { oops: }");
    let err = compose(&[broken]).expect_err("syntax error").to_string();
    assert!(err.starts_with("subgraph `broken`"), "{err}");
}

#[test]
fn authorization_directives_reach_the_supergraph() {
    let sdl = |body: &str| SubgraphSdl {
        name: "accounts".to_owned(),
        url: "http://127.0.0.1:9999/accounts".to_owned(),
        sdl: format!(
            "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.5\", import: [\"@key\", \"@requiresScopes\", \"@authenticated\", \"@policy\"])\n{body}"
        ),
        file: PathBuf::from("schema/accounts.graphql"),
    };
    let accounts = sdl(
        r#"type Query { me: User @authenticated  admins: [User!]! @requiresScopes(scopes: [["users:admin"], ["support", "users:read"]]) }
           type User @key(fields: "id") { id: ID! stats: Stats @policy(policies: [["premium"]]) }
           type Stats @authenticated { volume: Int }"#,
    );
    let supergraph = compose(&[accounts]).expect("composes");
    let schema = Schema::parse_and_validate(&supergraph, "supergraph.graphql").expect("valid");
    let query = schema.get_object("Query").expect("Query");
    assert_eq!(
        query.fields["me"]
            .directives
            .get("authenticated")
            .map(|d| d.to_string()),
        Some("@authenticated".to_owned())
    );
    assert_eq!(
        query.fields["admins"]
            .directives
            .get("requiresScopes")
            .map(|d| d.to_string()),
        Some(r#"@requiresScopes(scopes: [["users:admin"], ["support", "users:read"]])"#.to_owned())
    );
    let user = schema.get_object("User").expect("User");
    assert_eq!(
        user.fields["stats"]
            .directives
            .get("policy")
            .map(|d| d.to_string()),
        Some(r#"@policy(policies: [["premium"]])"#.to_owned())
    );
    assert!(
        schema
            .get_object("Stats")
            .expect("Stats")
            .directives
            .get("authenticated")
            .is_some()
    );
    assert!(
        supergraph.contains(
            r#"@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)"#
        ),
        "{supergraph}"
    );
}

#[test]
fn a_labelled_override_carries_its_label_on_both_sides_for_the_router() {
    let sdl = |name: &str, body: &str| SubgraphSdl {
        name: name.to_owned(),
        url: format!("http://127.0.0.1:9999/{name}"),
        sdl: format!(
            "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.7\", import: [\"@key\", \"@override\"])\n{body}"
        ),
        file: PathBuf::from(format!("schema/{name}.graphql")),
    };
    let old = sdl(
        "training",
        r#"type Query { entry: Entry }
           type Entry @key(fields: "id") { id: ID! exercises: [String!]! }"#,
    );
    let new = sdl(
        "codex",
        r#"type Entry @key(fields: "id") { id: ID! exercises: [String!]! @override(from: "training", label: "codex-exercises") }"#,
    );
    let supergraph = compose(&[old, new]).expect("composes");
    let schema = Schema::parse_and_validate(&supergraph, "supergraph.graphql").expect("valid");
    let joins: Vec<String> = schema.get_object("Entry").expect("Entry").fields["exercises"]
        .directives
        .get_all("join__field")
        .map(|d| d.to_string())
        .collect();
    assert_eq!(
        joins,
        [
            r#"@join__field(graph: TRAINING, overrideLabel: "codex-exercises")"#,
            r#"@join__field(graph: CODEX, override: "training", overrideLabel: "codex-exercises")"#,
        ]
    );
    let router = tessera_router::Supergraph::parse(&supergraph).expect("the router reads it");
    assert_eq!(router.override_labels(), ["codex-exercises"]);
}

/// A tool that composes from the running subgraphs (`rover`, a gateway's dev mode)
/// reads, in `_service { sdl }`, the SDL `tessera compose` reads: authorization and a
/// labelled `@override` imported from federation, not defined as custom directives.
#[tokio::test]
async fn each_running_subgraph_serves_the_sdl_composition_reads() {
    for name in tessera::platform::SUBGRAPHS {
        let (_db, app) = common::subgraph(name).await;
        let served = tessera_kit::testing::serve(app).await;
        let body = served
            .gql(None, "{ _service { sdl } }", serde_json::json!({}))
            .await;
        let sdl = body["data"]["_service"]["sdl"].as_str().expect("an SDL");
        let composed = tessera::compose::sources::subgraph_sdl(name).expect("in this build");
        assert!(sdl == composed, "{name} serves another SDL:\n{sdl}");
        assert!(!sdl.contains("directive @authenticated"), "{name}");
        assert!(!sdl.contains("directive @override"), "{name}");
    }
}
