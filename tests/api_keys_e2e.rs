//! Partners' API keys end to end: issued by the users subgraph (`createApiKey`), sent
//! in `x-api-key`, exchanged by the router at the users subgraph for an access token
//! with the partner role only, and refused with the exact errors a client sees when
//! unknown, revoked, or not checkable.

mod common;
#[path = "../router/tests/support/mod.rs"]
mod support;

use std::{sync::Arc, time::Duration};

use common::Platform;
use serde_json::{Value, json};
use tessera_kit::testing;
use tessera_router::{
    Router, Supergraph,
    auth::{ApiKeyOptions, AuthOptions, Authenticator, JwksSource},
    pipeline::RouterOptions,
    server,
};

const CREATE: &str = "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key apiKey { id name prefix lastUsedAt revokedAt } } }";

/// Revokes the key of the holder of `token` named `name`, through the router.
async fn revoke_through_router(p: &Platform, token: &str, name: &str) {
    let (_, body) = p
        .gql(Some(token), "{ me { apiKeys { id name } } }", json!({}))
        .await;
    let id = body["data"]["me"]["apiKeys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["name"] == name))
        .map(|k| k["id"].clone())
        .expect("the key is listed");
    let (_, body) = p
        .gql(
            Some(token),
            "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
}

/// The users subgraph's exchange asked directly for `key`: status and body.
async fn exchange(p: &Platform, key: &str) -> (u16, Value) {
    let users = p.users.as_ref().expect("users runs");
    let answer = p
        .client
        .post(format!("{users}{}", tessera_users::API_KEY_EXCHANGE_PATH))
        .header(tessera_users::API_KEY_HEADER, key)
        .send()
        .await
        .expect("the subgraph answers");
    let status = answer.status().as_u16();
    (status, answer.json().await.expect("JSON"))
}

/// A router (anonymous callers, no subgraph running) whose API keys come in `header`
/// and go to an exchange that is down: nothing listens on port 9.
async fn router_with_dead_exchange(header: &str) -> testing::Served {
    let auth = Authenticator::new(AuthOptions {
        jwks: vec![JwksSource::Url("http://127.0.0.1:9/jwks.json".to_owned())],
        api_keys: Some(
            ApiKeyOptions::new(
                header,
                "http://127.0.0.1:9/api-keys/exchange",
                Duration::from_secs(60),
            )
            .expect("valid options"),
        ),
        ..AuthOptions::default()
    })
    .expect("valid auth options");
    let router = Arc::new(Router::new(
        Supergraph::parse(tessera::platform::SUPERGRAPH).expect("the committed supergraph loads"),
        &RouterOptions::default(),
    ));
    testing::serve(server::app(
        router,
        server::ServerOptions {
            auth: Some(Arc::new(auth)),
            ..server::ServerOptions::default()
        },
    ))
    .await
}

async fn with_key(p: &Platform, url: &str, key: &str, query: &str) -> (u16, Value) {
    let response = p
        .client
        .post(url)
        .header("x-api-key", key)
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("the router answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn a_partners_key_reaches_the_partner_variant_as_that_partner_with_the_partner_role_only() {
    let p = Platform::start(&["users", "workouts", "codex"], true).await;
    let pat = p.token("pat").await;
    let (status, body) = p
        .gql(Some(&pat), CREATE, json!({"i": {"name": "  production  "}}))
        .await;
    assert_eq!(status, 200, "{body}");
    let created = &body["data"]["createApiKey"];
    let key = created["key"].as_str().expect("a string");
    assert!(key.starts_with("tsk_") && key.len() == 47, "{key}");
    assert_eq!(created["apiKey"]["name"], "production");
    assert_eq!(created["apiKey"]["prefix"], &key[..12]);
    assert_eq!(created["apiKey"]["lastUsedAt"], Value::Null);

    let (status, body) = with_key(
        &p,
        &p.partner_url,
        key,
        r#"{ exercise(slug: "back-squat") { name } }"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"data": {"exercise": {"name": "Back squat"}}}));

    // The token the key is exchanged for is Pat's, with the partner role only (should
    // Pat also be an administrator, a key still grants no more), and the key as session.
    let (status, answer) = exchange(&p, key).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["token_type"], "Bearer");
    assert_eq!(answer["expires_in"], 900);
    let payload = answer["access_token"]
        .as_str()
        .expect("a string")
        .split('.')
        .nth(1)
        .expect("a JWT payload");
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .expect("base64url"),
    )
    .expect("JSON claims");
    assert_eq!(claims["sub"], tessera_kit::demo::PARTNER_PAT.id.to_string());
    assert_eq!(claims["roles"], json!(["partner"]));
    assert_eq!(claims["sid"], created["apiKey"]["id"]);
    assert!(
        claims.get("scope").is_none() && claims.get("athletes").is_none(),
        "{claims}"
    );

    // Pat's data export lists the key's record.
    let (_, body) = p
        .gql(
            Some(&pat),
            "mutation { exportMyData { apiKeys { name prefix revokedAt } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["exportMyData"]["apiKeys"],
        json!([{"name": "production", "prefix": &key[..12], "revokedAt": null}])
    );

    // The same key at /graphql is Pat.
    let (status, body) = with_key(
        &p,
        &p.url,
        key,
        "{ me { handle apiKeys { name lastUsedAt } } }",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["handle"], "pat");
    assert_eq!(body["data"]["me"]["apiKeys"][0]["name"], "production");
    assert!(
        body["data"]["me"]["apiKeys"][0]["lastUsedAt"].is_string(),
        "{body}"
    );
}

#[tokio::test]
async fn keys_are_for_partners_named_and_counted() {
    let p = Platform::start(&["users"], true).await;
    let alex = p.token("alex").await;
    let (_, body) = p
        .gql(Some(&alex), CREATE, json!({"i": {"name": "mine"}}))
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "API keys are issued to partners only"
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");

    let (_, body) = p.gql(None, CREATE, json!({"i": {"name": "mine"}})).await;
    assert_eq!(
        body["errors"][0]["message"],
        "`Mutation.createApiKey` needs a signed-in caller"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "UNAUTHORIZED_FIELD_OR_TYPE"
    );

    let pat = p.token("pat").await;
    let (_, body) = p
        .gql(Some(&pat), CREATE, json!({"i": {"name": "   "}}))
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "a key's name is 1 to 64 characters"
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "name", "{body}");

    for n in 0..10 {
        let (_, body) = p
            .gql(
                Some(&pat),
                CREATE,
                json!({"i": {"name": format!("key {n}")}}),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let (_, body) = p
        .gql(Some(&pat), CREATE, json!({"i": {"name": "eleventh"}}))
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "a partner holds at most 10 live API keys: revoke one first"
    );

    // Someone else's keys: not to be seen, not to be revoked.
    let (_, body) = p
        .gql(
            Some(&alex),
            r#"{ userByHandle(handle: "pat") { apiKeys { name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "only the partner and administrators may see their API keys"
    );
    let (_, listed) = p
        .gql(Some(&pat), "{ me { apiKeys { id } } }", json!({}))
        .await;
    let id = listed["data"]["me"]["apiKeys"][0]["id"]
        .as_str()
        .expect("a string")
        .to_owned();
    let revoke = "mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }";
    let (_, body) = p.gql(Some(&alex), revoke, json!({"id": id})).await;
    assert_eq!(body["errors"][0]["message"], format!("no API key {id}"));
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let (_, body) = p.gql(Some(&pat), revoke, json!({"id": id})).await;
    assert!(
        body["data"]["revokeApiKey"]["revokedAt"].is_string(),
        "{body}"
    );
    let (_, body) = p
        .gql(Some(&pat), CREATE, json!({"i": {"name": "eleventh"}}))
        .await;
    assert!(
        body.get("errors").is_none(),
        "a revoked key frees its place: {body}"
    );
}

#[tokio::test]
async fn unknown_and_revoked_keys_are_refused_and_the_router_keeps_serving() {
    let p = Platform::start(&["users", "workouts"], true).await;
    let (status, body) = with_key(&p, &p.url, "tsk_not-a-key-we-issued", "{ __typename }").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body,
        json!({"errors": [{
            "message": "the API key was refused: the API key is unknown or revoked",
            "extensions": {"code": "UNAUTHENTICATED"},
        }]})
    );

    // Revoked before its first use: refused at once (nothing was kept of it).
    let pat = p.token("pat").await;
    let (_, body) = p
        .gql(Some(&pat), CREATE, json!({"i": {"name": "leaked"}}))
        .await;
    let key = body["data"]["createApiKey"]["key"]
        .as_str()
        .expect("a string")
        .to_owned();
    let id = body["data"]["createApiKey"]["apiKey"]["id"].clone();
    let (_, body) = p
        .gql(
            Some(&pat),
            "mutation($id: ID!) { revokeApiKey(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let (status, body) = with_key(&p, &p.partner_url, &key, "{ __typename }").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "the API key was refused: the API key is unknown or revoked"
    );

    // Revoked after use, through the router: refused at once, not when the router's
    // kept exchange expires.
    let key = p.api_key("pat", "in use").await;
    let (status, body) = with_key(&p, &p.partner_url, &key, "{ __typename }").await;
    assert_eq!(status, 200, "{body}");
    revoke_through_router(&p, &pat, "in use").await;
    let (status, body) = with_key(&p, &p.partner_url, &key, "{ __typename }").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "the API key was refused: the API key is unknown or revoked"
    );

    // The users subgraph's exchange says the same to anyone asking it directly.
    assert_eq!(
        exchange(&p, &key).await,
        (
            401,
            json!({"error": "invalid_client", "error_description": "the API key is unknown or revoked"})
        )
    );

    let (status, body) = p
        .gql(None, r#"{ exercise(slug: "plank") { name } }"#, json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["exercise"]["name"], "Plank");
}

#[tokio::test]
async fn a_key_that_cannot_be_checked_is_a_503_and_other_callers_are_served() {
    // An exchange that is down: nothing listens on port 9.
    let served = router_with_dead_exchange("x-api-key").await;
    let url = format!("{}/graphql", served.url);
    let client = reqwest::Client::new();
    let post = |key: Option<&'static str>| {
        let mut request = client
            .post(&url)
            .header("accept", "application/graphql-response+json")
            .json(&json!({"query": "{ __typename }"}));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        request.send()
    };
    let refused = post(Some("tsk_anything"))
        .await
        .expect("the router answers");
    assert_eq!(refused.status(), 503);
    assert_eq!(
        refused.json::<Value>().await.expect("JSON"),
        json!({"errors": [{
            "message": "the API key cannot be checked now: the exchange is unreachable",
            "extensions": {"code": "SERVICE_UNAVAILABLE"},
        }]})
    );
    let served = post(None).await.expect("the router answers");
    assert_eq!(served.status(), 200);
    assert_eq!(
        served.json::<Value>().await.expect("JSON"),
        json!({"data": {"__typename": "Query"}})
    );
}

#[tokio::test]
async fn a_browser_may_send_the_api_key_header_across_origins() {
    let p = Platform::start(&["users"], true).await;
    let preflight = p
        .client
        .request(reqwest::Method::OPTIONS, &p.url)
        .header("origin", "https://partner.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, apollographql-client-name, apollographql-client-version, x-api-key",
        )
        .send()
        .await
        .expect("the router answers");
    assert_eq!(preflight.status(), 200);
    let headers = preflight.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://partner.example"
    );
    let allowed = headers["access-control-allow-headers"]
        .to_str()
        .expect("text")
        .to_ascii_lowercase();
    for name in [
        "content-type",
        "authorization",
        "apollographql-client-name",
        "apollographql-client-version",
        "x-api-key",
    ] {
        assert!(allowed.contains(name), "{name} in {allowed}");
    }
}

#[tokio::test]
async fn a_key_stops_working_when_its_owner_is_no_longer_a_partner_or_is_deleted() {
    // Each change is checked at the users subgraph's exchange and through the router,
    // which kept the key's earlier exchange and forgets it when the change goes
    // through it.
    let p = Platform::start(&["users"], true).await;
    let key = p.api_key("pat", "ci").await;
    assert_eq!(exchange(&p, &key).await.0, 200);
    let through_router = |expected: u16, message: Option<&'static str>| {
        let (p, key) = (&p, &key);
        async move {
            let (status, body) = with_key(p, &p.partner_url, key, "{ __typename }").await;
            assert_eq!(status, expected, "{body}");
            if let Some(message) = message {
                assert_eq!(
                    body,
                    json!({"errors": [{
                        "message": format!("the API key was refused: {message}"),
                        "extensions": {"code": "UNAUTHENTICATED"},
                    }]})
                );
            }
        }
    };
    through_router(200, None).await;

    let ada = p.token("ada").await;
    let pat_id = tessera_kit::demo::PARTNER_PAT.id.to_string();
    let roles = "mutation($id: ID!, $roles: [Role!]!) { setUserRoles(userId: $id, roles: $roles) { roles } }";
    let (_, body) = p
        .gql(
            Some(&ada),
            roles,
            json!({"id": pat_id, "roles": ["ATHLETE"]}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        exchange(&p, &key).await,
        (
            401,
            json!({"error": "invalid_client", "error_description": "the API key's owner is no longer a partner"})
        )
    );
    through_router(401, Some("the API key's owner is no longer a partner")).await;
    let (_, body) = p
        .gql(
            Some(&ada),
            roles,
            json!({"id": pat_id, "roles": ["PARTNER"]}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(exchange(&p, &key).await.0, 200);
    through_router(200, None).await;

    let pat = p.token("pat").await;
    let (_, body) = p
        .gql(Some(&pat), "mutation { deleteAccount { id } }", json!({}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        exchange(&p, &key).await,
        (
            401,
            json!({"error": "invalid_client", "error_description": "the API key is unknown or revoked"})
        )
    );
    through_router(401, Some("the API key is unknown or revoked")).await;
}

#[tokio::test]
async fn cors_allows_the_configured_api_key_header_whatever_its_name() {
    let served = router_with_dead_exchange("x-partner-key").await;
    let preflight = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", served.url))
        .header("origin", "https://partner.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, x-partner-key",
        )
        .send()
        .await
        .expect("the router answers");
    assert_eq!(preflight.status(), 200);
    let allowed = preflight.headers()["access-control-allow-headers"]
        .to_str()
        .expect("text")
        .to_ascii_lowercase();
    assert!(allowed.contains("x-partner-key"), "{allowed}");
    assert!(
        !allowed.contains("x-api-key"),
        "only the configured name: {allowed}"
    );
}

#[tokio::test]
async fn a_key_revoked_through_one_replica_stops_working_at_every_replica() {
    let Some(redis) = support::redis_url("API-key revocation across replicas") else {
        return;
    };
    // Replicas hear of each other's invalidations through Redis, caches on or off.
    let shared = common::sharing_redis(&redis, "api-keys");
    let mut p = Platform::start_with(&["users"], true, |o, _| shared(o)).await;
    let b = p.replica(shared).await;
    let key = p.api_key("pat", "replicated").await;
    // Replica B exchanges the key and keeps the answer.
    let (status, body) = with_key(&p, &b, &key, "{ __typename }").await;
    assert_eq!(status, 200, "{body}");

    let pat = p.token("pat").await;
    revoke_through_router(&p, &pat, "replicated").await;

    // Revoked through A: B forgets its kept exchange as soon as the message arrives.
    let seen = common::until_status(401, || with_key(&p, &b, &key, "{ __typename }")).await;
    assert_eq!(
        seen,
        (
            401,
            json!({"errors": [{
                "message": "the API key was refused: the API key is unknown or revoked",
                "extensions": {"code": "UNAUTHENTICATED"},
            }]})
        )
    );
}
