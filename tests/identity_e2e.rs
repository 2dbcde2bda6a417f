//! Identity through the router: demo people sign in at the users subgraph, the router
//! verifies their access tokens against the users JWKS and forwards a signed identity to
//! every subgraph, whose row rules then apply. Each refused credential is shown with the
//! exact error a client sees, and the router keeps serving after it.

mod common;
#[path = "../router/tests/support/mod.rs"]
mod support;

use std::time::Duration;

use chrono::Utc;
use common::{COOKIE, Platform};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};
use tessera_identity::Ed25519Key;
use tessera_kit::testing::error_codes;
use tessera_users::service::keys::KeyRing;

const ALL: &[&str] = &["users", "workouts", "notifications", "journal", "codex"];

/// What a client sees for an access token whose session was ended: 401 at once, not at
/// the token's expiry.
async fn assert_signed_out(p: &Platform, access_token: &str, case: &str) {
    let (status, body) = p
        .gql(Some(access_token), "{ me { handle } }", json!({}))
        .await;
    assert_eq!(status, 401, "{case}: {body}");
    assert_eq!(
        body,
        json!({ "errors": [{
            "message": "the session of this access token was signed out; sign in again",
            "extensions": { "code": "UNAUTHENTICATED" },
        }] }),
        "{case}"
    );
}

#[tokio::test]
async fn a_signed_in_athlete_reads_their_own_data_across_all_five_domains() {
    let p = Platform::start(ALL, true).await;
    let session = p.sign_in("alex").await;
    assert_eq!(session["tokenType"], "Bearer");
    assert_eq!(session["user"]["handle"], "alex");
    assert!(
        session["expiresIn"]
            .as_i64()
            .is_some_and(|s| (880..=900).contains(&s)),
        "{session}"
    );
    let token = session["accessToken"].as_str().expect("a token");

    let query = "{ me {
        handle email
        workouts(first: 2) { nodes { id } }
        journalEntries(first: 2) { nodes { id } }
        notifications(first: 2) { nodes { id } }
        unreadNotificationCount
        codexEntries(first: 2) { nodes { id } }
    } }";
    let (status, body) = p.gql(Some(token), query, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    let me = &body["data"]["me"];
    assert_eq!(me["handle"], "alex");
    assert_eq!(
        me["email"], "alex@demo.tessera.dev",
        "private fields to oneself"
    );
    for list in ["workouts", "journalEntries", "notifications"] {
        assert!(
            me[list]["nodes"].as_array().is_some_and(|n| !n.is_empty()),
            "{list} of the demo athlete: {me}"
        );
    }
    assert!(me["unreadNotificationCount"].is_number(), "{me}");

    // The same query anonymously: no `me`, and nothing private leaks.
    let (status, body) = p.gql(None, query, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["me"], Value::Null, "{body}");
}

#[tokio::test]
async fn a_failing_subgraph_costs_only_its_own_fields() {
    // Journal is down: what it adds to `me` is null with an error; what users,
    // workouts, notifications and codex answered stays.
    let p = Platform::start(&["users", "workouts", "notifications", "codex"], true).await;
    let token = p.token("alex").await;
    let query = "{ me {
        handle
        workouts(first: 1) { nodes { title } }
        journalEntries(first: 2) { nodes { id } }
        moodTrend(days: 7) { date }
        unreadNotificationCount
        codexEntries(first: 1) { nodes { id } }
    } }";
    let (status, body) = p.gql(Some(&token), query, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let me = &body["data"]["me"];
    assert_eq!(me["handle"], "alex", "{body}");
    assert!(me["workouts"]["nodes"].is_array(), "{body}");
    assert!(me["unreadNotificationCount"].is_i64(), "{body}");
    assert!(me["codexEntries"]["nodes"].is_array(), "{body}");
    assert_eq!(me["journalEntries"], Value::Null);
    assert_eq!(me["moodTrend"], Value::Null);
    let errors = body["errors"].as_array().expect("errors");
    assert!(!errors.is_empty(), "{body}");
    for error in errors {
        assert_eq!(
            error["extensions"]["code"], "SUBGRAPH_REQUEST_FAILED",
            "{body}"
        );
        assert_eq!(error["extensions"]["serviceName"], "journal", "{body}");
    }
}

#[tokio::test]
async fn row_rules_hold_through_the_router() {
    let p = Platform::start(&["users", "workouts", "journal"], true).await;
    let query =
        r#"{ userByHandle(handle: "alex") { handle workouts(first: 1) { nodes { id } } } }"#;

    // Carter coaches Alex; Kim does not.
    let carter = p.token("carter").await;
    let (_, body) = p.gql(Some(&carter), query, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(
        body["data"]["userByHandle"]["workouts"]["nodes"]
            .as_array()
            .is_some_and(|n| !n.is_empty()),
        "{body}"
    );

    let kim = p.token("kim").await;
    let (_, body) = p.gql(Some(&kim), query, json!({})).await;
    assert_eq!(
        error_codes(&body),
        [("workouts".to_owned(), "FORBIDDEN".to_owned())],
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["path"],
        json!(["userByHandle", "workouts"])
    );
    assert_eq!(body["errors"][0]["extensions"]["serviceName"], "workouts");
    assert!(
        body["errors"][0].get("locations").is_none(),
        "a subgraph's locations point into its own operation, not the client's: {body}"
    );

    // Alex's private journal: not even for the administrator without the support scope.
    let journal =
        r#"{ userByHandle(handle: "alex") { journalEntries(first: 5) { nodes { id } } } }"#;
    let ada = p.token("ada").await;
    let (_, body) = p.gql(Some(&ada), journal, json!({})).await;
    let shown = body["data"]["userByHandle"]["journalEntries"]["nodes"].clone();
    let alex = p.token("alex").await;
    let (_, own) = p.gql(Some(&alex), journal, json!({})).await;
    let own = own["data"]["userByHandle"]["journalEntries"]["nodes"].clone();
    assert!(own.as_array().is_some_and(|n| !n.is_empty()), "{own}");
    assert_ne!(
        shown, own,
        "an administrator without support scope sees less: {body}"
    );
}

#[tokio::test]
async fn a_coach_plans_for_their_athletes_only_and_a_removed_link_lapses_at_the_next_refresh() {
    let p = Platform::start(&["users", "workouts"], true).await;
    let session = p.sign_in("carter").await;
    let carter = session["accessToken"].as_str().expect("a token").to_owned();
    let handle_id = |handle: &str| {
        tessera_kit::demo::ALL
            .iter()
            .find(|u| u.handle == handle)
            .map(|u| u.id.to_string())
            .expect("a demo person")
    };
    let create = "mutation($i: CreateWorkoutPlanInput!) { createWorkoutPlan(input: $i) { id } }";
    let plan = json!({ "i": { "title": "Base", "weeks": 1, "sessions": [{ "week": 1, "day": 1, "exercises": [
        { "exerciseId": tessera_workouts::service::catalogue::id_of("deadlift").to_string(), "sets": 3, "reps": 5 }
    ] }] } });
    let new_plan = |token: String| {
        let p = &p;
        let plan = plan.clone();
        async move {
            let (_, body) = p.gql(Some(&token), create, plan).await;
            body["data"]["createWorkoutPlan"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("a plan: {body}"))
                .to_owned()
        }
    };
    let assign = "mutation($p: ID!, $a: ID!) { assignWorkoutPlan(planId: $p, athleteId: $a, startsAt: \"2026-12-07T07:00:00Z\") { athlete { handle } } }";

    // Carter coaches Alex (users says so): the plan lands, and the router joins the
    // athlete's handle from users.
    let plan_id = new_plan(carter.clone()).await;
    let (_, body) = p
        .gql(
            Some(&carter),
            assign,
            json!({ "p": plan_id, "a": handle_id("alex") }),
        )
        .await;
    assert_eq!(
        body,
        json!({ "data": { "assignWorkoutPlan": { "athlete": { "handle": "alex" } } } })
    );

    // Casey is Kim's athlete: refused by workouts, nothing written.
    let (_, body) = p
        .gql(
            Some(&carter),
            assign,
            json!({ "p": plan_id, "a": handle_id("casey") }),
        )
        .await;
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "you may plan only for athletes you coach"
    );
    assert_eq!(body["errors"][0]["path"], json!(["assignWorkoutPlan"]));
    assert_eq!(
        body["errors"][0]["extensions"],
        json!({ "code": "FORBIDDEN", "serviceName": "workouts" })
    );
    let kim = p.token("kim").await;
    let (_, body) = p
        .gql(
            Some(&kim),
            r#"{ userByHandle(handle: "casey") { planAssignments { nodes { plan { title } } } } }"#,
            json!({}),
        )
        .await;
    assert!(
        !body.to_string().contains("\"Base\""),
        "no plan of Carter's reached Casey: {body}"
    );

    // Users removes the link to Alex. The access token Carter holds still names Alex
    // until it expires (minutes); the one his next refresh gets does not.
    let users = &p.dbs["users"].db;
    let unlinked = tessera_users::service::coaching::unlink(
        users,
        tessera_kit::demo::COACH_CARTER.id,
        tessera_kit::demo::ATHLETE_ALEX.id,
        Utc::now(),
    )
    .await
    .expect("unlinked");
    assert!(unlinked);
    let (_, body) = p
        .gql(
            None,
            "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }",
            json!({ "t": session["refreshToken"] }),
        )
        .await;
    let refreshed = body["data"]["refreshSession"]["accessToken"]
        .as_str()
        .expect("a refreshed token")
        .to_owned();
    let second_plan = new_plan(refreshed.clone()).await;
    let (_, body) = p
        .gql(
            Some(&refreshed),
            assign,
            json!({ "p": second_plan, "a": handle_id("alex") }),
        )
        .await;
    assert_eq!(
        error_codes(&body),
        [("assignWorkoutPlan".to_owned(), "FORBIDDEN".to_owned())],
        "{body}"
    );
    let (_, body) = p
        .gql(
            Some(&refreshed),
            r#"{ userByHandle(handle: "alex") { workouts(first: 1) { nodes { id } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        error_codes(&body),
        [("workouts".to_owned(), "FORBIDDEN".to_owned())],
        "the plan he assigned grants him nothing: {body}"
    );
}

#[tokio::test]
async fn refused_credentials_get_exact_errors_and_the_router_keeps_serving() {
    let p = Platform::start(&["users"], true).await;
    let users_db = p.dbs["users"].db.clone();
    let keys = KeyRing::new(
        users_db,
        chrono::Duration::days(30),
        chrono::Duration::minutes(15),
        common::users_kek(),
    );
    let key = keys
        .signing_key(Utc::now())
        .await
        .expect("the users signing key");
    let now = Utc::now().timestamp();
    let sign = |claims: Value, key: &Ed25519Key| {
        let mut header = Header::new(Ed25519Key::ALGORITHM);
        header.kid = Some(key.kid().to_owned());
        jsonwebtoken::encode(&header, &claims, &key.encoding_key()).expect("signs")
    };
    let claims = |exp: i64, nbf: i64, iss: &str, aud: &str| {
        json!({ "sub": "01930000-0000-7000-8000-000000000001", "roles": ["admin"],
                "exp": exp, "nbf": nbf, "iss": iss, "aud": aud })
    };
    let without = |mut claims: Value, claim: &str| {
        claims
            .as_object_mut()
            .expect("claims are an object")
            .remove(claim);
        claims
    };
    let stranger = Ed25519Key::from_seed(key.kid(), &[9; 32]);
    let hs256 = jsonwebtoken::encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        &claims(now + 600, now, "tessera-users", "tessera"),
        &EncodingKey::from_secret(key.public_base64().as_bytes()),
    )
    .expect("signs");
    let unknown_kid = {
        let mut header = Header::new(Ed25519Key::ALGORITHM);
        header.kid = Some("no-such-key".to_owned());
        jsonwebtoken::encode(
            &header,
            &claims(now + 600, now, "tessera-users", "tessera"),
            &stranger.encoding_key(),
        )
        .expect("signs")
    };
    // A real token with its payload swapped for one that claims the admin role.
    let tampered = {
        let real = p.token("blair").await;
        let mut parts: Vec<&str> = real.split('.').collect();
        let forged_payload = sign(
            claims(now + 600, now, "tessera-users", "tessera"),
            &stranger,
        );
        parts[1] = forged_payload.split('.').nth(1).expect("a payload");
        parts.join(".")
    };
    let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIwMTkzMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDEiLCJleHAiOjQxMDI0NDQ4MDAsImlzcyI6InRlc3NlcmEtdXNlcnMiLCJhdWQiOiJ0ZXNzZXJhIiwicm9sZXMiOlsiYWRtaW4iXX0.";
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "not bearer",
            "Basic YWRhOnB3".into(),
            "the Authorization header must be `Bearer <token>`",
        ),
        (
            "empty bearer",
            "Bearer ".into(),
            "the Authorization header must be `Bearer <token>`",
        ),
        (
            "garbage",
            "Bearer abc.def".into(),
            "the access token is invalid: ",
        ),
        (
            "expired",
            format!(
                "Bearer {}",
                sign(
                    claims(now - 120, now - 900, "tessera-users", "tessera"),
                    &key
                )
            ),
            "the access token has expired",
        ),
        (
            "not yet valid",
            format!(
                "Bearer {}",
                sign(
                    claims(now + 900, now + 600, "tessera-users", "tessera"),
                    &key
                )
            ),
            "the access token is not valid yet",
        ),
        (
            "wrong issuer",
            format!(
                "Bearer {}",
                sign(claims(now + 600, now, "someone-else", "tessera"), &key)
            ),
            "the access token was issued by or for someone else (iss)",
        ),
        (
            "wrong audience",
            format!(
                "Bearer {}",
                sign(claims(now + 600, now, "tessera-users", "other-api"), &key)
            ),
            "the access token was issued by or for someone else (aud)",
        ),
        (
            "no audience",
            format!(
                "Bearer {}",
                sign(
                    without(claims(now + 600, now, "tessera-users", "tessera"), "aud"),
                    &key
                )
            ),
            "the access token has no `aud` claim, which this router requires",
        ),
        (
            "no issuer",
            format!(
                "Bearer {}",
                sign(
                    without(claims(now + 600, now, "tessera-users", "tessera"), "iss"),
                    &key
                )
            ),
            "the access token has no `iss` claim, which this router requires",
        ),
        (
            "forged with another key",
            format!(
                "Bearer {}",
                sign(
                    claims(now + 600, now, "tessera-users", "tessera"),
                    &stranger
                )
            ),
            "the access token is invalid: InvalidSignature",
        ),
        (
            "HS256 with the public key as secret",
            format!("Bearer {hs256}"),
            "the access token's algorithm HS256 is not accepted",
        ),
        (
            "alg none",
            format!("Bearer {none}"),
            "the access token is invalid: ",
        ),
        (
            "unknown kid",
            format!("Bearer {unknown_kid}"),
            "the access token was signed with an unknown key",
        ),
        (
            "tampered payload",
            format!("Bearer {tampered}"),
            "the access token is invalid: InvalidSignature",
        ),
    ];
    for (case, authorization, message) in cases {
        let response = p
            .client
            .post(&p.url)
            .header("authorization", authorization)
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": "{ me { handle } }" }))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 401, "{case}");
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\"",
            "{case}"
        );
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{case}"
        );
        let got = body["errors"][0]["message"].as_str().expect("a message");
        assert!(got.starts_with(message), "{case}: {got}");
        assert!(
            body.get("data").is_none(),
            "{case}: no data for a refused request"
        );
    }
    // Still serving: a good token, and no token at all.
    let token = p.token("alex").await;
    let (status, body) = p.gql(Some(&token), "{ me { handle } }", json!({})).await;
    assert_eq!(
        (status, body),
        (200, json!({ "data": { "me": { "handle": "alex" } } }))
    );
    let (status, body) = p.gql(None, "{ me { handle } }", json!({})).await;
    assert_eq!((status, body), (200, json!({ "data": { "me": null } })));
}

#[tokio::test]
async fn the_web_app_sends_the_token_in_a_cookie() {
    let p = Platform::start(&["users"], true).await;
    let token = p.token("blair").await;
    let body: Value = p
        .client
        .post(&p.url)
        .header("cookie", format!("theme=dark; {COOKIE}={token}"))
        .json(&json!({ "query": "{ me { handle } }" }))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    assert_eq!(body, json!({ "data": { "me": { "handle": "blair" } } }));
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_signs_the_session_out() {
    let p = Platform::start(&["users"], true).await;
    let refresh =
        "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken } }";
    let first = p.sign_in("casey").await;
    let first_refresh = first["refreshToken"]
        .as_str()
        .expect("a refresh token")
        .to_owned();

    let (_, body) = p.gql(None, refresh, json!({ "t": first_refresh })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let second = body["data"]["refreshSession"].clone();
    let second_refresh = second["refreshToken"].as_str().expect("rotated").to_owned();
    assert_ne!(second_refresh, first_refresh);
    let (_, me) = p
        .gql(
            second["accessToken"].as_str(),
            "{ me { handle } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["me"]["handle"], "casey");

    // The spent token again: someone copied it. The whole session ends.
    let (status, body) = p.gql(None, refresh, json!({ "t": first_refresh })).await;
    assert_eq!(status, 200, "a resolver error, not a request error");
    assert_eq!(
        body["errors"][0]["message"],
        "this refresh token was already used, so it may have been copied: the session is signed out everywhere it was used; sign in again"
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(body["errors"][0]["extensions"]["serviceName"], "users");
    let (_, body) = p.gql(None, refresh, json!({ "t": second_refresh })).await;
    assert_eq!(
        body["errors"][0]["message"], "this session was signed out; sign in again",
        "the successor dies with its family"
    );
    // And so do the access tokens of the family, at once.
    for access in [&first["accessToken"], &second["accessToken"]] {
        let access = access.as_str().expect("an access token");
        assert_signed_out(&p, access, "a reused refresh token").await;
    }
    let other = p.token("casey").await;
    let (_, me) = p.gql(Some(&other), "{ me { handle } }", json!({})).await;
    assert_eq!(
        me["data"]["me"]["handle"], "casey",
        "another session lives on"
    );

    // Sign-out ends a session; unknown tokens are not an error.
    let session = p.sign_in("casey").await;
    let token = session["refreshToken"].as_str().expect("a refresh token");
    let sign_out = "mutation($t: String!) { signOut(refreshToken: $t) }";
    let (_, body) = p.gql(None, sign_out, json!({ "t": token })).await;
    assert_eq!(body, json!({ "data": { "signOut": true } }));
    let access = session["accessToken"].as_str().expect("an access token");
    assert_signed_out(&p, access, "signed out").await;
    let (_, body) = p.gql(None, sign_out, json!({ "t": token })).await;
    assert_eq!(body, json!({ "data": { "signOut": false } }), "already");
    let (_, body) = p.gql(None, sign_out, json!({ "t": "nope" })).await;
    assert_eq!(body, json!({ "data": { "signOut": false } }));
    let (_, body) = p.gql(None, refresh, json!({ "t": token })).await;
    assert_eq!(
        body["errors"][0]["message"],
        "this session was signed out; sign in again"
    );

    // A wrong password, and a support scope asked by a non-administrator.
    let sign_in = "mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }";
    let (_, body) = p
        .gql(
            None,
            sign_in,
            json!({ "i": { "email": "casey@demo.tessera.dev", "password": "wrong password" } }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "the email or password is wrong"
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let (_, body) = p
        .gql(None, sign_in, json!({ "i": { "email": "casey@demo.tessera.dev", "password": "tessera-demo", "scopes": ["SUPPORT"] } }))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

#[tokio::test]
async fn rotated_keys_keep_old_tokens_valid_and_new_ones_are_fetched() {
    let p = Platform::start(&["users"], true).await;
    let old = p.token("drew").await;
    let (_, body) = p.gql(Some(&old), "{ me { handle } }", json!({})).await;
    assert_eq!(body["data"]["me"]["handle"], "drew", "{body}");

    // Rotate: a ring whose keys are due at once makes a new key and retires the old.
    let users_db = p.dbs["users"].db.clone();
    let rotating = KeyRing::new(
        users_db,
        chrono::Duration::zero(),
        chrono::Duration::minutes(15),
        common::users_kek(),
    );
    let new_key = rotating.signing_key(Utc::now()).await.expect("rotates");
    let jwks: Value = p
        .client
        .get(format!(
            "{}/.well-known/jwks.json",
            p.users.as_deref().expect("users runs")
        ))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["kid"].as_str().expect("kid"))
        .collect();
    assert_eq!(kids.len(), 2, "the retired key stays published: {jwks}");
    assert!(kids.contains(&new_key.kid()));

    // A token signed with the new key: the router has not seen its kid and refetches.
    let mut header = Header::new(Ed25519Key::ALGORITHM);
    header.kid = Some(new_key.kid().to_owned());
    let now = Utc::now().timestamp();
    let fresh = jsonwebtoken::encode(
        &header,
        &json!({ "sub": "01930000-0000-7000-8000-000000000007", "exp": now + 600, "iss": "tessera-users", "aud": "tessera", "roles": ["athlete"] }),
        &new_key.encoding_key(),
    )
    .expect("signs");
    tokio::time::sleep(Duration::from_millis(10)).await;
    for token in [&old, &fresh] {
        let (status, body) = p.gql(Some(token), "{ me { handle } }", json!({})).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["me"]["handle"], "drew", "{body}");
    }
}

#[tokio::test]
async fn subgraphs_refuse_requests_that_did_not_come_through_the_router() {
    let p = Platform::start(&["users"], true).await;
    let users = p.users.as_deref().expect("users runs");
    let response = p
        .client
        .post(format!("{users}/graphql"))
        .json(&json!({ "query": "{ users(first: 1) { nodes { email } } }" }))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body,
        json!({ "data": null, "errors": [{
            "message": "the request carries no router identity token (header `x-tessera-identity`); subgraphs answer only the router",
            "extensions": { "code": "UNAUTHENTICATED" }
        }]})
    );
    let health = p
        .client
        .get(format!("{users}/health/ready"))
        .send()
        .await
        .expect("answers");
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn what_the_caller_may_not_see_is_null_with_an_error_each() {
    let p = Platform::start(&["users", "workouts"], true).await;

    // @authenticated: anonymous callers get null for the email, and the subgraph is
    // never asked for it (no FORBIDDEN from users).
    let query = r#"query($show: Boolean!) { userByHandle(handle: "alex") { ...F } }
                   fragment F on User { handle email @include(if: $show) }"#;
    let (status, body) = p.gql(None, query, json!({ "show": true })).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({
            "errors": [{
                "message": "`User.email` needs a signed-in caller",
                "path": ["userByHandle", "email"],
                "extensions": { "code": "UNAUTHORIZED_FIELD_OR_TYPE" }
            }],
            "data": { "userByHandle": { "handle": "alex", "email": null } }
        })
    );
    let alex = p.token("alex").await;
    let (_, body) = p.gql(Some(&alex), query, json!({ "show": true })).await;
    assert_eq!(
        body,
        json!({ "data": { "userByHandle": { "handle": "alex", "email": "alex@demo.tessera.dev" } } })
    );

    // @policy(premium): Blair is on the free plan. `progress` (workouts adds it to the
    // users subgraph's `User`) is nullable, so only it is null, with the error.
    let stats = "{ me { handle progress { adherenceRate } } }";
    let blair = p.token("blair").await;
    let (_, body) = p.gql(Some(&blair), stats, json!({})).await;
    assert_eq!(
        body,
        json!({
            "errors": [{
                "message": "`User.progress` needs policy premium",
                "path": ["me", "progress"],
                "extensions": { "code": "UNAUTHORIZED_FIELD_OR_TYPE" }
            }],
            "data": { "me": { "handle": "blair", "progress": null } }
        })
    );
    let (_, body) = p.gql(Some(&alex), stats, json!({})).await;
    assert!(
        body.get("errors").is_none(),
        "premium Alex sees their stats: {body}"
    );
    assert!(
        body["data"]["me"]["progress"]["adherenceRate"].is_number(),
        "{body}"
    );

    // @requiresScopes(plans:write): coaches carry it by role, athletes do not.
    let create = "mutation($i: CreateWorkoutPlanInput!) { createWorkoutPlan(input: $i) { title } }";
    let input = json!({ "i": { "title": "Base", "weeks": 4, "sessions": [
        { "week": 1, "day": 1, "exercises": [{ "exerciseId": tessera_workouts::service::catalogue::id_of("deadlift").to_string(), "sets": 3, "reps": 5 }] }
    ] } });
    let (_, body) = p.gql(Some(&alex), create, input.clone()).await;
    assert_eq!(
        body,
        json!({
            "errors": [{
                "message": "`Mutation.createWorkoutPlan` needs scope plans:write",
                "path": ["createWorkoutPlan"],
                "extensions": { "code": "UNAUTHORIZED_FIELD_OR_TYPE" }
            }],
            "data": null
        })
    );
    let carter = p.token("carter").await;
    let (_, body) = p.gql(Some(&carter), create, input).await;
    assert_eq!(
        body,
        json!({ "data": { "createWorkoutPlan": { "title": "Base" } } })
    );
}

#[tokio::test]
async fn aliases_and_entities_do_not_reach_around_the_directives() {
    let p = Platform::start(&["users"], true).await;
    let (_, body) = p
        .gql(
            None,
            r#"{ a: userByHandle(handle: "alex") { mail: email h: handle } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        body,
        json!({
            "errors": [{
                "message": "`User.email` needs a signed-in caller",
                "path": ["a", "mail"],
                "extensions": { "code": "UNAUTHORIZED_FIELD_OR_TYPE" }
            }],
            "data": { "a": { "mail": null, "h": "alex" } }
        })
    );
    // The federation machinery is not part of the API the router serves.
    let (status, body) = p
        .gql(
            None,
            r#"{ _entities(representations: [{ __typename: "User", id: "01930000-0000-7000-8000-000000000004" }]) { ... on User { email } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(
        body["errors"][0]["message"],
        "type `Query` does not have a field `_entities`"
    );
}

#[tokio::test]
async fn reject_mode_refuses_the_whole_operation() {
    let p = Platform::start_with(&["users"], true, |router, _| {
        router.reject_unauthorized = true
    })
    .await;
    let response = p
        .client
        .post(&p.url)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": r#"{ userByHandle(handle: "alex") { handle email } }"# }))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body,
        json!({ "errors": [{
            "message": "the operation selects what the caller may not see: `User.email` (at userByHandle.email) needs a signed-in caller",
            "extensions": { "code": "UNAUTHORIZED_FIELD_OR_TYPE" }
        }]})
    );
    let (status, body) = p
        .gql(
            None,
            r#"{ userByHandle(handle: "alex") { handle } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({ "data": { "userByHandle": { "handle": "alex" } } })
        )
    );
}

#[tokio::test]
async fn in_production_only_the_configured_roles_introspect() {
    let p = Platform::start_with(&["users"], true, |router, _| {
        router.limits.introspection_roles = Some(vec!["admin".to_owned(), "partner".to_owned()]);
    })
    .await;
    let query = r#"{ __type(name: "User") { fields { name } } }"#;
    for who in [None, Some("alex")] {
        let token = match who {
            Some(handle) => Some(p.token(handle).await),
            None => None,
        };
        let (_, body) = p.gql(token.as_deref(), query, json!({})).await;
        assert_eq!(
            body,
            json!({ "errors": [{ "message": "introspection is not available to this caller", "extensions": { "code": "INTROSPECTION_DISABLED" } }] }),
            "{who:?}"
        );
    }
    for handle in ["ada", "pat"] {
        let token = p.token(handle).await;
        let (_, body) = p.gql(Some(&token), query, json!({})).await;
        assert!(
            body["data"]["__type"]["fields"].is_array(),
            "{handle}: {body}"
        );
    }
    // __typename is not introspection.
    let (_, body) = p.gql(None, "{ __typename }", json!({})).await;
    assert_eq!(body, json!({ "data": { "__typename": "Query" } }));
}

#[tokio::test]
async fn only_administrators_reach_the_admin_mutation() {
    let p = Platform::start(&["users"], true).await;
    let set = r#"mutation { setUserRoles(userId: "01930000-0000-7000-8000-000000000007", roles: [ATHLETE, COACH]) { handle roles } }"#;
    let drew = p.token("drew").await;
    let (_, body) = p.gql(Some(&drew), set, json!({})).await;
    assert_eq!(
        body,
        json!({
            "errors": [{
                "message": "`Mutation.setUserRoles` needs scope users:admin",
                "path": ["setUserRoles"],
                "extensions": { "code": "UNAUTHORIZED_FIELD_OR_TYPE" }
            }],
            "data": null
        })
    );
    let ada = p.token("ada").await;
    let (_, body) = p.gql(Some(&ada), set, json!({})).await;
    assert_eq!(
        body,
        json!({ "data": { "setUserRoles": { "handle": "drew", "roles": ["ATHLETE", "COACH"] } } })
    );
}

#[tokio::test]
async fn password_changes_sign_out_everywhere_and_deletion_end_every_session() {
    let p = Platform::start(&["users"], true).await;
    let refresh = "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }";
    let signed_out = "this session was signed out; sign in again";

    // A wrong current password names its field; the right one ends every other session.
    let first = p.sign_in("blair").await;
    let second = p.sign_in("blair").await;
    let token = second["accessToken"].as_str().expect("a token").to_owned();
    let change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
    let (_, body) = p
        .gql(
            Some(&token),
            change,
            json!({ "c": "not it at all", "n": "a brand new secret" }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "the current password is wrong"
    );
    assert_eq!(
        body["errors"][0]["extensions"],
        json!({ "code": "BAD_USER_INPUT", "field": "currentPassword", "serviceName": "users" })
    );
    let (_, body) = p
        .gql(
            Some(&token),
            change,
            json!({ "c": "tessera-demo", "n": "a brand new secret" }),
        )
        .await;
    assert_eq!(body, json!({ "data": { "changePassword": true } }));
    for session in [&first, &second] {
        let (_, body) = p
            .gql(None, refresh, json!({ "t": session["refreshToken"] }))
            .await;
        assert_eq!(body["errors"][0]["message"], signed_out);
        let access = session["accessToken"].as_str().expect("an access token");
        assert_signed_out(&p, access, "a changed password").await;
    }
    let sign_in = "mutation($i: SignInInput!) { signIn(input: $i) { refreshToken } }";
    let (_, body) = p
        .gql(
            None,
            sign_in,
            json!({ "i": { "email": "blair@demo.tessera.dev", "password": "tessera-demo" } }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "the email or password is wrong"
    );
    let (_, body) = p
        .gql(
            None,
            sign_in,
            json!({ "i": { "email": "blair@demo.tessera.dev", "password": "a brand new secret" } }),
        )
        .await;
    let third = body["data"]["signIn"]["refreshToken"].clone();
    assert!(third.is_string(), "{body}");

    // Sign-out everywhere counts what it revoked.
    let fourth = p.sign_in("casey").await;
    let fifth = p.sign_in("casey").await;
    let casey = fifth["accessToken"].as_str().expect("a token");
    let (_, body) = p
        .gql(Some(casey), "mutation { signOutEverywhere }", json!({}))
        .await;
    assert_eq!(body, json!({ "data": { "signOutEverywhere": 2 } }));
    let (_, body) = p
        .gql(None, refresh, json!({ "t": fourth["refreshToken"] }))
        .await;
    assert_eq!(body["errors"][0]["message"], signed_out);
    for session in [&fourth, &fifth] {
        let access = session["accessToken"].as_str().expect("an access token");
        assert_signed_out(&p, access, "signed out everywhere").await;
    }

    // Deleting the account ends its sessions too.
    let drew = p.sign_in("drew").await;
    let access = drew["accessToken"].as_str().expect("a token");
    let (_, body) = p
        .gql(Some(access), "mutation { deleteAccount { id } }", json!({}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let (_, body) = p
        .gql(None, refresh, json!({ "t": drew["refreshToken"] }))
        .await;
    assert_eq!(body["errors"][0]["message"], signed_out);
    assert_signed_out(&p, access, "a deleted account").await;
}

#[tokio::test]
async fn a_session_signed_out_through_one_replica_is_refused_at_every_replica() {
    let Some(redis) = support::redis_url("session revocation across replicas") else {
        return;
    };
    let shared = common::sharing_redis(&redis, "sessions");
    let mut p = Platform::start_with(&["users"], true, |o, _| shared(o)).await;
    let b = p.replica(shared).await;
    let session = p.sign_in("casey").await;
    let access = session["accessToken"].as_str().expect("an access token");
    let (status, body) = p
        .gql_at(&b, Some(access), "{ me { handle } }", json!({}))
        .await;
    assert_eq!(
        (status, &body["data"]["me"]["handle"]),
        (200, &json!("casey"))
    );

    let (_, body) = p
        .gql(
            None,
            "mutation($t: String!) { signOut(refreshToken: $t) }",
            json!({ "t": session["refreshToken"] }),
        )
        .await;
    assert_eq!(body, json!({ "data": { "signOut": true } }));
    assert_signed_out(&p, access, "the replica that signed it out").await;
    // Replica B remembered the verified token; the message reaches it through Redis.
    let seen = common::until_status(401, || {
        p.gql_at(&b, Some(access), "{ me { handle } }", json!({}))
    })
    .await;
    assert_eq!(
        seen,
        (
            401,
            json!({ "errors": [{
                "message": "the session of this access token was signed out; sign in again",
                "extensions": { "code": "UNAUTHENTICATED" },
            }] })
        )
    );
}
