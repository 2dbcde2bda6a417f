//! Operation limits and rate limits through the router: each refusal with its own code
//! and status, and the router serving on after it.

mod common;

use common::{Platform, router::Post};
use serde_json::{Value, json};

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
    // Tokens are GraphQL's: 58 of them, spaced out with commas and a comment, pass.
    let spaced = format!(
        "# {}\n{{ userByHandle(handle: \"alex\") {{ {} }} }}",
        "a comment ".repeat(20),
        "handle ,   ".repeat(48)
    );
    let body = p.query(&spaced).await;
    assert_eq!(body["data"]["userByHandle"]["handle"], "alex", "{body}");

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
