//! The platform through the router: the real users subgraph over HTTP behind the
//! router built from the committed supergraph, and the exact answers clients get.

mod common;

use common::Platform;
use serde_json::{Value, json};
use tessera_codex::graphql::entry::EXERCISES_LABEL;

/// Users (with the demo cast) and the router in front of it; `users_up: false` points
/// the router at a port where nothing listens.
async fn platform(users_up: bool) -> Platform {
    let running: &[&'static str] = if users_up { &["users"] } else { &[] };
    Platform::start(running, false).await
}

trait Post {
    async fn post(&self, body: Value, accept: &str) -> (u16, String, Value);
    async fn query(&self, query: &str) -> Value;
}

impl Post for Platform {
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
        .query(r#"{ userByHandle(handle: "alex") { handle subscriptionTier } }"#)
        .await;
    assert_eq!(
        body["data"],
        json!({ "userByHandle": { "handle": "alex", "subscriptionTier": null } })
    );
    assert_eq!(
        body["errors"][0]["path"],
        json!(["userByHandle", "subscriptionTier"])
    );
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

    // Variables of the wrong type or missing, each located at its definition.
    let two = "query($id: ID!, $handle: String!) { user(id: $id) { handle } userByHandle(handle: $handle) { handle } }";
    for (variables, error) in [
        (
            json!({ "id": 5.5, "handle": "ada" }),
            json!({
                "message": "Variable \"$id\" got invalid value 5.5; ID cannot represent value: 5.5",
                "locations": [{ "line": 1, "column": 7 }],
            }),
        ),
        (
            json!({ "id": "u1", "handle": ["ada"] }),
            json!({
                "message": "Variable \"$handle\" got invalid value [\"ada\"]; String cannot represent a non string value: [\"ada\"]",
                "locations": [{ "line": 1, "column": 17 }],
            }),
        ),
        (
            json!({ "handle": "ada" }),
            json!({
                "message": "Variable \"$id\" of required type \"ID!\" was not provided.",
                "locations": [{ "line": 1, "column": 7 }],
            }),
        ),
    ] {
        let (status, _, body) = p
            .post(
                json!({ "query": two, "variables": variables }),
                "application/graphql-response+json",
            )
            .await;
        let mut error = error;
        error["extensions"] = json!({ "code": "BAD_USER_INPUT" });
        assert_eq!((status, body), (400, json!({ "errors": [error] })));
    }
    // Inside an input object: where in the value, and what the field takes.
    let sign_up = "mutation($i: SignUpInput!) { signUp(input: $i) { id } }";
    for (input, message) in [
        (
            json!({ "handle": "dee", "displayName": 3, "email": "d@example.com", "password": "long enough pw" }),
            "Variable \"$i\" got invalid value 3 at \"i.displayName\"; String cannot represent a non string value: 3",
        ),
        (
            json!({ "handle": "dee", "email": "d@example.com", "password": "long enough pw" }),
            "Variable \"$i\" got invalid value {\"handle\":\"dee\",\"email\":\"d@example.com\",\"password\":\"long enough pw\"}; Field \"displayName\" of required type \"String!\" was not provided.",
        ),
    ] {
        let (status, _, body) = p
            .post(
                json!({ "query": sign_up, "variables": { "i": input } }),
                "application/graphql-response+json",
            )
            .await;
        assert_eq!(
            (status, body),
            (
                400,
                json!({ "errors": [{
                    "message": message,
                    "locations": [{ "line": 1, "column": 10 }],
                    "extensions": { "code": "BAD_USER_INPUT" },
                }] })
            )
        );
    }

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
                { "query": r#"{ userByHandle(handle: "pat") { handle } }"# },
                42
            ]),
            "application/json",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(batch.as_array().map(Vec::len), Some(4), "{batch}");
    assert_eq!(batch[0]["data"]["userByHandle"]["handle"], "ada");
    assert_eq!(
        batch[1]["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(batch[2]["data"]["userByHandle"]["handle"], "pat");
    // An item that is not a request gets its own error; the others are answered.
    assert_eq!(
        batch[3],
        json!({"errors": [{
            "message": "not a GraphQL request: invalid type: integer `42`, expected struct GraphqlRequest",
            "extensions": {"code": "BAD_REQUEST"},
        }]})
    );

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
        body["errors"],
        json!([{
            "message": "subgraph `users` could not be fetched: no connection could be made to it",
            "extensions": { "code": "SUBGRAPH_REQUEST_FAILED", "serviceName": "users" },
        }])
    );
    let again = p.query("{ __typename }").await;
    assert_eq!(again, json!({ "data": { "__typename": "Query" } }));
}

/// users, codex and workouts, each on its own fresh database, behind the router.
#[tokio::test]
async fn a_query_crosses_users_codex_and_workouts() {
    let p = Platform::start(&["users", "codex", "workouts"], false).await;
    let query = r#"{
        userByHandle(handle: "carter") { displayName codexEntries(first: 1) { edges { node { title } } } }
        codexSearch(query: "overload", first: 2) { edges { node { title author { handle displayName } } } }
        exercises(first: 2) { edges { node { name } } }
    }"#;
    let body = p.query(query).await;
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

/// The codex's entries are an entity interface (articles and practices). Their
/// `exercises` are moving from the workouts subgraph, which needs each entry's title
/// (`@requires`), to the codex (a progressive `@override`): the answers are the same
/// with the label on and off, from the codex's root fields and from users through the
/// codex.
#[tokio::test]
async fn every_codex_entry_has_its_exercises_with_the_label_on_or_off() {
    for labels in [vec![], vec![EXERCISES_LABEL.to_owned()]] {
        codex_entries_have_their_exercises(labels).await;
    }
}

async fn codex_entries_have_their_exercises(labels: Vec<String>) {
    let p = Platform::start_with(&["users", "codex", "workouts"], false, |options, _| {
        options.override_labels = labels;
    })
    .await;
    // The demo corpus: entry 25 is the first article on the back squat, 28 its checklist,
    // a practice; both by Coach Kim.
    let body = p
        .query(
            r#"{
            article: codexEntry(id: "01930000-0000-7005-8001-000000000019") {
                __typename title ... on CodexArticle { readingMinutes } exercises { slug name }
            }
            practice: codexEntry(id: "01930000-0000-7005-8001-00000000001c") {
                __typename title ... on CodexPractice { durationMinutes } exercises { slug }
            }
            codexSearch(query: "deadlift", first: 5) { nodes { title exercises { slug } } }
            userByHandle(handle: "kim") { codexEntries(first: 30) { nodes { __typename title exercises { slug } } } }
        }"#,
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let data = &body["data"];
    assert_eq!(
        data["article"],
        json!({ "__typename": "CodexArticle", "title": "A beginner's guide to the back squat",
                "readingMinutes": 1, "exercises": [{ "slug": "back-squat", "name": "Back squat" }] })
    );
    assert_eq!(
        data["practice"],
        json!({ "__typename": "CodexPractice", "title": "A coach's checklist for the back squat",
                "durationMinutes": 10, "exercises": [{ "slug": "back-squat" }] })
    );
    let hits = data["codexSearch"]["nodes"].as_array().expect("hits");
    assert!(!hits.is_empty(), "{data}");
    for hit in hits {
        let named = hit["title"]
            .as_str()
            .is_some_and(|t| t.to_lowercase().contains("deadlift"));
        let expected = if named {
            json!([{ "slug": "deadlift" }])
        } else {
            json!([])
        };
        assert_eq!(hit["exercises"], expected, "{hit}");
    }
    // users → codex → workouts.
    let kims = data["userByHandle"]["codexEntries"]["nodes"]
        .as_array()
        .expect("Kim's entries");
    let practice = kims
        .iter()
        .find(|e| e["title"] == "A coach's checklist for the back squat")
        .expect("the checklist among Kim's entries");
    assert_eq!(
        practice,
        &json!({ "__typename": "CodexPractice", "title": "A coach's checklist for the back squat",
                 "exercises": [{ "slug": "back-squat" }] })
    );
    assert!(
        kims.iter().any(|e| e["__typename"] == "CodexArticle"),
        "{kims:?}"
    );
}

/// Which subgraph answers for an entry's exercises: with the label on, the codex alone
/// (workouts may be down); with it off, workouts, as before the move.
#[tokio::test]
async fn the_label_decides_which_subgraph_answers_for_an_entrys_exercises() {
    const QUERY: &str = r#"{ codexSearch(query: "deadlift", first: 3) {
        nodes { title exercises { slug name } } } }"#;
    let on = Platform::start_with(&["codex"], false, |options, _| {
        options.override_labels = vec![EXERCISES_LABEL.to_owned()];
    })
    .await;
    let body = on.query(QUERY).await;
    assert!(body.get("errors").is_none(), "{body}");
    let hits = body["data"]["codexSearch"]["nodes"]
        .as_array()
        .expect("hits");
    assert!(
        hits.iter()
            .any(|hit| hit["exercises"] == json!([{ "slug": "deadlift", "name": "Deadlift" }])),
        "{body}"
    );

    let off = Platform::start(&["codex"], false).await;
    let body = off.query(QUERY).await;
    assert_eq!(
        body["errors"][0]["extensions"],
        json!({ "code": "SUBGRAPH_REQUEST_FAILED", "serviceName": "workouts" }),
        "{body}"
    );
}

/// A practice's steps come with their exercises' names from the codex (`@provides`):
/// with the workouts subgraph down they are still answered in full. What else a client
/// asks of an exercise comes from workouts, and its names are the same ones.
#[tokio::test]
async fn practice_steps_name_their_exercises_without_asking_workouts() {
    // Entry 28 of the demo corpus: Coach Kim's checklist for the back squat.
    const STEPS: &str = r#"{ codexEntry(id: "01930000-0000-7005-8001-00000000001c") {
        ... on CodexPractice { steps { position instruction exercise { slug name } } } } }"#;
    let expected = json!({ "data": { "codexEntry": { "steps": [
        { "position": 1, "instruction": "Brace, sit between the hips, keep the bar over the middle of the foot.", "exercise": null },
        { "position": 2, "instruction": "Do two easy sets of back squat and check each point on every rep.",
          "exercise": { "slug": "back-squat", "name": "Back squat" } },
        { "position": 3, "instruction": "Write down what went well and what did not.", "exercise": null }
    ] } } });
    let codex_only = Platform::start(&["codex"], false).await;
    assert_eq!(codex_only.query(STEPS).await, expected);
    // Beyond the name, the exercise is the workouts domain's: down, it is an error.
    let body = codex_only
        .query(
            r#"{ codexEntry(id: "01930000-0000-7005-8001-00000000001c") {
            ... on CodexPractice { steps { exercise { name muscleGroups } } } } }"#,
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "SUBGRAPH_REQUEST_FAILED",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["serviceName"], "workouts",
        "{body}"
    );
    assert_eq!(
        body["data"]["codexEntry"]["steps"][1],
        json!({ "exercise": null }),
        "the steps are there, the exercise nulled: {body}"
    );

    let p = Platform::start(&["codex", "workouts"], false).await;
    assert_eq!(p.query(STEPS).await, expected);
    let body = p
        .query(
            r#"{
            codexSearch(query: "checklist", first: 50) { nodes { ... on CodexPractice {
                steps { exercise { slug name muscleGroups equipment } } } } }
            exercises(first: 100) { nodes { slug name } }
        }"#,
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let catalogue: std::collections::HashMap<&str, &str> = body["data"]["exercises"]["nodes"]
        .as_array()
        .expect("the catalogue")
        .iter()
        .map(|e| {
            (
                e["slug"].as_str().expect("slug"),
                e["name"].as_str().expect("name"),
            )
        })
        .collect();
    let provided: Vec<Value> = body["data"]["codexSearch"]["nodes"]
        .as_array()
        .expect("hits")
        .iter()
        .flat_map(|hit| hit["steps"].as_array().cloned().unwrap_or_default())
        .map(|step| step["exercise"].clone())
        .filter(|exercise| !exercise.is_null())
        .collect();
    assert!(provided.len() >= 5, "{body}");
    for exercise in &provided {
        let slug = exercise["slug"].as_str().expect("slug");
        assert_eq!(
            exercise["name"].as_str(),
            catalogue.get(slug).copied(),
            "the codex's name is the workouts domain's: {exercise}"
        );
        assert!(
            exercise["muscleGroups"]
                .as_array()
                .is_some_and(|g| !g.is_empty()),
            "{exercise}"
        );
        assert!(exercise["equipment"].is_string(), "{exercise}");
    }
}

/// A client may name its variables as it likes, `$representations` included: the
/// entity fetch that forwards it sends the representations under another name.
#[tokio::test]
async fn a_client_variable_named_like_the_routers_own_does_not_collide() {
    let p = Platform::start(&["users", "codex"], false).await;
    let (status, body) = p
        .gql(
            None,
            "query($representations: Int!, $_representations: String!) { userByHandle(handle: $_representations) { handle codexEntries(first: $representations) { edges { node { title } } } } }",
            json!({ "representations": 1, "_representations": "carter" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["userByHandle"]["handle"], "carter");
    assert_eq!(
        body["data"]["userByHandle"]["codexEntries"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{body}"
    );
}

#[tokio::test]
async fn operation_limits_refuse_with_their_own_codes_and_the_router_keeps_serving() {
    use tessera_router::limits::OperationLimits;
    let p = Platform::start_with(&["users"], false, |router, server| {
        router.limits = OperationLimits {
            max_depth: Some(3),
            max_aliases: Some(2),
            max_root_fields: Some(3),
            max_tokens: Some(60),
            max_directives: Some(2),
            max_cost: Some(200.0),
            default_list_size: 10,
            introspection_roles: Some(vec!["admin".to_owned()]),
        };
        server.max_body_bytes = 2_000;
        server.max_batch = 2;
    })
    .await;
    let cases = [
        (
            r#"{ userByHandle(handle: "carter") { athletes { nodes { coaches { handle } } } } }"#,
            json!({}),
            "MAX_DEPTH_LIMIT",
            "the operation nests fields 5 deep; at most 3 is allowed",
        ),
        (
            "{ a: __typename b: __typename c: __typename }",
            json!({}),
            "MAX_ALIASES_LIMIT",
            "the operation uses 3 aliases; at most 2 are allowed",
        ),
        (
            "{ __typename me { id } users { pageInfo { hasNextPage } } ... on Query { user(id: \"x\") { id } } }",
            json!({}),
            "MAX_ROOT_FIELDS_LIMIT",
            "the operation selects 4 root fields; at most 3 are allowed",
        ),
        (
            "query($t: Boolean!) { __typename @include(if: $t) @skip(if: false) me @include(if: true) { id } }",
            json!({ "t": true }),
            "MAX_DIRECTIVES_LIMIT",
            "the operation applies 3 directives; at most 2 are allowed",
        ),
        (
            "query($n: Int) { users(first: $n) { nodes { id handle } } }",
            json!({ "n": 200 }),
            "COST_ESTIMATED_TOO_EXPENSIVE",
            "the operation's estimated cost is 201; at most 200 is allowed",
        ),
        // Without variables: estimated once, when the operation is prepared.
        (
            "{ users(first: 200) { nodes { id handle } } }",
            json!({}),
            "COST_ESTIMATED_TOO_EXPENSIVE",
            "the operation's estimated cost is 201; at most 200 is allowed",
        ),
        (
            "{ __schema { queryType { name } } }",
            json!({}),
            "INTROSPECTION_DISABLED",
            "introspection is not available to this caller",
        ),
        (
            &format!("{{ {} }}", "__typename ".repeat(70)),
            json!({}),
            "MAX_TOKENS_LIMIT",
            "the document has more than 60 tokens",
        ),
    ];
    for (query, variables, code, message) in cases {
        let (status, _, body) = p
            .post(
                json!({ "query": query, "variables": variables }),
                "application/graphql-response+json",
            )
            .await;
        assert_eq!(
            (status, body),
            (
                400,
                json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
            ),
            "{code}"
        );
    }
    // Under the limits, the same shapes pass.
    let body = p
        .query(r#"{ a: userByHandle(handle: "alex") { handle } b: userByHandle(handle: "kim") { handle } }"#)
        .await;
    assert!(body.get("errors").is_none(), "{body}");

    let (status, _, body) = p
        .post(
            json!({ "query": format!("{{ __typename }} # {}", "x".repeat(3_000)) }),
            "application/json",
        )
        .await;
    assert_eq!(
        (status, body),
        (
            413,
            json!({ "errors": [{ "message": "the request body is larger than 2000 bytes", "extensions": { "code": "PAYLOAD_TOO_LARGE" } }] })
        )
    );
    let (status, _, body) = p
        .post(
            json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }, { "query": "{ __typename }" }]),
            "application/json",
        )
        .await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({ "errors": [{ "message": "the batch holds 3 operations; at most 2 are allowed", "extensions": { "code": "BATCH_LIMIT_EXCEEDED" } }] })
        )
    );
    let (status, _, body) = p.post(json!([]), "application/json").await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({ "errors": [{ "message": "an empty batch holds no operation", "extensions": { "code": "BAD_REQUEST" } }] })
        )
    );
    assert_eq!(
        p.query("{ __typename }").await,
        json!({ "data": { "__typename": "Query" } })
    );
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after_and_the_router_keeps_serving() {
    use std::{sync::Arc, time::Duration};

    use tessera_router::ratelimit::{Quota, RateLimitOptions, RateLimiter};
    let p = Platform::start_with(&["users"], false, |_, server| {
        server.rate_limiter = Some(Arc::new(RateLimiter::local(RateLimitOptions {
            anonymous: Quota {
                per_minute: 600,
                burst: 2,
            },
            ..RateLimitOptions::default()
        })));
    })
    .await;
    for _ in 0..2 {
        assert_eq!(
            p.query("{ __typename }").await,
            json!({ "data": { "__typename": "Query" } })
        );
    }
    let response = p
        .client
        .post(&p.url)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body,
        json!({ "errors": [{ "message": "too many requests: retry in 1 s", "extensions": { "code": "RATE_LIMITED" } }] })
    );
    // A batch counts each operation; after the interval the client is served again.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (status, _, body) = p
        .post(
            json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]),
            "application/json",
        )
        .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        p.query("{ __typename }").await,
        json!({ "data": { "__typename": "Query" } })
    );
}

/// `body` encoded as `encoding` (gzip, br, deflate or zstd).
async fn encoded(encoding: &str, body: &[u8]) -> Vec<u8> {
    use async_compression::tokio::bufread::{BrotliEncoder, GzipEncoder, ZlibEncoder, ZstdEncoder};
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let read = match encoding {
        "gzip" => GzipEncoder::new(body).read_to_end(&mut out).await,
        "br" => BrotliEncoder::new(body).read_to_end(&mut out).await,
        "deflate" => ZlibEncoder::new(body).read_to_end(&mut out).await,
        "zstd" => ZstdEncoder::new(body).read_to_end(&mut out).await,
        other => panic!("no encoder for {other}"),
    };
    read.expect("encoded");
    out
}

/// `body` decoded from `encoding`.
async fn decoded(encoding: &str, body: &[u8]) -> Vec<u8> {
    use async_compression::tokio::bufread::{BrotliDecoder, GzipDecoder, ZlibDecoder, ZstdDecoder};
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    let read = match encoding {
        "gzip" => GzipDecoder::new(body).read_to_end(&mut out).await,
        "br" => BrotliDecoder::new(body).read_to_end(&mut out).await,
        "deflate" => ZlibDecoder::new(body).read_to_end(&mut out).await,
        "zstd" => ZstdDecoder::new(body).read_to_end(&mut out).await,
        other => panic!("no decoder for {other}"),
    };
    read.expect("decoded");
    out
}

#[tokio::test]
async fn answers_are_compressed_for_clients_that_accept_it_and_bodies_may_come_compressed() {
    let p = Platform::start(&["workouts"], false).await;
    let request = json!({ "query": "{ exercises(first: 20) { edges { node { name slug muscleGroups equipment } } } }" });
    let send =
        |encoding: Option<&'static str>, content_encoding: Option<&'static str>, body: Vec<u8>| {
            let mut post = p
                .client
                .post(&p.url)
                .header("content-type", "application/json")
                .body(body);
            if let Some(encoding) = encoding {
                post = post.header("accept-encoding", encoding);
            }
            if let Some(encoding) = content_encoding {
                post = post.header("content-encoding", encoding);
            }
            async move {
                let response = post.send().await.expect("the router answers");
                let header = |name: &str| {
                    response
                        .headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                let (status, encoding, vary) = (
                    response.status().as_u16(),
                    header("content-encoding"),
                    header("vary"),
                );
                (
                    status,
                    encoding,
                    vary,
                    response.bytes().await.expect("a body").to_vec(),
                )
            }
        };
    let text = serde_json::to_vec(&request).expect("JSON");

    // Asked for nothing: sent as is.
    let (status, encoding, _, plain) = send(None, None, text.clone()).await;
    assert_eq!((status, encoding), (200, None));
    let answer: Value = serde_json::from_slice(&plain).expect("JSON");
    assert_eq!(
        answer["data"]["exercises"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(20),
        "{answer}"
    );

    for accepted in ["gzip", "br", "deflate", "zstd"] {
        let (status, encoding, vary, body) = send(Some(accepted), None, text.clone()).await;
        assert_eq!((status, encoding.as_deref()), (200, Some(accepted)));
        assert!(vary.is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));
        assert!(
            body.len() * 3 < plain.len(),
            "{accepted}: {} of {} bytes",
            body.len(),
            plain.len()
        );
        assert_eq!(decoded(accepted, &body).await, plain, "{accepted}");

        // The request's own body may come encoded the same way.
        let (status, encoding, _, body) =
            send(None, Some(accepted), encoded(accepted, &text).await).await;
        assert_eq!((status, encoding), (200, None), "{accepted}");
        assert_eq!(body, plain, "{accepted}");
    }
    // What Apollo Client on Android (OkHttp) and browsers send.
    let (status, encoding, _, body) =
        send(Some("gzip, deflate, br, zstd"), None, text.clone()).await;
    let encoding = encoding.expect("an encoding");
    assert_eq!(status, 200);
    assert_eq!(decoded(&encoding, &body).await, plain, "{encoding}");

    // Refused, each with its GraphQL error: an encoding not read here, a body that is
    // not what its encoding says, and one that decodes to more than the body limit.
    let bomb = encoded("gzip", &vec![b' '; 3 << 20]).await;
    assert!(bomb.len() < 20_000, "{}", bomb.len());
    for (content_encoding, body, status, code, message) in [
        (
            "compress",
            text.clone(),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "the request body is encoded as `compress`; send it as is, or as gzip, br, deflate or zstd",
        ),
        (
            "gzip",
            text.clone(),
            400,
            "BAD_REQUEST",
            "the request body could not be read: Failed to buffer the request body: Invalid gzip header",
        ),
        (
            "gzip",
            bomb,
            413,
            "PAYLOAD_TOO_LARGE",
            "the request body is larger than 2097152 bytes",
        ),
    ] {
        let (got, encoding, _, body) = send(None, Some(content_encoding), body).await;
        let body: Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!((got, encoding), (status, None), "{body}");
        assert_eq!(
            body,
            json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
        );
    }
    // And the router goes on serving.
    let (status, _, _, again) = send(None, None, text).await;
    assert_eq!((status, again), (200, plain));
}

const MULTIPART: &str = "multipart/mixed;deferSpec=20220824, application/json";

/// POSTs `query` (with `variables`) accepting `accept`; returns the content type and
/// the body as text.
async fn post_accepting(
    p: &Platform,
    accept: &str,
    query: &str,
    variables: Value,
) -> (String, String) {
    let response = p
        .client
        .post(&p.url)
        .header("accept", accept)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("the router answers");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    (content_type, response.text().await.expect("a body"))
}

/// The parts of a `multipart/mixed` answer with boundary `-`, each parsed as JSON.
fn parts(body: &str) -> Vec<Value> {
    let inner = body
        .strip_prefix("\r\n---")
        .and_then(|b| b.strip_suffix("\r\n-----\r\n"))
        .unwrap_or_else(|| panic!("not framed as multipart/mixed: {body:?}"));
    inner
        .split("\r\n---")
        .map(|part| {
            let json = part
                .strip_prefix("\r\ncontent-type: application/json; charset=utf-8\r\n\r\n")
                .unwrap_or_else(|| panic!("a part without its header: {part:?}"));
            serde_json::from_str(json).expect("a JSON part")
        })
        .collect()
}

/// `@defer` as Apollo Client asks for it: the answer without the deferred fragment
/// first, then the fragment's data at its path with its label; a client that does not
/// take multipart, or a `@defer` whose `if` is false, gets one whole answer.
#[tokio::test]
async fn a_deferred_fragment_comes_second_for_clients_that_take_parts() {
    let p = Platform::start(&["users", "codex"], false).await;
    const DEFERRED: &str = r#"query Kim($later: Boolean! = true) { userByHandle(handle: "kim") {
        handle
        ... @defer(label: "entries", if: $later) { codexEntries(first: 2) { nodes { title } } }
    } }"#;
    let whole = p
        .query(r#"{ userByHandle(handle: "kim") { handle codexEntries(first: 2) { nodes { title } } } }"#)
        .await;
    let entries = whole["data"]["userByHandle"]["codexEntries"].clone();
    assert_eq!(
        entries["nodes"].as_array().map(Vec::len),
        Some(2),
        "{whole}"
    );

    let (content_type, body) = post_accepting(&p, MULTIPART, DEFERRED, json!({})).await;
    assert_eq!(
        content_type,
        "multipart/mixed;boundary=\"-\";deferSpec=20220824"
    );
    assert_eq!(
        parts(&body),
        [
            json!({ "data": { "userByHandle": { "handle": "kim" } }, "hasNext": true }),
            json!({ "hasNext": false, "incremental": [{
                "data": { "codexEntries": entries }, "path": ["userByHandle"], "label": "entries",
            }] }),
        ]
    );

    // Labels are written in the document and each used once (validation).
    for (query, message) in [
        (
            r#"{ userByHandle(handle: "kim") { ... @defer(label: "a") { handle } ... @defer(label: "a") { displayName } } }"#,
            "`@defer` label `a` is not unique within the document",
        ),
        (
            r#"query($l: String) { userByHandle(handle: "kim") { ... @defer(label: $l) { handle } } }"#,
            "`@defer` label argument must be a static String, not a variable",
        ),
    ] {
        let (_, body) = post_accepting(&p, MULTIPART, query, json!({})).await;
        let body: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(body["errors"][0]["message"], message, "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{body}"
        );
    }

    // A bad variable, even one only a `@defer(if:)` uses: the one error, whole, as
    // without `@defer`, whatever the client takes.
    for accept in [MULTIPART, "application/json"] {
        let (content_type, body) =
            post_accepting(&p, accept, DEFERRED, json!({ "later": "yes" })).await;
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        assert_eq!(
            serde_json::from_str::<Value>(&body).expect("JSON"),
            json!({ "errors": [{
                "message": "Variable \"$later\" got invalid value \"yes\"; Boolean cannot represent a non boolean value: \"yes\"",
                "locations": [{ "line": 1, "column": 11 }],
                "extensions": { "code": "BAD_USER_INPUT" },
            }] }),
            "{accept}"
        );
    }

    // Whole: for a client that takes JSON only, for one that takes multipart but not
    // this delivery's spec, and when `if` is false.
    for (accept, later) in [
        ("application/json", true),
        ("multipart/mixed, application/json", true),
        (MULTIPART, false),
    ] {
        let (content_type, body) =
            post_accepting(&p, accept, DEFERRED, json!({ "later": later })).await;
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        let body: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(body, whole, "accept {accept}, later {later}");
    }
}

/// The deferred fragment's subgraph is down: the first part is whole and error-free,
/// the last carries the error; the router goes on serving.
#[tokio::test]
async fn a_deferred_fragment_that_fails_fails_alone() {
    let p = Platform::start(&["users"], false).await;
    let (_, body) = post_accepting(
        &p,
        MULTIPART,
        r#"{ userByHandle(handle: "kim") { handle ... @defer { codexEntries(first: 2) { nodes { title } } } } }"#,
        json!({}),
    )
    .await;
    let parts = parts(&body);
    assert_eq!(
        parts[0],
        json!({ "data": { "userByHandle": { "handle": "kim" } }, "hasNext": true })
    );
    assert_eq!(parts[1]["hasNext"], false, "{}", parts[1]);
    assert_eq!(
        parts[1]["errors"][0]["extensions"],
        json!({ "code": "SUBGRAPH_REQUEST_FAILED", "serviceName": "codex" }),
        "{}",
        parts[1]
    );
    let again = p
        .query(r#"{ userByHandle(handle: "kim") { handle } }"#)
        .await;
    assert_eq!(
        again,
        json!({ "data": { "userByHandle": { "handle": "kim" } } })
    );
}

/// A mutation runs once: asked with `@defer`, its answer comes whole.
#[tokio::test]
async fn a_mutation_with_a_deferred_fragment_runs_once_and_answers_whole() {
    let p = Platform::start(&["users"], false).await;
    let (content_type, body) = post_accepting(
        &p,
        MULTIPART,
        r#"mutation { signUp(input: { handle: "deferred_dee", displayName: "Dee", email: "dee@example.com", password: "long enough pw" }) {
            handle ... @defer { displayName } } }"#,
        json!({}),
    )
    .await;
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let body: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        body,
        json!({ "data": { "signUp": { "handle": "deferred_dee", "displayName": "Dee" } } })
    );
}
