//! The users subgraph over real HTTP: entity batches, the exact errors clients see,
//! pagination, deletion and export through GraphQL.

mod common;

use base64::Engine as _;
use common::*;
use serde_json::{Value, json};
use tessera_kit::testing::{error_codes, first_error};
use tessera_users::service::{coaching, sessions};

/// The claims of a JWT, unverified (the router's tests verify signatures).
fn claims(token: &Value) -> Value {
    let payload = token
        .as_str()
        .and_then(|t| t.split('.').nth(1))
        .expect("a JWT");
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&json).expect("JSON claims")
}

#[tokio::test]
async fn a_coachs_access_token_names_their_athletes_until_a_link_is_removed() {
    let t = db().await;
    let carter = coach(&t.db, "carter").await;
    let alex = athlete(&t.db, "alex").await;
    let blair = athlete(&t.db, "blair").await;
    let casey = athlete(&t.db, "casey").await;
    coaching::link(&t.db, carter.id, blair.id, t0())
        .await
        .expect("linked");
    coaching::link(
        &t.db,
        carter.id,
        alex.id,
        t0() + chrono::Duration::seconds(1),
    )
    .await
    .expect("linked");
    for who in [&carter, &alex] {
        sessions::set_password(&t.db, who.id, "long enough pw", "password", t0())
            .await
            .expect("password set");
    }
    let served = serve(&t.db).await;
    let sign_in = "mutation($i: SignInInput!) { signIn(input: $i) { accessToken refreshToken } }";
    let as_ = |handle: &str| json!({ "i": { "email": format!("{handle}@example.com"), "password": "long enough pw" } });

    let session = served.gql(None, sign_in, as_("carter")).await;
    let first = &session["data"]["signIn"];
    let token = claims(&first["accessToken"]);
    assert_eq!(token["roles"], json!(["coach"]));
    assert_eq!(
        token["athletes"],
        json!([blair.id.to_string(), alex.id.to_string()]),
        "oldest link first; Casey is nobody's"
    );
    assert!(
        !token["athletes"]
            .to_string()
            .contains(&casey.id.to_string())
    );
    // An athlete's token has no roster at all.
    let session = served.gql(None, sign_in, as_("alex")).await;
    let athlete_token = claims(&session["data"]["signIn"]["accessToken"]);
    assert_eq!(athlete_token["sub"], alex.id.to_string());
    assert_eq!(athlete_token.get("athletes"), None, "{athlete_token}");

    // Users removes the link: the next refreshed token no longer carries Blair.
    assert!(
        coaching::unlink(&t.db, carter.id, blair.id, chrono::Utc::now())
            .await
            .expect("unlinked")
    );
    let refresh = "mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }";
    let refreshed = served
        .gql(None, refresh, json!({ "t": first["refreshToken"] }))
        .await;
    let token = claims(&refreshed["data"]["refreshSession"]["accessToken"]);
    assert_eq!(token["athletes"], json!([alex.id.to_string()]));
    // (The token issued before keeps naming Blair until it expires: at most one
    // access-token lifetime, 15 minutes by default.)
    assert_eq!(
        claims(&first["accessToken"])["athletes"][0],
        blair.id.to_string()
    );

    // The last link gone: no claim at all.
    coaching::unlink(&t.db, carter.id, alex.id, chrono::Utc::now())
        .await
        .expect("unlinked");
    let session = served.gql(None, sign_in, as_("carter")).await;
    let token = claims(&session["data"]["signIn"]["accessToken"]);
    assert_eq!(token.get("athletes"), None, "{token}");
}

#[tokio::test]
async fn a_batch_of_50_entities_costs_one_statement() {
    let t = db().await;
    let mut ids = Vec::new();
    for i in 0..50 {
        ids.push(athlete(&t.db, &format!("athlete{i:02}")).await.id);
    }
    let served = serve(&t.db).await;
    let representations: Vec<_> = ids
        .iter()
        .map(|id| json!({ "__typename": "User", "id": id.to_string() }))
        .collect();
    t.reset_statements();
    let body = served
        .gql(
            None,
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id handle displayName timezone } } }",
            json!({ "r": representations }),
        )
        .await;
    assert_eq!(
        t.statements(),
        1,
        "one SELECT … WHERE id IN (…) for 50 representations"
    );
    let entities = body["data"]["_entities"].as_array().expect("a list");
    assert_eq!(entities.len(), 50);
    for (entity, id) in entities.iter().zip(&ids) {
        assert_eq!(
            entity["id"],
            id.to_string(),
            "order follows the representations"
        );
    }
    assert_eq!(entities[7]["handle"], "athlete07");
}

#[tokio::test]
async fn unknown_and_malformed_keys_resolve_to_null() {
    let t = db().await;
    let alex = athlete(&t.db, "alex").await;
    let served = serve(&t.db).await;
    let body = served
        .gql(
            None,
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { handle } } }",
            json!({ "r": [
                { "__typename": "User", "id": alex.id.to_string() },
                { "__typename": "User", "id": uuid::Uuid::now_v7().to_string() },
                { "__typename": "User", "id": "not-a-uuid" },
            ]}),
        )
        .await;
    assert_eq!(
        body["data"]["_entities"],
        json!([{ "handle": "alex" }, null, null])
    );
}

#[tokio::test]
async fn invalid_input_answers_bad_user_input_with_the_field_and_the_process_keeps_serving() {
    let t = db().await;
    let served = serve(&t.db).await;
    let sign_up = "mutation($i: SignUpInput!) { signUp(input: $i) { handle roles } }";
    let body = served
        .gql(
            None,
            sign_up,
            json!({ "i": { "handle": "ok_handle", "displayName": "Ok", "email": "not-an-email", "password": "long enough pw" } }),
        )
        .await;
    assert_eq!(body["data"], Value::Null);
    assert_eq!(
        body["errors"][0]["message"],
        "`not-an-email` is not an email address"
    );
    assert_eq!(body["errors"][0]["path"], json!(["signUp"]));
    assert_eq!(
        first_error(&body),
        &json!({ "code": "BAD_USER_INPUT", "field": "email" })
    );

    let body = served
        .gql(
            None,
            sign_up,
            json!({ "i": { "handle": "ok_handle", "displayName": "Ok", "email": "ok@example.com", "role": "ADMIN", "password": "long enough pw" } }),
        )
        .await;
    assert_eq!(
        first_error(&body),
        &json!({ "code": "BAD_USER_INPUT", "field": "role" })
    );

    let body = served
        .gql(
            None,
            sign_up,
            json!({ "i": { "handle": "ok_handle", "displayName": "Ok", "email": "ok@example.com", "password": "short" } }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "a password needs at least 10 characters"
    );
    assert_eq!(
        first_error(&body),
        &json!({ "code": "BAD_USER_INPUT", "field": "password" })
    );

    let body = served
        .gql(
            None,
            sign_up,
            json!({ "i": { "handle": "ok_handle", "displayName": "Ok", "email": "ok@example.com", "password": "long enough pw" } }),
        )
        .await;
    assert_eq!(
        body["data"]["signUp"],
        json!({ "handle": "ok_handle", "roles": ["ATHLETE"] })
    );
    // The new account signs in with its password, and only with it.
    let sign_in = "mutation($i: SignInInput!) { signIn(input: $i) { tokenType user { handle } } }";
    let body = served
        .gql(
            None,
            sign_in,
            json!({ "i": { "email": "OK@example.com", "password": "long enough pw" } }),
        )
        .await;
    assert_eq!(
        body["data"]["signIn"],
        json!({ "tokenType": "Bearer", "user": { "handle": "ok_handle" } })
    );
    let body = served
        .gql(
            None,
            sign_in,
            json!({ "i": { "email": "ok@example.com", "password": "long enough pX" } }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "the email or password is wrong"
    );
    assert_eq!(first_error(&body), &json!({ "code": "UNAUTHENTICATED" }));
}

#[tokio::test]
async fn malformed_requests_get_clear_errors() {
    let t = db().await;
    let served = serve(&t.db).await;
    let url = format!("{}/graphql", served.url);

    let response = served
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 400);

    let response = served
        .client
        .post(&url)
        .header("x-tessera-user-id", "forged")
        .json(&json!({ "query": "{ me { handle } }" }))
        .send()
        .await
        .expect("answers");
    let body: Value = response.json().await.expect("json");
    assert_eq!(first_error(&body)["code"], "UNAUTHENTICATED");

    let body = served.gql(None, "{ me { handle ", json!({})).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("expected")
    );

    let body = served
        .gql(None, "{ users { edges { cursor } } }", json!({}))
        .await;
    assert_eq!(first_error(&body)["code"], "UNAUTHENTICATED");

    // Still serving.
    let live = served
        .client
        .get(format!("{}/health/ready", served.url))
        .send()
        .await
        .expect("answers");
    assert_eq!(live.status(), 200);
}

#[tokio::test]
async fn page_sizes_and_cursors_are_checked_over_http() {
    let t = db().await;
    let alex = athlete(&t.db, "alex").await;
    for i in 0..4 {
        athlete(&t.db, &format!("athlete{i}")).await;
    }
    let served = serve(&t.db).await;
    let query = "query($first: Int, $after: String) { users(first: $first, after: $after) { edges { node { handle } } pageInfo { hasNextPage hasPreviousPage endCursor } } }";

    let body = served
        .gql(Some(&alex.viewer()), query, json!({ "first": 101 }))
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "`first` must be at most 100 (got 101)"
    );
    assert_eq!(
        first_error(&body),
        &json!({ "code": "BAD_USER_INPUT", "field": "first" })
    );

    let body = served
        .gql(
            Some(&alex.viewer()),
            query,
            json!({ "first": 2, "after": "garbage" }),
        )
        .await;
    assert_eq!(
        first_error(&body),
        &json!({ "code": "BAD_USER_INPUT", "field": "after" })
    );

    let first = served
        .gql(Some(&alex.viewer()), query, json!({ "first": 3 }))
        .await;
    let users = &first["data"]["users"];
    assert_eq!(users["pageInfo"]["hasNextPage"], true);
    assert_eq!(users["pageInfo"]["hasPreviousPage"], false);
    let next = served
        .gql(
            Some(&alex.viewer()),
            query,
            json!({ "first": 3, "after": users["pageInfo"]["endCursor"] }),
        )
        .await;
    let handles: Vec<&str> = next["data"]["users"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["handle"].as_str().expect("handle"))
        .collect();
    assert_eq!(handles, vec!["athlete2", "athlete3"]);
    assert_eq!(next["data"]["users"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(next["data"]["users"]["pageInfo"]["hasPreviousPage"], true);
}

#[tokio::test]
async fn private_fields_and_coach_links_follow_the_rules() {
    let t = db().await;
    let carter = coach(&t.db, "carter").await;
    let alex = athlete(&t.db, "alex").await;
    let blair = athlete(&t.db, "blair").await;
    link(&t.db, &carter, &alex).await;
    let served = serve(&t.db).await;
    let query = "query($id: ID!) { user(id: $id) { handle email subscriptionTier coaches { handle } athletes { nodes { handle } } } }";

    let own = served
        .gql(
            Some(&alex.viewer()),
            query,
            json!({ "id": alex.id.to_string() }),
        )
        .await;
    assert_eq!(own["data"]["user"]["email"], "alex@example.com");
    assert_eq!(own["data"]["user"]["subscriptionTier"], "FREE");
    assert_eq!(
        own["data"]["user"]["coaches"],
        json!([{ "handle": "carter" }])
    );

    let other = served
        .gql(
            Some(&blair.viewer()),
            query,
            json!({ "id": alex.id.to_string() }),
        )
        .await;
    assert_eq!(other["data"]["user"]["handle"], "alex");
    assert_eq!(other["data"]["user"]["email"], Value::Null);
    let codes: Vec<(&str, &str)> = other["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["path"][1].as_str().expect("field"),
                e["extensions"]["code"].as_str().expect("code"),
            )
        })
        .collect();
    assert!(codes.contains(&("email", "FORBIDDEN")), "{codes:?}");
    assert!(
        codes.contains(&("subscriptionTier", "FORBIDDEN")),
        "{codes:?}"
    );
    assert!(codes.contains(&("coaches", "FORBIDDEN")), "{codes:?}");
    assert!(codes.contains(&("athletes", "FORBIDDEN")), "{codes:?}");

    // The coach sees their athlete's coaches and their own roster.
    let coach_view = served
        .gql(
            Some(&carter.viewer()),
            query,
            json!({ "id": carter.id.to_string() }),
        )
        .await;
    assert_eq!(
        coach_view["data"]["user"]["athletes"]["nodes"],
        json!([{ "handle": "alex" }])
    );
    let of_athlete = served
        .gql(
            Some(&carter.viewer()),
            query,
            json!({ "id": alex.id.to_string() }),
        )
        .await;
    assert_eq!(
        of_athlete["data"]["user"]["coaches"],
        json!([{ "handle": "carter" }])
    );
}

#[tokio::test]
async fn a_deleted_account_disappears_and_its_export_was_exact() {
    let t = db().await;
    let carter = coach(&t.db, "carter").await;
    let alex = athlete(&t.db, "alex").await;
    let blair = athlete(&t.db, "blair").await;
    link(&t.db, &carter, &alex).await;
    link(&t.db, &carter, &blair).await;
    let served = serve(&t.db).await;

    let export = served
        .gql(
            Some(&alex.viewer()),
            "mutation { exportMyData { profile { id handle email roles subscriptionTier timezone } coaches { userId } athletes { userId } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        export["data"]["exportMyData"],
        json!({
            "profile": {
                "id": alex.id.to_string(), "handle": "alex", "email": "alex@example.com",
                "roles": ["ATHLETE"], "subscriptionTier": "FREE", "timezone": "Europe/Berlin"
            },
            "coaches": [{ "userId": carter.id.to_string() }],
            "athletes": []
        })
    );

    let deleted = served
        .gql(
            Some(&alex.viewer()),
            "mutation { deleteAccount { id purgeAfter } }",
            json!({}),
        )
        .await;
    assert_eq!(deleted["data"]["deleteAccount"]["id"], alex.id.to_string());

    let by_id = served
        .gql(
            Some(&carter.viewer()),
            "query($id: ID!) { user(id: $id) { handle } }",
            json!({ "id": alex.id.to_string() }),
        )
        .await;
    assert_eq!(by_id["data"]["user"], Value::Null);
    let by_handle = served
        .gql(
            Some(&carter.viewer()),
            "{ userByHandle(handle: \"alex\") { handle } }",
            json!({}),
        )
        .await;
    assert_eq!(by_handle["data"]["userByHandle"], Value::Null);
    let entity = served
        .gql(
            None,
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { handle } } }",
            json!({ "r": [{ "__typename": "User", "id": alex.id.to_string() }] }),
        )
        .await;
    assert_eq!(entity["data"]["_entities"], json!([null]));
    let roster = served
        .gql(
            Some(&carter.viewer()),
            "{ me { athletes { nodes { handle } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        roster["data"]["me"]["athletes"]["nodes"],
        json!([{ "handle": "blair" }])
    );
    // The deleted identity can no longer act.
    let me = served
        .gql(Some(&alex.viewer()), "{ me { handle } }", json!({}))
        .await;
    assert_eq!(me["data"]["me"], Value::Null);
    let again = served
        .gql(
            Some(&alex.viewer()),
            "mutation { exportMyData { exportedAt } }",
            json!({}),
        )
        .await;
    assert_eq!(first_error(&again)["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn health_endpoints_answer() {
    let t = db().await;
    let served = serve(&t.db).await;
    for (path, status) in [("/health/live", "live"), ("/health/ready", "ready")] {
        let response = served
            .client
            .get(format!("{}{path}", served.url))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["status"], status);
    }
    // A closed pool is what a lost database looks like to the readiness probe.
    t.db.clone().close().await.expect("closes");
    let response = served
        .client
        .get(format!("{}/health/ready", served.url))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["reason"], "database");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|detail| detail.starts_with("the database cannot be read: ")),
        "{body}"
    );
}

#[tokio::test]
async fn administrators_set_roles_and_nobody_else_does() {
    let t = db().await;
    let served = serve(&t.db).await;
    let ada = admin(&t.db, "ada_admin").await;
    let riley = athlete(&t.db, "riley").await;
    let set =
        "mutation($u: ID!, $r: [Role!]!) { setUserRoles(userId: $u, roles: $r) { handle roles } }";
    let vars = |user: &tessera_users::entity::user::Model, roles: Value| json!({ "u": user.id.to_string(), "r": roles });

    let body = served
        .gql(
            Some(&ada.viewer()),
            set,
            vars(&riley, json!(["ATHLETE", "COACH"])),
        )
        .await;
    assert_eq!(
        body,
        json!({
            "data": { "setUserRoles": { "handle": "riley", "roles": ["ATHLETE", "COACH"] } },
            // The router's caches drop what they hold of riley, and the router forgets
            // the API keys it exchanged (a partner's keys stop with the role).
            "extensions": { "invalidate": [
                { "typename": "User", "key": { "id": riley.id.to_string() } },
                { "typename": "ApiKey" },
            ] }
        })
    );
    let body = served
        .gql(Some(&riley.viewer()), set, vars(&riley, json!(["ADMIN"])))
        .await;
    assert_eq!(
        body["errors"][0]["message"],
        "only administrators may change roles"
    );
    assert_eq!(first_error(&body), &json!({ "code": "FORBIDDEN" }));
    let body = served.gql(None, set, vars(&riley, json!(["ADMIN"]))).await;
    assert_eq!(first_error(&body), &json!({ "code": "UNAUTHENTICATED" }));
    for (roles, message) in [
        (json!([]), "a user holds at least one role"),
        (
            json!(["COACH"]),
            "you cannot remove your own administrator role",
        ),
    ] {
        let body = served
            .gql(Some(&ada.viewer()), set, vars(&ada, roles))
            .await;
        assert_eq!(body["errors"][0]["message"], message);
        assert_eq!(
            first_error(&body),
            &json!({ "code": "BAD_USER_INPUT", "field": "roles" })
        );
    }
    let body = served
        .gql(
            Some(&ada.viewer()),
            set,
            json!({ "u": uuid::Uuid::now_v7().to_string(), "r": ["ATHLETE"] }),
        )
        .await;
    assert_eq!(first_error(&body), &json!({ "code": "NOT_FOUND" }));
}

#[tokio::test]
async fn a_failed_field_is_null_not_missing() {
    let t = db().await;
    tessera_users::demo::seed(&t.db, chrono::Utc::now())
        .await
        .expect("demo data");
    let served = serve(&t.db).await;
    let body = served
        .gql(
            None,
            r#"{ userByHandle(handle: "alex") { handle subscriptionTier coaches { handle } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({ "userByHandle": { "handle": "alex", "subscriptionTier": null, "coaches": null } })
    );
    assert_eq!(
        error_codes(&body),
        [
            ("subscriptionTier".to_owned(), "UNAUTHENTICATED".to_owned()),
            ("coaches".to_owned(), "UNAUTHENTICATED".to_owned())
        ]
    );
}
