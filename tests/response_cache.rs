//! The response cache through the router over HTTP, with the real subgraphs: what
//! clients are told (`Cache-Control`), what is answered from the cache (shown by
//! changing a row behind the router's back: a cached answer still shows the old value),
//! that private answers never cross callers, that a mutation's invalidation is seen at
//! once, the administrators' invalidation endpoint, and — with real Redis
//! (`REDIS_URL`; skipped, saying so, when unset) — replicas sharing entries and
//! invalidations, and Redis lost mid-run.

mod common;
#[path = "../router/tests/support/mod.rs"]
mod support;

use std::time::Duration;

use common::Platform;
use sea_orm_migration::sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use tessera_router::pipeline::RouterOptions;

const ENTRY: &str = "query Entry($id: ID!) { codexEntry(id: $id) { id title } }";

/// Caches on, in a Redis namespace of this test's own (demo ids are the same in every
/// test, so tests sharing a Redis must not share entries).
fn caching(options: &mut RouterOptions, redis: Option<&str>, namespace: &str) {
    options.cache.responses = true;
    options.cache.namespace = format!("test-{namespace}-{}", uuid_like());
    options.cache_redis_url = redis.map(str::to_owned);
}

fn uuid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    )
}

/// POSTs and returns status, `Cache-Control` and body ([`Platform::gql_with_headers`]).
async fn post(
    p: &Platform,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> (u16, String, Value) {
    let (status, headers, body) = p.gql_with_headers(url, token, query, variables).await;
    let cache_control = headers
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(none)")
        .to_owned();
    (status, cache_control, body)
}

/// `max-age=N, scope` → (N, scope).
fn max_age(cache_control: &str) -> (u32, &str) {
    let (age, scope) = cache_control
        .strip_prefix("max-age=")
        .and_then(|rest| rest.split_once(", "))
        .unwrap_or_else(|| panic!("not a max-age: {cache_control}"));
    (age.parse().expect("a number"), scope)
}

/// Renames a codex entry in the codex database, behind the router's back.
async fn rename_behind_the_router(p: &Platform, id: &str, title: &str) {
    use tessera_codex::entity::entry;
    let db = &p.dbs["codex"].db;
    let id = sea_orm_migration::sea_orm::prelude::Uuid::parse_str(id).expect("a uuid");
    let row = entry::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("reads")
        .expect("the entry exists");
    let mut row: entry::ActiveModel = row.into();
    row.title = Set(title.to_owned());
    row.update(db).await.expect("updates");
}

/// A public entry of the demo codex and its author's handle.
async fn public_entry(p: &Platform) -> (String, String) {
    let (_, _, body) = post(
        p,
        &p.url,
        None,
        "{ codexSearch(query: \"sleep\", first: 1) { edges { node { id author { handle } } } } }",
        json!({}),
    )
    .await;
    let node = &body["data"]["codexSearch"]["edges"][0]["node"];
    (
        node["id"].as_str().expect("an id").to_owned(),
        node["author"]["handle"]
            .as_str()
            .expect("a handle")
            .to_owned(),
    )
}

#[tokio::test]
async fn a_public_query_is_answered_from_the_cache_until_a_mutation_changes_it() {
    let p =
        Platform::start_with(&["users", "codex"], true, |o, _| caching(o, None, "public")).await;
    let (id, author) = public_entry(&p).await;
    let vars = json!({ "id": id });

    let (status, cache_control, first) = post(&p, &p.url, None, ENTRY, vars.clone()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        cache_control, "max-age=300, public",
        "CodexEntry and codexEntry are hinted 300 s; an anonymous caller's answer may sit in a CDN"
    );
    let title = first["data"]["codexEntry"]["title"]
        .as_str()
        .expect("a title")
        .to_owned();

    // The same over GET, as a CDN in front of the router would send it.
    let get = p
        .client
        .get(&p.url)
        .header("apollo-require-preflight", "true")
        .query(&[("query", ENTRY), ("variables", &vars.to_string())])
        .send()
        .await
        .expect("the router answers");
    assert_eq!(get.status().as_u16(), 200);
    let cache_control = get.headers()["cache-control"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    let (_, scope) = max_age(&cache_control);
    assert_eq!(
        scope, "public",
        "a public GET answer is CDN-cacheable: {cache_control}"
    );
    assert_eq!(get.json::<Value>().await.expect("JSON"), first);

    rename_behind_the_router(&p, &id, "Renamed behind the router").await;
    let (_, cache_control, again) = post(&p, &p.url, None, ENTRY, vars.clone()).await;
    assert_eq!(again, first, "answered from the cache: the old title");
    let (age, scope) = max_age(&cache_control);
    assert!(age <= 300 && scope == "public", "{cache_control}");

    // A signed-in caller gets `private` in the header (a CDN keys on the URL alone),
    // even though the router shares the entry with callers of the same roles.
    let token = p.token(&author).await;
    let (_, cache_control, _) = post(&p, &p.url, Some(&token), ENTRY, vars.clone()).await;
    assert!(cache_control.ends_with(", private"), "{cache_control}");

    // The author changes the entry through the router: codex names it in
    // `extensions.invalidate`, and the very next read sees the change.
    let (status, cache_control, changed) = post(
        &p,
        &p.url,
        Some(&token),
        "mutation($id: ID!) { updateCodexEntry(id: $id, input: { title: \"Changed through the router\" }) { title } }",
        vars.clone(),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(cache_control, "no-store", "mutations are never cacheable");
    assert!(
        changed.get("extensions").is_none(),
        "subgraph extensions stay inside: {changed}"
    );
    let (_, _, after) = post(&p, &p.url, None, ENTRY, vars.clone()).await;
    assert_eq!(
        after["data"]["codexEntry"]["title"], "Changed through the router",
        "{after} (was {title})"
    );
}

#[tokio::test]
async fn a_cached_list_drops_when_a_change_may_bring_an_entry_into_it() {
    let p = Platform::start_with(&["users", "codex"], true, |o, _| caching(o, None, "lists")).await;
    let (id, author) = public_entry(&p).await;
    let search = "{ codexSearch(query: \"zebra\", first: 5) { nodes { id title } } }";
    let (status, cache_control, empty) = post(&p, &p.url, None, search, json!({})).await;
    assert_eq!(status, 200, "{empty}");
    assert_eq!(
        cache_control, "max-age=60, public",
        "codexSearch is hinted 60 s"
    );
    assert_eq!(empty["data"]["codexSearch"]["nodes"], json!([]));
    let (_, _, again) = post(&p, &p.url, None, search, json!({})).await;
    assert_eq!(again, empty, "the empty answer is cached");

    // The author retitles an entry so that it matches: the cached (empty) search held
    // no entry to name, yet it is dropped, and the next search finds the entry.
    let token = p.token(&author).await;
    let (status, _, changed) = post(
        &p,
        &p.url,
        Some(&token),
        "mutation($id: ID!) { updateCodexEntry(id: $id, input: { title: \"Sleep like a zebra\" }) { id } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert!(changed.get("errors").is_none(), "{changed}");
    let (_, _, found) = post(&p, &p.url, None, search, json!({})).await;
    assert_eq!(
        found["data"]["codexSearch"]["nodes"],
        json!([{ "id": id, "title": "Sleep like a zebra" }])
    );

    // A lookup that found nobody is dropped when someone signs up.
    let lookup = "{ userByHandle(handle: \"newcomer\") { handle } }";
    let (_, cache_control, nobody) = post(&p, &p.url, None, lookup, json!({})).await;
    assert_eq!(nobody, json!({ "data": { "userByHandle": null } }));
    assert!(
        cache_control.starts_with("max-age="),
        "cached: {cache_control}"
    );
    let (_, _, again) = post(&p, &p.url, None, lookup, json!({})).await;
    assert_eq!(again, nobody);
    let (_, _, signed_up) = post(
        &p,
        &p.url,
        None,
        "mutation { signUp(input: { handle: \"newcomer\", displayName: \"New\", email: \"newcomer@example.com\", password: \"long enough pw\" }) { id } }",
        json!({}),
    )
    .await;
    assert!(signed_up.get("errors").is_none(), "{signed_up}");
    let (_, _, found) = post(&p, &p.url, None, lookup, json!({})).await;
    assert_eq!(
        found,
        json!({ "data": { "userByHandle": { "handle": "newcomer" } } })
    );
}

#[tokio::test]
async fn uncacheable_answers_say_no_store_and_are_never_reused() {
    let p = Platform::start_with(&["users", "codex"], true, |o, _| {
        caching(o, None, "nostore")
    })
    .await;
    let (id, _) = public_entry(&p).await;
    // `author` returns a User, hinted 60 s: the response takes the smaller max age.
    let (_, cache_control, _) = post(
        &p,
        &p.url,
        None,
        "query($id: ID!) { codexEntry(id: $id) { title author { handle } } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(cache_control, "max-age=60, public");
    // An unknown id is an error-free null, cacheable; a malformed one is an error.
    let (_, cache_control, body) =
        post(&p, &p.url, None, ENTRY, json!({ "id": "not-a-uuid" })).await;
    assert!(body.get("errors").is_some(), "{body}");
    assert_eq!(
        cache_control, "no-store",
        "responses with errors are never cached"
    );
    // Request errors too.
    let (status, cache_control, _) = post(&p, &p.url, None, "{ nope }", json!({})).await;
    assert_eq!((status, cache_control.as_str()), (200, "no-store"));
    // A field without a hint (the journal's User fields say maxAge 0).
    let token = p.token("alex").await;
    let (_, cache_control, body) = post(
        &p,
        &p.url,
        Some(&token),
        "{ me { handle journalEntries(first: 1) { nodes { id } } } }",
        json!({}),
    )
    .await;
    assert_eq!(cache_control, "no-store", "{body}");
}

#[tokio::test]
async fn private_answers_never_cross_callers() {
    let p = Platform::start_with(&["users", "codex"], true, |o, _| {
        caching(o, None, "private")
    })
    .await;
    let (alex, blair) = (p.token("alex").await, p.token("blair").await);
    let me = "{ me { handle } }";
    for _ in 0..2 {
        let (_, cache_control, a) = post(&p, &p.url, Some(&alex), me, json!({})).await;
        let (_, _, b) = post(&p, &p.url, Some(&blair), me, json!({})).await;
        assert_eq!(a["data"]["me"]["handle"], "alex");
        assert_eq!(b["data"]["me"]["handle"], "blair");
        assert!(cache_control.ends_with(", private"), "{cache_control}");
    }

    // A private codex entry: codex answers `Cache-Control: private` when it returns
    // one, so the entry made for its author is kept under the author's own key; another
    // coach (same roles, same public key) is answered by codex: null.
    let (carter, kim) = (p.token("carter").await, p.token("kim").await);
    let (_, _, mine) = post(
        &p,
        &p.url,
        Some(&carter),
        "{ me { codexEntries(first: 100) { nodes { id visibility } } } }",
        json!({}),
    )
    .await;
    let private = mine["data"]["me"]["codexEntries"]["nodes"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["visibility"] == "PRIVATE")
        .unwrap_or_else(|| panic!("carter has a private entry: {mine}"))["id"]
        .clone();
    let vars = json!({ "id": private });
    for _ in 0..2 {
        let (_, cache_control, own) = post(&p, &p.url, Some(&carter), ENTRY, vars.clone()).await;
        assert_eq!(own["data"]["codexEntry"]["id"], private, "{own}");
        assert!(cache_control.ends_with(", private"), "{cache_control}");
        let (_, _, other) = post(&p, &p.url, Some(&kim), ENTRY, vars.clone()).await;
        assert_eq!(other, json!({ "data": { "codexEntry": null } }));
        let (_, _, anonymous) = post(&p, &p.url, None, ENTRY, vars.clone()).await;
        assert_eq!(anonymous, json!({ "data": { "codexEntry": null } }));
    }

    // An administrator may read alex's email; the entry made for them is private and
    // blair, asking the same, gets the field's refusal, never the cached address.
    let ada = p.token("ada").await;
    let (_, _, users) = post(
        &p,
        &p.url,
        Some(&ada),
        "{ userByHandle(handle: \"alex\") { id } }",
        json!({}),
    )
    .await;
    let email = "query($id: ID!) { user(id: $id) { handle email } }";
    let vars = json!({ "id": users["data"]["userByHandle"]["id"] });
    let (_, _, admin) = post(&p, &p.url, Some(&ada), email, vars.clone()).await;
    assert_eq!(
        admin["data"]["user"]["email"], "alex@demo.tessera.dev",
        "{admin}"
    );
    let (_, _, other) = post(&p, &p.url, Some(&blair), email, vars.clone()).await;
    assert_eq!(other["data"]["user"]["email"], Value::Null, "{other}");
    assert_eq!(
        other["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{other}"
    );
    let (_, _, anonymous) = post(&p, &p.url, None, email, vars).await;
    assert_eq!(
        anonymous["data"]["user"]["email"],
        Value::Null,
        "{anonymous}"
    );
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"], "UNAUTHORIZED_FIELD_OR_TYPE",
        "authorization removed the field before the key was built: {anonymous}"
    );
}

#[tokio::test]
async fn administrators_invalidate_by_type_or_key() {
    let p = Platform::start_with(&["users", "codex"], true, |o, _| caching(o, None, "admin")).await;
    let (id, _) = public_entry(&p).await;
    let vars = json!({ "id": id });
    let endpoint = p.url.replace("/graphql", "/admin/cache/invalidate");
    let invalidate = |token: Option<String>, body: Value| {
        let mut request = p.client.post(&endpoint).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.expect("answers");
            (
                response.status().as_u16(),
                response.json::<Value>().await.expect("JSON"),
            )
        }
    };
    let error = |body: &Value| {
        (
            body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or("(none)")
                .to_owned(),
            body["errors"][0]["message"]
                .as_str()
                .unwrap_or("(none)")
                .to_owned(),
        )
    };

    post(&p, &p.url, None, ENTRY, vars.clone()).await;
    rename_behind_the_router(&p, &id, "First rename").await;

    let (status, body) = invalidate(None, json!({ "typename": "CodexEntry" })).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        error(&body),
        (
            "UNAUTHENTICATED".to_owned(),
            "invalidating the cache needs an administrator's access token".to_owned()
        )
    );
    let (status, body) = invalidate(
        Some(p.token("alex").await),
        json!({ "typename": "CodexEntry" }),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        error(&body),
        (
            "FORBIDDEN".to_owned(),
            "only administrators may invalidate the cache".to_owned()
        )
    );
    let ada = p.token("ada").await;
    let (status, body) = invalidate(Some(ada.clone()), json!({ "type": "CodexEntry" })).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        error(&body),
        (
            "BAD_REQUEST".to_owned(),
            "the body must be {\"typename\": …, \"key\": {…}} or an array of them: data did not match any variant of untagged enum OneOrMany".to_owned()
        )
    );
    let (_, _, still) = post(&p, &p.url, None, ENTRY, vars.clone()).await;
    assert_ne!(
        still["data"]["codexEntry"]["title"], "First rename",
        "refused calls dropped nothing"
    );

    // By key.
    let (status, body) = invalidate(
        Some(ada.clone()),
        json!({ "typename": "CodexEntry", "key": { "id": id } }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({ "invalidated": [
            "CodexEntry:?",
            "CodexEntry:list",
            format!("CodexEntry:{{\"id\":\"{id}\"}}"),
        ] })
    );
    let (_, _, fresh) = post(&p, &p.url, None, ENTRY, vars.clone()).await;
    assert_eq!(fresh["data"]["codexEntry"]["title"], "First rename");

    // By type (an array of them works too).
    rename_behind_the_router(&p, &id, "Second rename").await;
    let (status, _) = invalidate(Some(ada), json!([{ "typename": "CodexEntry" }])).await;
    assert_eq!(status, 200);
    let (_, _, fresh) = post(&p, &p.url, None, ENTRY, vars).await;
    assert_eq!(fresh["data"]["codexEntry"]["title"], "Second rename");
}

#[tokio::test]
async fn hits_misses_stores_and_invalidations_are_counted() {
    tessera_router::metrics::install();
    let p = Platform::start_with(&["users", "codex"], true, |o, _| {
        caching(o, None, "metrics")
    })
    .await;
    let (id, author) = public_entry(&p).await;
    let series = |name: &str| tessera_router::metrics::value(name).unwrap_or(0.0);
    let hit = r#"tessera_cache_lookups_total{cache="response",outcome="hit"}"#;
    let miss = r#"tessera_cache_lookups_total{cache="response",outcome="miss"}"#;
    let stores = r#"tessera_cache_stores_total{cache="response"}"#;
    let invalidations = "tessera_cache_invalidations_total";
    let before = [
        series(hit),
        series(miss),
        series(stores),
        series(invalidations),
    ];
    let vars = json!({ "id": id });
    post(&p, &p.url, None, ENTRY, vars.clone()).await;
    post(&p, &p.url, None, ENTRY, vars.clone()).await;
    post(&p, &p.url, None, ENTRY, vars.clone()).await;
    let token = p.token(&author).await;
    post(
        &p,
        &p.url,
        Some(&token),
        "mutation($id: ID!) { updateCodexEntry(id: $id, input: { title: \"Counted\" }) { id } }",
        vars,
    )
    .await;
    let after = [
        series(hit),
        series(miss),
        series(stores),
        series(invalidations),
    ];
    // Tests of this binary run in their own processes (nextest), so the deltas are ours.
    assert_eq!(after[0] - before[0], 2.0, "two hits");
    assert_eq!(after[1] - before[1], 1.0, "one miss");
    assert_eq!(after[2] - before[2], 1.0, "one store");
    // The entry and its author, each by key, as an unnamed entity of its type, and as
    // the lists of its type.
    assert_eq!(after[3] - before[3], 6.0, "six tags invalidated");
}

#[tokio::test]
async fn replicas_share_entries_and_invalidations_through_redis() {
    let Some(redis) = support::redis_url("replicas sharing the response cache") else {
        return;
    };
    let namespace = format!("test-replicas-{}", uuid_like());
    let ns = namespace.clone();
    let mut p = Platform::start_with(&["users", "codex"], true, |o, _| {
        o.cache.responses = true;
        o.cache.namespace = ns;
        o.cache_redis_url = Some(redis.clone());
    })
    .await;
    let ns = namespace.clone();
    let redis_b = redis.clone();
    let b = p
        .replica(move |o| {
            o.cache.responses = true;
            o.cache.namespace = ns;
            o.cache_redis_url = Some(redis_b);
        })
        .await;
    let (id, author) = public_entry(&p).await;
    let vars = json!({ "id": id });

    let (_, _, first) = post(&p, &p.url, None, ENTRY, vars.clone()).await;
    rename_behind_the_router(&p, &id, "Renamed behind both").await;
    let (_, cache_control, from_b) = post(&p, &b, None, ENTRY, vars.clone()).await;
    assert_eq!(from_b, first, "replica B found replica A's entry in Redis");
    assert!(cache_control.ends_with(", public"), "{cache_control}");

    // A mutation through A: B's in-process copy goes too (pub/sub), and Redis's.
    let token = p.token(&author).await;
    post(
        &p,
        &p.url,
        Some(&token),
        "mutation($id: ID!) { updateCodexEntry(id: $id, input: { title: \"Seen by every replica\" }) { id } }",
        vars.clone(),
    )
    .await;
    let mut seen = Value::Null;
    for _ in 0..40 {
        let (_, _, body) = post(&p, &b, None, ENTRY, vars.clone()).await;
        seen = body["data"]["codexEntry"]["title"].clone();
        if seen == "Seen by every replica" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, "Seen by every replica");
}

#[tokio::test]
async fn losing_redis_mid_run_serves_uncached_and_keeps_serving() {
    let Some(redis) = support::redis_url("the response cache losing Redis") else {
        return;
    };
    let (relay, addr) = support::Relay::to_redis(&redis).await;
    let through_relay = format!("redis://{addr}");
    let p = Platform::start_with(&["users", "codex"], true, |o, _| {
        caching(o, Some(&through_relay), "lost");
    })
    .await;
    let (id, _) = public_entry(&p).await;
    let vars = json!({ "id": id });
    let (_, _, first) = post(&p, &p.url, None, ENTRY, vars.clone()).await;
    assert!(first["data"]["codexEntry"]["title"].is_string(), "{first}");
    let failures_before = p
        .router
        .caches()
        .redis()
        .expect("Redis configured")
        .failures();

    relay.cut();
    // Cached in process: still answered from there.
    let (status, _, again) = post(&p, &p.url, None, ENTRY, vars.clone()).await;
    assert_eq!((status, &again), (200, &first));
    // Something not cached: Redis fails, the query is answered all the same.
    let (status, cache_control, other) = post(
        &p,
        &p.url,
        None,
        "{ codexSearch(query: \"recovery\", first: 2) { edges { node { id } } } }",
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{other}");
    assert!(other.get("errors").is_none(), "{other}");
    assert_eq!(cache_control, "max-age=60, public");
    assert!(
        p.router.caches().redis().expect("configured").failures() > failures_before,
        "the failure is counted"
    );
    // An administrator's invalidation is done here, and says the others were not told.
    let response = p
        .client
        .post(p.url.replace("/graphql", "/admin/cache/invalidate"))
        .bearer_auth(p.token("ada").await)
        .json(&json!({ "typename": "CodexEntry" }))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.expect("JSON"),
        json!({
            "invalidated": ["CodexEntry", "CodexEntry:list"],
            "replicasNotTold": "Redis is unavailable: other replicas keep what they cached until it expires"
        })
    );

    // Readiness says so, and stays 200: every replica would be in the same state.
    let ready = |p: &Platform| {
        let url = p.url.replace("/graphql", "/health/ready");
        let client = p.client.clone();
        async move {
            let response = client.get(url).send().await.expect("answers");
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.expect("JSON")["redis"]["caches"].clone()
        }
    };
    assert_eq!(ready(&p).await, "down");

    let _relay = support::Relay::restore(addr, &redis).await;
    let (status, _, back) = post(&p, &p.url, None, ENTRY, vars).await;
    assert_eq!((status, back), (200, first));
    // Back once a probe (each second) is answered.
    let mut state = ready(&p).await;
    for _ in 0..40 {
        if state == "up" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        state = ready(&p).await;
    }
    assert_eq!(state, "up");
}

/// Renames a user in the users database, behind the router's back.
async fn rename_user_behind_the_router(p: &Platform, id: &str, name: &str) {
    use tessera_users::entity::user;
    let db = &p.dbs["users"].db;
    let id = sea_orm_migration::sea_orm::prelude::Uuid::parse_str(id).expect("a uuid");
    let row = user::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("reads")
        .expect("the user exists");
    let mut row: user::ActiveModel = row.into();
    row.display_name = Set(name.to_owned());
    row.update(db).await.expect("updates");
}

#[tokio::test]
async fn different_queries_share_cached_entities_and_fetch_only_the_missing_ones() {
    tessera_router::metrics::install();
    // With Redis (when `REDIS_URL` is set), the entities are shared through it too.
    let redis = std::env::var("REDIS_URL").ok();
    let shared = redis.clone();
    let p = Platform::start_with(&["users", "codex"], true, |o, _| {
        o.cache.entities = true;
        o.cache.namespace = format!("test-entities-{}", uuid_like());
        o.cache_redis_url = shared;
    })
    .await;
    // Two entries by different authors.
    let (_, _, search) = post(
        &p,
        &p.url,
        None,
        "{ codexSearch(query: \"training\", first: 50) { edges { node { id author { id handle } } } } }",
        json!({}),
    )
    .await;
    let nodes: Vec<&Value> = search["data"]["codexSearch"]["edges"]
        .as_array()
        .expect("results")
        .iter()
        .map(|e| &e["node"])
        .collect();
    let first = nodes[0];
    let second = nodes
        .iter()
        .find(|n| n["author"]["id"] != first["author"]["id"])
        .unwrap_or_else(|| panic!("two authors: {search}"));
    let (x, y) = (&first["author"], &second["author"]);

    // Query A caches the entity of author X (users' `_entities` for `displayName`).
    let by_id = "query($id: ID!) { codexEntry(id: $id) { author { displayName } } }";
    let (_, _, a) = post(&p, &p.url, None, by_id, json!({ "id": first["id"] })).await;
    let x_name = a["data"]["codexEntry"]["author"]["displayName"].clone();

    // Both authors renamed behind the router: a different query that needs both gets
    // X from the cache (old name) and asks users only for Y (new name).
    rename_user_behind_the_router(&p, x["id"].as_str().expect("id"), "X renamed").await;
    rename_user_behind_the_router(&p, y["id"].as_str().expect("id"), "Y renamed").await;
    if redis.is_some() {
        // As another replica would: nothing in process, X from Redis.
        p.router
            .caches()
            .entities
            .as_ref()
            .expect("on")
            .clear_local();
    }
    let hits = r#"tessera_cache_lookups_total{cache="entity",outcome="hit"}"#;
    let before = tessera_router::metrics::value(hits).unwrap_or(0.0);
    let both = "query($a: ID!, $b: ID!) { a: codexEntry(id: $a) { author { displayName } } b: codexEntry(id: $b) { author { displayName } } }";
    let (_, cache_control, b) = post(
        &p,
        &p.url,
        None,
        both,
        json!({ "a": first["id"], "b": second["id"] }),
    )
    .await;
    assert_eq!(
        b["data"]["a"]["author"]["displayName"], x_name,
        "X from the entity cache: {b}"
    );
    assert_eq!(
        b["data"]["b"]["author"]["displayName"], "Y renamed",
        "Y asked of users: {b}"
    );
    assert_eq!(
        tessera_router::metrics::value(hits).unwrap_or(0.0) - before,
        1.0
    );
    let (age, scope) = max_age(&cache_control);
    assert!(
        (55..=60).contains(&age) && scope == "public",
        "User's 60 s, less what the cached entity has already lived: {cache_control}"
    );

    // X changes through the router: users names X in `extensions.invalidate`, and the
    // next query asks users for X again.
    let token = p.token(x["handle"].as_str().expect("handle")).await;
    let (status, _, changed) = post(
        &p,
        &p.url,
        Some(&token),
        "mutation { updateProfile(input: { displayName: \"X changed\" }) { displayName } }",
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    let (_, _, after) = post(&p, &p.url, None, by_id, json!({ "id": first["id"] })).await;
    assert_eq!(
        after["data"]["codexEntry"]["author"]["displayName"], "X changed",
        "{after}"
    );
}

#[tokio::test]
async fn a_private_entity_from_the_entity_cache_keeps_the_response_private() {
    let p = Platform::start_with(&["users", "codex"], true, |o, _| {
        o.cache.responses = true;
        o.cache.entities = true;
        o.cache.namespace = format!("test-private-entity-{}", uuid_like());
    })
    .await;
    // Blair is made a coach too: the same roles and scopes as Carter, so the two share
    // public entries.
    let ada = p.token("ada").await;
    let (_, _, blair) = post(
        &p,
        &p.url,
        Some(&ada),
        "{ userByHandle(handle: \"blair\") { id } }",
        json!({}),
    )
    .await;
    let (_, _, set) = post(
        &p,
        &p.url,
        Some(&ada),
        "mutation($u: ID!) { setUserRoles(userId: $u, roles: [COACH, ATHLETE]) { roles } }",
        json!({ "u": blair["data"]["userByHandle"]["id"] }),
    )
    .await;
    assert!(set.get("errors").is_none(), "{set}");
    let (carter, blair) = (p.token("carter").await, p.token("blair").await);

    let entries = |extra: &str| {
        format!(
            "{{ {extra} userByHandle(handle: \"carter\") {{ codexEntries(first: 100) {{ nodes {{ id visibility }} }} }} }}"
        )
    };
    let private_count = |body: &Value| {
        body["data"]["userByHandle"]["codexEntries"]["nodes"]
            .as_array()
            .map_or(0, |n| {
                n.iter().filter(|e| e["visibility"] == "PRIVATE").count()
            })
    };
    // Carter's own list holds his private entries: codex answers `private`, so the
    // entity is kept under Carter's own key.
    let (_, _, first) = post(&p, &p.url, Some(&carter), &entries(""), json!({})).await;
    assert!(private_count(&first) > 0, "{first}");
    // Another query with the same `_entities` call: the entity comes from the cache,
    // and with it the response must stay Carter's alone.
    let second = entries("codexSearch(query: \"sleep\", first: 1) { edges { cursor } }");
    let (_, _, from_cache) = post(&p, &p.url, Some(&carter), &second, json!({})).await;
    assert_eq!(
        private_count(&from_cache),
        private_count(&first),
        "{from_cache}"
    );
    let (_, _, other) = post(&p, &p.url, Some(&blair), &second, json!({})).await;
    assert_eq!(
        private_count(&other),
        0,
        "Blair never sees Carter's private entries: {other}"
    );
}

#[tokio::test]
async fn a_change_through_the_full_api_reaches_the_partner_variants_entries() {
    // No Redis: the two routers of one process share their caches.
    let p = Platform::start_with(&["users", "codex"], true, |o, _| {
        caching(o, None, "partner")
    })
    .await;
    let (id, author) = public_entry(&p).await;
    let vars = json!({ "id": id });
    let pat = p.token("pat").await;
    let (status, _, first) = post(&p, &p.partner_url, Some(&pat), ENTRY, vars.clone()).await;
    assert_eq!(status, 200, "{first}");
    rename_behind_the_router(&p, &id, "Renamed behind the router").await;
    let (_, _, cached) = post(&p, &p.partner_url, Some(&pat), ENTRY, vars.clone()).await;
    assert_eq!(cached, first, "the partner's answer comes from the cache");
    // The same operation through the full API is not that entry: each router's keys
    // hold the hash of the schema it serves.
    let (_, _, full) = post(&p, &p.url, Some(&pat), ENTRY, vars.clone()).await;
    assert_eq!(
        full["data"]["codexEntry"]["title"], "Renamed behind the router",
        "{full}"
    );

    let token = p.token(&author).await;
    let (status, _, changed) = post(
        &p,
        &p.url,
        Some(&token),
        "mutation($id: ID!) { updateCodexEntry(id: $id, input: { title: \"Seen by partners\" }) { id } }",
        vars.clone(),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    let (_, _, after) = post(&p, &p.partner_url, Some(&pat), ENTRY, vars).await;
    assert_eq!(
        after["data"]["codexEntry"]["title"], "Seen by partners",
        "{after}"
    );
}
