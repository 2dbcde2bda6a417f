//! Persisted queries through the router over HTTP, with real subgraphs: automatic
//! persisted queries exactly as Apollo Client speaks them (status codes included),
//! trusted documents (`enforce`, `log_unknown`, exemptions, reloading), the fast path
//! (a hit never parses, validates or plans again), and replicas sharing registrations
//! through real Redis (`REDIS_URL`; that test is skipped, saying so, when unset).

mod common;

use std::{path::Path, sync::Arc, time::Duration};

use common::Platform;
use serde_json::{Value, json};
use tessera_router::persisted::{Persisted, PersistedOptions, TrustedMode, hex, sha256};

const PROFILE: &str =
    "query Profile($handle: String!) { userByHandle(handle: $handle) { handle displayName } }";
const GRAPHQL_JSON: &str = "application/graphql-response+json";

fn pq(query: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hex(&sha256(query)) } })
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("(none)")
}

async fn post(p: &Platform, url: &str, body: Value, accept: &str) -> (u16, Value) {
    let response = p
        .client
        .post(url)
        .header("accept", accept)
        .json(&body)
        .send()
        .await
        .expect("the router answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

async fn get(p: &Platform, url: &str, params: &[(&str, String)]) -> (u16, Value) {
    let response = p
        .client
        .get(url)
        .header("apollo-require-preflight", "true")
        .query(params)
        .send()
        .await
        .expect("the router answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

fn alex() -> Value {
    json!({ "userByHandle": { "handle": "alex", "displayName": "Alex Rivera" } })
}

fn with_persisted(
    options: PersistedOptions,
) -> impl FnOnce(&mut tessera_router::pipeline::RouterOptions, &mut tessera_router::server::ServerOptions)
{
    move |router, _| {
        router.persisted = Arc::new(Persisted::new(&options).expect("valid options"));
    }
}

#[tokio::test]
async fn apq_misses_registers_and_hits_as_apollo_client_expects() {
    let p = Platform::start(&["users"], false).await;
    let url = p.url.clone();
    let vars = json!({ "handle": "alex" });
    // The hash alone, unknown: 200 whatever the client accepts, so Apollo Client reads
    // the error and retries with the text.
    for accept in [GRAPHQL_JSON, "application/json"] {
        let (status, body) = post(
            &p,
            &url,
            json!({ "extensions": pq(PROFILE), "variables": vars }),
            accept,
        )
        .await;
        assert_eq!(status, 200, "{accept}: {body}");
        assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND", "{body}");
        assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
        assert!(body.get("data").is_none(), "{body}");
    }
    let (status, body) = get(
        &p,
        &url,
        &[
            ("extensions", pq(PROFILE).to_string()),
            ("variables", vars.to_string()),
        ],
    )
    .await;
    assert_eq!((status, code(&body)), (200, "PERSISTED_QUERY_NOT_FOUND"));

    // The text with a hash that is not its own: 400 with either content type.
    for accept in [GRAPHQL_JSON, "application/json"] {
        let (status, body) = post(
            &p,
            &url,
            json!({ "query": PROFILE, "variables": vars, "extensions": pq("{ me { id } }") }),
            accept,
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(code(&body), "PERSISTED_QUERY_HASH_MISMATCH");
    }

    // Text and hash: answered and registered; from then on the hash alone is enough,
    // over POST and over GET (CDN-friendly), without preparing the operation again.
    let (status, body) = post(
        &p,
        &url,
        json!({ "query": PROFILE, "variables": vars, "extensions": pq(PROFILE) }),
        GRAPHQL_JSON,
    )
    .await;
    assert_eq!((status, &body["data"]), (200, &alex()), "{body}");
    let prepared = p.router.operations_prepared();
    let (status, body) = post(
        &p,
        &url,
        json!({ "extensions": pq(PROFILE), "variables": vars, "operationName": "Profile" }),
        GRAPHQL_JSON,
    )
    .await;
    assert_eq!((status, &body["data"]), (200, &alex()), "{body}");
    let prepared = prepared + 1; // a new operation name is another cache entry
    assert_eq!(p.router.operations_prepared(), prepared);
    for _ in 0..3 {
        let (status, body) = get(
            &p,
            &url,
            &[
                ("extensions", pq(PROFILE).to_string()),
                ("variables", vars.to_string()),
                ("operationName", "Profile".to_owned()),
            ],
        )
        .await;
        assert_eq!((status, &body["data"]), (200, &alex()), "{body}");
    }
    assert_eq!(
        p.router.operations_prepared(),
        prepared,
        "hits never re-prepare"
    );

    // A mutation registered over POST is still refused over GET.
    let sign_out = "mutation { signOut(refreshToken: \"nothing\") }";
    let (status, body) = post(
        &p,
        &url,
        json!({ "query": sign_out, "extensions": pq(sign_out) }),
        GRAPHQL_JSON,
    )
    .await;
    assert_eq!((status, &body["data"]), (200, &json!({ "signOut": false })));
    let (status, body) = get(&p, &url, &[("extensions", pq(sign_out).to_string())]).await;
    assert_eq!((status, code(&body)), (405, "METHOD_NOT_ALLOWED"), "{body}");

    // An invalid document is answered with its errors and not registered.
    let invalid = "{ userByHandle(handle: \"alex\") { nope } }";
    let (status, body) = post(
        &p,
        &url,
        json!({ "query": invalid, "extensions": pq(invalid) }),
        GRAPHQL_JSON,
    )
    .await;
    assert_eq!((status, code(&body)), (400, "GRAPHQL_VALIDATION_FAILED"));
    let (_, body) = post(&p, &url, json!({ "extensions": pq(invalid) }), GRAPHQL_JSON).await;
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND");

    // Malformed extensions and versions are bad requests.
    let (status, body) = post(
        &p,
        &url,
        json!({ "extensions": { "persistedQuery": { "version": 2, "sha256Hash": "ab" } } }),
        "application/json",
    )
    .await;
    assert_eq!((status, code(&body)), (400, "BAD_REQUEST"), "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("version 2")),
        "{body}"
    );

    // In a batch, each operation gets its own answer.
    let (status, body) = post(
        &p,
        &url,
        json!([
            { "extensions": pq("{ __typename }") },
            { "query": "{ __typename }", "extensions": pq("{ __typename }") },
            { "extensions": pq("{ __typename }") },
        ]),
        GRAPHQL_JSON,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(code(&body[0]), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(body[1]["data"], json!({ "__typename": "Query" }));
    assert_eq!(body[2]["data"], json!({ "__typename": "Query" }));

    // And the router keeps serving plain queries.
    let (status, body) = p.gql(None, PROFILE, json!({ "handle": "alex" })).await;
    assert_eq!((status, &body["data"]), (200, &alex()));
}

#[tokio::test]
async fn with_apq_off_a_hash_is_not_supported_and_apollo_client_falls_back_to_text() {
    let p = Platform::start_with(
        &["users"],
        false,
        with_persisted(PersistedOptions {
            apq: false,
            ..PersistedOptions::default()
        }),
    )
    .await;
    for body in [
        json!({ "extensions": pq(PROFILE), "variables": { "handle": "alex" } }),
        json!({ "query": PROFILE, "extensions": pq(PROFILE), "variables": { "handle": "alex" } }),
    ] {
        let (status, answer) = post(&p, &p.url, body, GRAPHQL_JSON).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(code(&answer), "PERSISTED_QUERY_NOT_SUPPORTED");
        assert_eq!(
            answer["errors"][0]["message"]
                .as_str()
                .map(|m| m.starts_with("PersistedQueryNotSupported")),
            Some(true)
        );
    }
    let (status, body) = p.gql(None, PROFILE, json!({ "handle": "alex" })).await;
    assert_eq!((status, &body["data"]), (200, &alex()));
}

/// The committed manifests copied into a directory the test may change.
fn manifests() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/persisted");
    for file in ["web.json", "mobile.json"] {
        std::fs::copy(committed.join(file), dir.path().join(file)).expect("copy");
    }
    dir
}

/// The committed web manifest's `field` (`id`, `body`) of an operation.
fn web_manifest(name: &str, field: &str) -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/persisted/web.json"),
    )
    .expect("web.json");
    let manifest: Value = serde_json::from_str(&text).expect("JSON");
    manifest["operations"]
        .as_array()
        .and_then(|ops| ops.iter().find(|op| op["name"] == name))
        .and_then(|op| op[field].as_str())
        .expect("the operation is in the manifest")
        .to_owned()
}

fn web_id(name: &str) -> String {
    web_manifest(name, "id")
}

#[tokio::test]
async fn enforce_runs_only_trusted_documents_except_for_exempt_callers_and_reloads() {
    let dir = manifests();
    let p = Platform::start_with(
        &["users"],
        true,
        with_persisted(PersistedOptions {
            mode: TrustedMode::Enforce,
            manifests: vec![dir.path().to_owned()],
            exempt_roles: vec!["admin".into()],
            exempt_scopes: vec!["explorer".into()],
            reload_interval: Duration::ZERO,
            ..PersistedOptions::default()
        }),
    )
    .await;
    let url = p.url.clone();
    let id = web_id("Profile");
    let vars = json!({ "handle": "alex" });
    // By id: documentId, doc_id, the APQ hash field, and GET.
    for body in [
        json!({ "documentId": id, "variables": vars }),
        json!({ "doc_id": id, "variables": vars }),
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": id } }, "variables": vars }),
    ] {
        let (status, answer) = post(&p, &url, body.clone(), GRAPHQL_JSON).await;
        assert_eq!(status, 200, "{body}: {answer}");
        assert_eq!(answer["data"]["userByHandle"]["handle"], "alex", "{answer}");
    }
    let (status, answer) = get(
        &p,
        &url,
        &[("documentId", id.clone()), ("variables", vars.to_string())],
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["userByHandle"]["displayName"], "Alex Rivera");
    // The same text as the manifest's is trusted too.
    let (status, answer) = post(
        &p,
        &url,
        json!({ "query": web_manifest("Profile", "body"), "variables": vars }),
        GRAPHQL_JSON,
    )
    .await;
    assert_eq!(status, 200, "{answer}");

    // The explorer signs anyone in: its sign-in is the web app's trusted document.
    let (status, answer) = post(
        &p,
        &url,
        json!({
            "query": tessera_router::explorer::SIGN_IN,
            "variables": { "input": { "email": "pat@demo.tessera.dev", "password": "tessera-demo" } },
        }),
        GRAPHQL_JSON,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer["data"]["signIn"]["accessToken"].is_string(),
        "{answer}"
    );

    // Anything else: refused, as text, through APQ registration, or by unknown id.
    let prepared = p.router.operations_prepared();
    for body in [
        json!({ "query": PROFILE, "variables": vars }),
        json!({ "query": PROFILE, "variables": vars, "extensions": pq(PROFILE) }),
        json!({ "documentId": "not-in-any-manifest" }),
    ] {
        for accept in [GRAPHQL_JSON, "application/json"] {
            let (status, answer) = post(&p, &url, body.clone(), accept).await;
            assert_eq!(status, 400, "{body}: {answer}");
            assert_eq!(code(&answer), "PERSISTED_QUERY_NOT_IN_LIST", "{answer}");
            assert!(answer.get("data").is_none());
        }
    }
    assert_eq!(
        p.router.operations_prepared(),
        prepared,
        "refused before parsing"
    );

    // Signing in is itself a trusted document of the web app.
    let token = async |handle: &str| {
        let (status, answer) = post(
            &p,
            &url,
            json!({ "documentId": web_id("SignIn"), "variables": { "input": {
                "email": format!("{handle}@demo.tessera.dev"), "password": "tessera-demo" } } }),
            GRAPHQL_JSON,
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        answer["data"]["signIn"]["accessToken"]
            .as_str()
            .expect("a token")
            .to_owned()
    };
    // Exempt: administrators by role; partners by the `explorer` scope their role
    // carries in the shipped configuration.
    for exempt in ["ada", "pat"] {
        let token = token(exempt).await;
        let (status, answer) = p.gql(Some(&token), PROFILE, vars.clone()).await;
        assert_eq!(
            (status, &answer["data"]),
            (200, &alex()),
            "{exempt}: {answer}"
        );
    }
    let alex_token = token("alex").await;
    let (status, answer) = p.gql(Some(&alex_token), PROFILE, vars.clone()).await;
    assert_eq!(
        (status, code(&answer)),
        (400, "PERSISTED_QUERY_NOT_IN_LIST")
    );

    // A manifest added while running is trusted from the next request on.
    std::fs::write(
        dir.path().join("partner.json"),
        json!({ "partner-profile-v1": PROFILE }).to_string(),
    )
    .expect("write");
    let (status, answer) = post(
        &p,
        &url,
        json!({ "documentId": "partner-profile-v1", "variables": vars }),
        GRAPHQL_JSON,
    )
    .await;
    assert_eq!((status, &answer["data"]), (200, &alex()), "{answer}");
    // A broken write keeps the last good list in force, and the router serving.
    std::fs::write(dir.path().join("partner.json"), "{\"partner-profile-v1\": ").expect("write");
    let (status, answer) = post(
        &p,
        &url,
        json!({ "documentId": "partner-profile-v1", "variables": vars }),
        GRAPHQL_JSON,
    )
    .await;
    assert_eq!((status, &answer["data"]), (200, &alex()), "{answer}");
}

#[tokio::test]
async fn log_unknown_runs_free_form_operations_and_counts_them() {
    tessera_router::metrics::install();
    let dir = manifests();
    let p = Platform::start_with(
        &["users"],
        false,
        with_persisted(PersistedOptions {
            mode: TrustedMode::LogUnknown,
            manifests: vec![dir.path().to_owned()],
            ..PersistedOptions::default()
        }),
    )
    .await;
    let series = "tessera_persisted_queries_total{outcome=\"unknown\"}";
    let before = tessera_router::metrics::value(series).unwrap_or(0.0);
    let (status, body) = p.gql(None, PROFILE, json!({ "handle": "alex" })).await;
    assert_eq!((status, &body["data"]), (200, &alex()));
    let after = tessera_router::metrics::value(series).expect("counted");
    assert!(after >= before + 1.0, "{before} → {after}");
    // Ids resolve in this mode too.
    let (status, body) = post(
        &p,
        &p.url,
        json!({ "documentId": "mobile-exercise-v1", "variables": { "slug": "back-squat" } }),
        GRAPHQL_JSON,
    )
    .await;
    // workouts is not running here: the document resolved and was planned; its fetch
    // failed with the subgraph named.
    assert_eq!(status, 200, "{body}");
    assert_eq!(code(&body), "SUBGRAPH_REQUEST_FAILED", "{body}");
    assert!(tessera_router::metrics::render().contains("tessera_persisted_queries_total"));
}

#[tokio::test]
async fn replicas_share_registrations_through_redis() {
    let Ok(redis) = std::env::var("REDIS_URL") else {
        eprintln!("REDIS_URL is not set: skipping the APQ replica test");
        return;
    };
    let options = PersistedOptions {
        redis_url: Some(redis),
        ..PersistedOptions::default()
    };
    let mut p = Platform::start_with(&["users"], false, with_persisted(options.clone())).await;
    let replica = p
        .replica(|router| {
            router.persisted = Arc::new(Persisted::new(&options).expect("valid options"));
        })
        .await;
    // A document no earlier run registered (Redis outlives test runs).
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let query = format!(
        "query Replica{nonce} {{ userByHandle(handle: \"alex\") {{ handle displayName }} }}"
    );
    let (_, body) = post(
        &p,
        &replica,
        json!({ "extensions": pq(&query) }),
        GRAPHQL_JSON,
    )
    .await;
    assert_eq!(code(&body), "PERSISTED_QUERY_NOT_FOUND");
    let (status, body) = post(
        &p,
        &p.url.clone(),
        json!({ "query": query, "extensions": pq(&query) }),
        GRAPHQL_JSON,
    )
    .await;
    assert_eq!((status, &body["data"]), (200, &alex()), "{body}");
    // The other replica never saw the text, and answers the hash from Redis.
    let (status, body) = post(
        &p,
        &replica,
        json!({ "extensions": pq(&query) }),
        GRAPHQL_JSON,
    )
    .await;
    assert_eq!((status, &body["data"]), (200, &alex()), "{body}");
}

/// What the router alone sees reaches the users subgraph's audit log, through real
/// HTTP signed as the router: a refused untrusted document (once, however often it is
/// replayed) and an administrator's cache invalidation.
#[tokio::test]
async fn refused_documents_and_cache_invalidations_reach_the_audit_log_once_each() {
    let dir = manifests();
    let p = Platform::start_with(
        &["users"],
        true,
        with_persisted(PersistedOptions {
            mode: TrustedMode::Enforce,
            manifests: vec![dir.path().to_owned()],
            exempt_roles: vec!["admin".into()],
            reload_interval: Duration::ZERO,
            ..PersistedOptions::default()
        }),
    )
    .await;
    let sign_in = async |handle: &str| {
        let (status, answer) = post(
            &p,
            &p.url,
            json!({ "documentId": web_id("SignIn"), "variables": { "input": {
                "email": format!("{handle}@demo.tessera.dev"), "password": "tessera-demo" } } }),
            GRAPHQL_JSON,
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        answer["data"]["signIn"].clone()
    };
    let alex = sign_in("alex").await;
    let ada = sign_in("ada").await;
    let (alex_token, ada_token) = (
        alex["accessToken"].as_str().expect("a token"),
        ada["accessToken"].as_str().expect("a token"),
    );
    let (_, me) = p.gql(Some(alex_token), "{ me { id } }", json!({})).await;
    assert_eq!(code(&me), "PERSISTED_QUERY_NOT_IN_LIST", "{me}");
    let (_, ids) = p
        .gql(
            Some(ada_token),
            r#"{ alex: userByHandle(handle: "alex") { id } me { id } }"#,
            json!({}),
        )
        .await;
    let alex_id = ids["data"]["alex"]["id"].as_str().expect("alex's id");
    let ada_id = ids["data"]["me"]["id"].as_str().expect("ada's id");

    // Alex replays an operation of their own three times: refused each time.
    for _ in 0..3 {
        let response = p
            .client
            .post(&p.url)
            .bearer_auth(alex_token)
            .json(&json!({ "query": PROFILE, "operationName": "Profile", "variables": { "handle": "pat" } }))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(code(&body), "PERSISTED_QUERY_NOT_IN_LIST", "{body}");
    }
    // Ada drops the cached users.
    let response = p
        .client
        .post(p.url.replace("/graphql", "/admin/cache/invalidate"))
        .bearer_auth(ada_token)
        .json(&json!({ "typename": "User" }))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 200);

    // One sender per router, in order: once the invalidation is in the log, every
    // refusal before it is too.
    let log = async |action: &str| {
        let (status, body) = p
            .gql(
                Some(ada_token),
                "query($a: String) { auditLog(action: $a, first: 500) { action actor subject detail } }",
                json!({ "a": action }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["auditLog"].as_array().expect("a list").clone()
    };
    let mut invalidations = Vec::new();
    for _ in 0..100 {
        invalidations = log(tessera_router::audit::CACHE_INVALIDATED).await;
        if !invalidations.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(invalidations.len(), 1, "{invalidations:?}");
    assert_eq!(invalidations[0]["actor"], ada_id);
    let detail: Value = serde_json::from_str(
        invalidations[0]["detail"]
            .as_str()
            .expect("the detail, as JSON text"),
    )
    .expect("JSON");
    assert_eq!(detail["by"], "router", "{detail}");
    let tags = detail["detail"]["tags"]
        .as_array()
        .expect("the tags dropped");
    assert!(tags.contains(&json!("User")), "{tags:?}");
    // Once per caller and operation name: the nameless `me` is a record of its own.
    let refusals = log(tessera_router::audit::UNTRUSTED_REFUSED).await;
    let refusals: Vec<(Value, Value, Value)> = refusals
        .into_iter()
        .map(|r| {
            let detail: Value =
                serde_json::from_str(r["detail"].as_str().expect("text")).expect("JSON");
            (r["actor"].clone(), r["subject"].clone(), detail)
        })
        .collect();
    let refused = |subject: Value| {
        (
            json!(alex_id),
            subject,
            json!({ "by": "router", "detail": { "documentId": null } }),
        )
    };
    assert_eq!(
        refusals,
        vec![refused(Value::Null), refused(json!("Profile"))],
        "{refusals:?}"
    );
}
