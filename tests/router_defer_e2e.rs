//! `@defer` through the router, as Apollo Client asks for it: the answer in parts.

mod common;

use common::{Platform, router::Post};
use serde_json::{Value, json};

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
