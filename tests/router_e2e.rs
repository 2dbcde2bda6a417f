//! The platform through the router: the real users subgraph over HTTP behind the
//! router built from the committed supergraph, and the exact answers clients get.

use std::{collections::HashMap, sync::Arc};

use serde_json::{Value, json};
use tessera::platform::SUPERGRAPH;
use tessera_kit::testing::{TestDb, fresh_db};
use tessera_migrations::UsersMigrator;
use tessera_router::{Router, Supergraph, pipeline::RouterOptions, server};
use tokio_util::sync::{CancellationToken, DropGuard};

struct Platform {
    url: String,
    client: reqwest::Client,
    _db: TestDb,
    _stop: DropGuard,
}

async fn serve(app: axum::Router, stop: &CancellationToken) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("bound");
    tokio::spawn(tessera_kit::server::serve(listener, app, stop.clone()));
    addr
}

/// Users (with the demo cast) and the router in front of it; `users_up: false` points
/// the router at a port where nothing listens.
async fn platform(users_up: bool) -> Platform {
    let db = fresh_db::<UsersMigrator>().await;
    tessera_users::demo::seed(&db.db, chrono::Utc::now())
        .await
        .expect("demo data");
    let stop = CancellationToken::new();
    let users_url = if users_up {
        let addr = serve(
            tessera_users::app(db.db.clone(), tessera_users::Settings::default()),
            &stop,
        )
        .await;
        format!("http://{addr}/graphql")
    } else {
        "http://127.0.0.1:9/graphql".to_owned()
    };
    let supergraph = Supergraph::parse(SUPERGRAPH).expect("the committed supergraph loads");
    let options = RouterOptions {
        subgraph_urls: HashMap::from([("users".to_owned(), users_url)]),
        ..RouterOptions::default()
    };
    let router = Arc::new(Router::new(supergraph, &options));
    let addr = serve(server::app(router, server::ServerOptions::default()), &stop).await;
    Platform {
        url: format!("http://{addr}/graphql"),
        client: reqwest::Client::new(),
        _db: db,
        _stop: stop.drop_guard(),
    }
}

impl Platform {
    async fn post(&self, body: Value, accept: &str) -> (u16, String, Value) {
        let response = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", accept)
            .json(&body)
            .send()
            .await
            .expect("the router answers");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, content_type, response.json().await.expect("JSON"))
    }

    async fn query(&self, query: &str) -> Value {
        self.post(json!({ "query": query }), "application/json")
            .await
            .2
    }
}

#[tokio::test]
async fn a_query_reaches_the_users_subgraph_through_the_router() {
    let p = platform(true).await;
    let body = p
        .query(r#"{ userByHandle(handle: "alex") { id handle displayName timezone roles } __typename }"#)
        .await;
    assert_eq!(
        body,
        json!({ "data": {
            "userByHandle": {
                "id": "01930000-0000-7000-8000-000000000004", "handle": "alex",
                "displayName": "Alex Rivera", "timezone": "America/New_York", "roles": ["ATHLETE"]
            },
            "__typename": "Query"
        }})
    );
}

#[tokio::test]
async fn subgraph_errors_are_repathed_and_name_the_subgraph() {
    let p = platform(true).await;
    let body = p
        .query(r#"{ userByHandle(handle: "alex") { handle email } }"#)
        .await;
    assert_eq!(
        body["data"],
        json!({ "userByHandle": { "handle": "alex", "email": null } })
    );
    assert_eq!(body["errors"][0]["path"], json!(["userByHandle", "email"]));
    assert_eq!(
        body["errors"][0]["extensions"],
        json!({ "code": "UNAUTHENTICATED", "serviceName": "users" })
    );
}

#[tokio::test]
async fn invalid_operations_get_codes_and_statuses_per_graphql_over_http() {
    let p = platform(true).await;
    let (status, content_type, body) = p
        .post(
            json!({ "query": "{ nope }" }),
            "application/graphql-response+json",
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(content_type, "application/graphql-response+json");
    assert_eq!(
        body,
        json!({ "errors": [{
            "message": "type `Query` does not have a field `nope`",
            "locations": [{ "line": 1, "column": 3 }],
            "extensions": { "code": "GRAPHQL_VALIDATION_FAILED" }
        }]})
    );
    let (status, content_type, body) = p
        .post(json!({ "query": "{ nope }" }), "application/json")
        .await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );

    let (status, _, body) = p
        .post(
            json!({ "query": "{ users { " }),
            "application/graphql-response+json",
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
    assert!(body.get("data").is_none(), "request errors carry no data");

    let (status, _, body) = p
        .post(
            json!({ "query": "query($id: ID!) { user(id: $id) { handle } }", "variables": { "id": 5.5 } }),
            "application/graphql-response+json",
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    for (raw, message) in [
        (
            "{ not json",
            "the body is not JSON: key must be a string at line 1 column 3",
        ),
        (
            r#"{"query": 5}"#,
            "not a GraphQL request: invalid type: integer `5`, expected a string",
        ),
    ] {
        let response = p
            .client
            .post(&p.url)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 400, "{raw}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            body,
            json!({ "errors": [{ "message": message, "extensions": { "code": "BAD_REQUEST" } }] }),
            "{raw}"
        );
    }

    let (status, _, body) = p
        .post(json!({ "operationName": "x" }), "application/json")
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
}

#[tokio::test]
async fn get_batching_csrf_and_introspection() {
    let p = platform(true).await;
    let get = p
        .client
        .get(&p.url)
        .query(&[("query", r#"{ userByHandle(handle: "kim") { handle } }"#)])
        .header("apollo-require-preflight", "true")
        .send()
        .await
        .expect("answers");
    assert_eq!(get.status(), 200);
    let body: Value = get.json().await.expect("json");
    assert_eq!(body["data"]["userByHandle"]["handle"], "kim");

    let mutation = p
        .client
        .get(&p.url)
        .query(&[("query", "mutation { deleteAccount { id } }")])
        .header("apollo-require-preflight", "true")
        .send()
        .await
        .expect("answers");
    assert_eq!(mutation.status(), 405);
    let body: Value = mutation.json().await.expect("json");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "METHOD_NOT_ALLOWED"
    );

    let simple = p
        .client
        .post(&p.url)
        .header("content-type", "text/plain")
        .body(r#"{"query":"{ __typename }"}"#)
        .send()
        .await
        .expect("answers");
    assert_eq!(
        simple.status(),
        400,
        "a browser simple request is refused (CSRF)"
    );

    let (status, _, batch) = p
        .post(
            json!([
                { "query": r#"{ userByHandle(handle: "ada") { handle } }"# },
                { "query": "{ nope }" },
                { "query": r#"{ userByHandle(handle: "pat") { handle } }"# }
            ]),
            "application/json",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(batch[0]["data"]["userByHandle"]["handle"], "ada");
    assert_eq!(
        batch[1]["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(batch[2]["data"]["userByHandle"]["handle"], "pat");

    let schema = p
        .query("{ __schema { queryType { name } } __type(name: \"User\") { fields { name } } }")
        .await;
    assert_eq!(schema["data"]["__schema"]["queryType"]["name"], "Query");
    let fields: Vec<&str> = schema["data"]["__type"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().expect("name"))
        .collect();
    assert!(
        fields.contains(&"handle") && fields.contains(&"athletes"),
        "{fields:?}"
    );
    let hidden = p.query("{ _service { sdl } }").await;
    assert_eq!(
        hidden["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
}

#[tokio::test]
async fn a_failed_subgraph_gives_partial_data_and_the_router_keeps_serving() {
    let p = platform(false).await;
    let body = p
        .query(r#"{ userByHandle(handle: "alex") { handle } __typename }"#)
        .await;
    assert_eq!(
        body["data"],
        json!({ "userByHandle": null, "__typename": "Query" })
    );
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "SUBGRAPH_REQUEST_FAILED"
    );
    assert_eq!(body["errors"][0]["extensions"]["serviceName"], "users");
    let again = p.query("{ __typename }").await;
    assert_eq!(again, json!({ "data": { "__typename": "Query" } }));
}

/// users, codex and workouts, each on its own fresh database, behind the router.
#[tokio::test]
async fn a_query_crosses_users_codex_and_workouts() {
    use tessera_migrations::{CodexMigrator, WorkoutsMigrator};
    let now = chrono::Utc::now();
    let stop = CancellationToken::new();
    let users = fresh_db::<UsersMigrator>().await;
    tessera_users::demo::seed(&users.db, now)
        .await
        .expect("users demo data");
    let codex = fresh_db::<CodexMigrator>().await;
    tessera_codex::demo::seed(&codex.db, now)
        .await
        .expect("codex demo data");
    let workouts = fresh_db::<WorkoutsMigrator>().await;
    tessera_workouts::demo::seed(&workouts.db, now)
        .await
        .expect("workouts demo data");
    let mut urls = HashMap::new();
    for (name, app) in [
        (
            "users",
            tessera_users::app(users.db.clone(), tessera_users::Settings::default()),
        ),
        ("codex", tessera_codex::app(codex.db.clone())),
        ("workouts", tessera_workouts::app(workouts.db.clone())),
    ] {
        let addr = serve(app, &stop).await;
        urls.insert(name.to_owned(), format!("http://{addr}/graphql"));
    }
    let supergraph = Supergraph::parse(SUPERGRAPH).expect("the committed supergraph loads");
    let options = RouterOptions {
        subgraph_urls: urls,
        ..RouterOptions::default()
    };
    let router = Arc::new(Router::new(supergraph, &options));
    let addr = serve(server::app(router, server::ServerOptions::default()), &stop).await;
    let _stop = stop.drop_guard();

    let query = r#"{
        userByHandle(handle: "carter") { displayName codexEntries(first: 1) { edges { node { title } } } }
        codexSearch(query: "overload", first: 2) { edges { node { title author { handle displayName } } } }
        exercises(first: 2) { edges { node { name } } }
    }"#;
    let body: Value = reqwest::Client::new()
        .post(format!("http://{addr}/graphql"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("the router answers")
        .json()
        .await
        .expect("JSON");
    assert!(body.get("errors").is_none(), "{body}");
    let data = &body["data"];
    assert_eq!(data["userByHandle"]["displayName"], "Coach Carter");
    assert_eq!(
        data["userByHandle"]["codexEntries"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "users → codex through the User key: {data}"
    );
    let hits = data["codexSearch"]["edges"]
        .as_array()
        .expect("search hits");
    assert!(!hits.is_empty(), "{data}");
    for hit in hits {
        // codex → users: every author is resolved by the users subgraph.
        assert!(hit["node"]["author"]["displayName"].is_string(), "{hit}");
    }
    assert_eq!(
        data["exercises"]["edges"].as_array().map(Vec::len),
        Some(2),
        "{data}"
    );
}
