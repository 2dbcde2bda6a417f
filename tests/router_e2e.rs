//! The platform through the router: the real users subgraph over HTTP behind the
//! router built from the committed supergraph, and the exact answers clients get.
//! Features have files of their own: `router_limits_e2e.rs` (operation limits, rate
//! limits), `router_compression_e2e.rs`, `router_defer_e2e.rs`.

mod common;

use common::{
    Platform,
    router::{Post, platform},
};
use serde_json::{Value, json};
use tessera_codex::graphql::entry::EXERCISES_LABEL;

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
