//! The partner variant end to end: `/partner/graphql` answers callers holding the
//! `partner` role (Pat in the demo cast) with exactly what is tagged
//! `@tag(name: "partner")` — validation and introspection know nothing else — and
//! refuses everyone else with the GraphQL error shape; `/graphql` is unchanged.

mod common;

use common::Platform;
use serde_json::{Value, json};

fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_partner_reads_the_tagged_catalogue_and_codex() {
    let p = Platform::start(&["users", "workouts", "codex"], true).await;
    let pat = p.token("pat").await;
    let query = r#"{
        exercise(slug: "back-squat") { name slug }
        codexSearch(query: "back squat", first: 1) {
            nodes { __typename title exercises { slug } }
            pageInfo { hasNextPage }
        }
    }"#;
    let (status, body) = p.gql_at(&p.partner_url, Some(&pat), query, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"data": {
            "exercise": {"name": "Back squat", "slug": "back-squat"},
            "codexSearch": {
                "nodes": [{
                    "__typename": "CodexArticle",
                    "title": "A beginner's guide to the back squat",
                    "exercises": [{"slug": "back-squat"}],
                }],
                "pageInfo": {"hasNextPage": true},
            },
        }})
    );
}

#[tokio::test]
async fn nothing_untagged_validates_at_the_partner_endpoint() {
    let p = Platform::start(&["users", "workouts", "codex"], true).await;
    let pat = p.token("pat").await;
    for query in [
        "{ me { email } }",
        r#"{ userByHandle(handle: "alex") { handle } }"#,
        r#"{ codexSearch(query: "squat") { nodes { ... on CodexArticle { author { handle } } } } }"#,
        r#"mutation { signOutEverywhere }"#,
    ] {
        let (status, body) = p.gql_at(&p.partner_url, Some(&pat), query, json!({})).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(body.get("data"), None, "{query}: {body}");
        assert_eq!(
            codes(&body),
            ["GRAPHQL_VALIDATION_FAILED"],
            "{query}: {body}"
        );
    }
}

#[tokio::test]
async fn introspection_at_the_partner_endpoint_lists_only_the_variant() {
    let p = Platform::start(&["users"], true).await;
    let pat = p.token("pat").await;
    let query = r#"{
        __schema { types { name } mutationType { name } subscriptionType { name } }
        journal: __type(name: "JournalEntry") { name }
        notification: __type(name: "Notification") { name }
        user: __type(name: "User") { name }
    }"#;
    let (status, body) = p.gql_at(&p.partner_url, Some(&pat), query, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let mut names: Vec<&str> = body["data"]["__schema"]["types"]
        .as_array()
        .expect("types")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .filter(|name| !name.starts_with("__"))
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "Boolean",
            "CacheControlScope",
            "CodexArticle",
            "CodexCategory",
            "CodexEntry",
            "CodexEntryKind",
            "CodexPractice",
            "CodexSearchConnection",
            "CodexSearchEdge",
            "CodexVisibility",
            "DateTime",
            "Exercise",
            "ExerciseConnection",
            "ExerciseEdge",
            "ID",
            "Int",
            "MuscleGroup",
            "PageInfo",
            "PracticeStep",
            "Query",
            "String",
        ]
    );
    assert_eq!(body["data"]["__schema"]["mutationType"], Value::Null);
    assert_eq!(body["data"]["__schema"]["subscriptionType"], Value::Null);
    for hidden in ["journal", "notification", "user"] {
        assert_eq!(body["data"][hidden], Value::Null, "{body}");
    }

    // The same introspection at /graphql sees the full API.
    let (_, full) = p.gql(Some(&pat), query, json!({})).await;
    assert_eq!(full["data"]["journal"]["name"], "JournalEntry", "{full}");
    assert_eq!(full["data"]["__schema"]["mutationType"]["name"], "Mutation");
}

#[tokio::test]
async fn only_partners_and_the_team_are_answered_at_the_partner_endpoint() {
    let p = Platform::start(&["users", "workouts"], true).await;
    let query = r#"{ exercise(slug: "back-squat") { name } }"#;

    let alex = p.token("alex").await;
    let (status, body) = p
        .gql_at(&p.partner_url, Some(&alex), query, json!({}))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body,
        json!({"errors": [{
            "message": "/partner/graphql answers only callers with the `partner` role (or `admin`)",
            "extensions": {"code": "FORBIDDEN"},
        }]})
    );

    let (status, body) = p.gql_at(&p.partner_url, None, query, json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body,
        json!({"errors": [{
            "message": "/partner/graphql answers only callers with the `partner` role (or `admin`): sign in",
            "extensions": {"code": "UNAUTHENTICATED"},
        }]})
    );

    let (status, body) = p
        .gql_at(&p.partner_url, Some("not-a-token"), query, json!({}))
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{body}");

    // GET follows the same rules as /graphql (CSRF header), and the same refusal.
    let get = |token: Option<&str>| {
        let mut request = p
            .client
            .get(&p.partner_url)
            .query(&[("query", query)])
            .header("apollo-require-preflight", "true");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request
    };
    let response = get(Some(&alex)).send().await.expect("the router answers");
    assert_eq!(response.status().as_u16(), 403);
    let pat = p.token("pat").await;
    let response = get(Some(&pat)).send().await.expect("the router answers");
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body, json!({"data": {"exercise": {"name": "Back squat"}}}));

    // An administrator looks at what partners see: the variant, and nothing beyond it.
    let ada = p.token("ada").await;
    let (status, body) = p.gql_at(&p.partner_url, Some(&ada), query, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"data": {"exercise": {"name": "Back squat"}}}));
    let (status, body) = p
        .gql_at(&p.partner_url, Some(&ada), "{ me { handle } }", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"errors": [{
            "message": "type `Query` does not have a field `me`",
            "locations": [{"line": 1, "column": 3}],
            "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
        }]})
    );
}

#[tokio::test]
async fn the_full_api_still_answers_a_partner_at_graphql() {
    let p = Platform::start(&["users", "workouts"], true).await;
    let pat = p.token("pat").await;
    let (status, body) = p
        .gql(
            Some(&pat),
            r#"{ me { email roles } exercise(slug: "back-squat") { name } }"#,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"data": {
            "me": {"email": "pat@demo.tessera.dev", "roles": ["PARTNER"]},
            "exercise": {"name": "Back squat"},
        }})
    );
}

#[tokio::test]
async fn the_partner_quota_applies_at_the_partner_endpoint() {
    use std::{collections::HashMap, sync::Arc};

    use tessera_router::ratelimit::{Quota, RateLimitOptions, RateLimiter};
    let p = Platform::start_with(&["users", "workouts"], true, |_, server| {
        server.rate_limiter = Some(Arc::new(RateLimiter::local(RateLimitOptions {
            roles: HashMap::from([(
                "partner".to_owned(),
                Quota {
                    per_minute: 1,
                    burst: 2,
                },
            )]),
            ..RateLimitOptions::default()
        })));
    })
    .await;
    let pat = p.token("pat").await;
    let query = r#"{ exercise(slug: "back-squat") { name } }"#;
    for _ in 0..2 {
        let (status, body) = p.gql_at(&p.partner_url, Some(&pat), query, json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, json!({"data": {"exercise": {"name": "Back squat"}}}));
    }
    let (status, body) = p.gql_at(&p.partner_url, Some(&pat), query, json!({})).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(codes(&body), ["RATE_LIMITED"], "{body}");
}
