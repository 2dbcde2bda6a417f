//! The codex subgraph over real HTTP: entity batches and their statement counts,
//! search for anonymous callers and partners, the exact errors clients see, the
//! privacy of private entries, and the GDPR mutations.

mod common;

use common::*;
use serde_json::{Value, json};
use tessera_codex::{
    entity::entry::Visibility,
    service::entries::{self, NewEntry},
};
use tessera_kit::testing::first_error;

const USER_LISTS: &str = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User {
    id
    codexEntries(first: 10) { nodes { title tags relatedEntries(first: 3) { title } } pageInfo { hasNextPage } }
} } }";

async fn authors_with_entries(t: &tessera_kit::testing::TestDb, n: usize) -> Vec<Person> {
    let mut people = Vec::new();
    for i in 0..n {
        let p = coach();
        write(
            &t.db,
            &p,
            &format!("Sleep {i}"),
            "Rest well.",
            &["sleep", "recovery"],
        )
        .await;
        write(
            &t.db,
            &p,
            &format!("Squat {i}"),
            "Brace.",
            &["strength", "sleep"],
        )
        .await;
        people.push(p);
    }
    people
}

async fn statements_for(t: &tessera_kit::testing::TestDb, people: &[Person]) -> (usize, Value) {
    let served = serve(&t.db).await;
    let representations: Vec<_> = people
        .iter()
        .map(|p| json!({ "__typename": "User", "id": p.id.to_string() }))
        .collect();
    t.reset_statements();
    let body = served
        .gql(None, USER_LISTS, json!({ "r": representations }))
        .await;
    (t.statements(), body)
}

#[tokio::test]
async fn fifty_authors_with_their_entries_cost_the_same_statements_as_two() {
    let small = db().await;
    let two = authors_with_entries(&small, 2).await;
    let (two_count, two_body) = statements_for(&small, &two).await;
    assert_eq!(two_body["errors"], Value::Null, "{two_body}");

    let big = db().await;
    let fifty = authors_with_entries(&big, 50).await;
    let (fifty_count, body) = statements_for(&big, &fifty).await;
    assert_eq!(body["errors"], Value::Null, "{body}");
    let entities = body["data"]["_entities"].as_array().expect("a list");
    assert_eq!(entities.len(), 50);
    for (i, (entity, person)) in entities.iter().zip(&fifty).enumerate() {
        assert_eq!(entity["id"], person.id.to_string());
        let nodes = entity["codexEntries"]["nodes"].as_array().expect("nodes");
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[0]["title"], format!("Sleep {i}"));
        assert_eq!(
            nodes[0]["relatedEntries"]
                .as_array()
                .expect("related")
                .len(),
            3
        );
    }
    eprintln!("statements: 2 users → {two_count}, 50 users → {fifty_count}");
    assert_eq!(two_count, fifty_count);
    // entries per author, related ids, related rows.
    assert_eq!(fifty_count, 3);
}

#[tokio::test]
async fn anyone_searches_public_entries_with_cursors() {
    let t = db().await;
    let carter = coach();
    let a = write(&t.db, &carter, "Sleep first", "Then train.", &["sleep"]).await;
    let b = write(&t.db, &carter, "Train hard", "And sleep.", &[]).await;
    entries::create(
        &t.db,
        &carter.access(),
        NewEntry {
            visibility: Visibility::Private,
            ..new_entry("Sleep log", "Mine.", &["sleep"])
        },
        t0(),
    )
    .await
    .expect("private");
    let served = serve(&t.db).await;
    let query = "query($q: String!, $first: Int, $after: String) { codexSearch(query: $q, first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }";
    let first = served
        .gql(None, query, json!({ "q": "sleep", "first": 1 }))
        .await;
    let search = &first["data"]["codexSearch"];
    assert_eq!(
        search["nodes"],
        json!([{ "id": a.id.to_string() }]),
        "title and tag beat body"
    );
    assert_eq!(search["pageInfo"]["hasNextPage"], true);
    let next = served
        .gql(
            None,
            query,
            json!({ "q": "sleep", "first": 1, "after": search["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        next["data"]["codexSearch"]["nodes"],
        json!([{ "id": b.id.to_string() }])
    );
    assert_eq!(
        next["data"]["codexSearch"]["pageInfo"]["hasNextPage"], false,
        "the private one is not for others"
    );
    let own = served
        .gql(
            Some(&carter.viewer()),
            query,
            json!({ "q": "sleep", "first": 10 }),
        )
        .await;
    assert_eq!(
        own["data"]["codexSearch"]["nodes"]
            .as_array()
            .expect("nodes")
            .len(),
        3
    );

    let body = served
        .gql(None, query, json!({ "q": "  ", "first": 1 }))
        .await;
    assert_eq!(
        body,
        json!({
            "data": null,
            "errors": [{
                "message": "search for at least one word of letters or digits",
                "locations": [{ "line": 1, "column": 51 }],
                "path": ["codexSearch"],
                "extensions": { "code": "BAD_USER_INPUT", "field": "query" }
            }]
        })
    );
}

#[tokio::test]
async fn private_entries_are_for_their_author_only() {
    let t = db().await;
    let carter = coach();
    let private = entries::create(
        &t.db,
        &carter.access(),
        NewEntry {
            visibility: Visibility::Private,
            ..new_entry("Notes", "Mine.", &[])
        },
        t0(),
    )
    .await
    .expect("private");
    let served = serve(&t.db).await;
    let by_id = "query($id: ID!) { codexEntry(id: $id) { title visibility } }";
    let entity =
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on CodexEntry { title } } }";
    let rep = json!({ "r": [{ "__typename": "CodexEntry", "id": private.id.to_string() }] });
    let own = served
        .gql(
            Some(&carter.viewer()),
            by_id,
            json!({ "id": private.id.to_string() }),
        )
        .await;
    assert_eq!(
        own["data"]["codexEntry"],
        json!({ "title": "Notes", "visibility": "PRIVATE" })
    );
    for viewer in [None, Some(coach().viewer()), Some(admin().viewer())] {
        let body = served
            .gql(
                viewer.as_ref(),
                by_id,
                json!({ "id": private.id.to_string() }),
            )
            .await;
        assert_eq!(body["data"]["codexEntry"], Value::Null);
        let body = served.gql(viewer.as_ref(), entity, rep.clone()).await;
        assert_eq!(body["data"]["_entities"], json!([null]));
    }
}

#[tokio::test]
async fn writing_is_validated_and_for_coaches() {
    let t = db().await;
    let carter = coach();
    let served = serve(&t.db).await;
    let create = "mutation($i: CreateCodexEntryInput!) { createCodexEntry(input: $i) { id title tags visibility publishedAt } }";
    let input = |tags: Value| json!({ "i": { "title": "Box breathing", "body": "In 4, hold 4, out 4, hold 4.", "category": "MINDSET", "tags": tags } });
    let body = served
        .gql(
            Some(&carter.viewer()),
            create,
            input(json!(["ok", "not ok"])),
        )
        .await;
    assert_eq!(
        first_error(&body),
        &json!({ "code": "BAD_USER_INPUT", "field": "tags" })
    );
    assert_eq!(
        body["errors"][0]["message"],
        "`not ok` is not a tag: use 1–32 letters, digits or `-`"
    );
    let body = served
        .gql(Some(&athlete().viewer()), create, input(json!([])))
        .await;
    assert_eq!(first_error(&body), &json!({ "code": "FORBIDDEN" }));
    let body = served.gql(None, create, input(json!([]))).await;
    assert_eq!(first_error(&body), &json!({ "code": "UNAUTHENTICATED" }));
    let created = served
        .gql(Some(&carter.viewer()), create, input(json!(["Focus"])))
        .await;
    let entry = &created["data"]["createCodexEntry"];
    assert_eq!(entry["tags"], json!(["focus"]));
    assert_eq!(entry["visibility"], "PUBLIC");
    assert!(entry["publishedAt"].is_string());
    let id = entry["id"].clone();
    let deleted = served
        .gql(
            Some(&coach().viewer()),
            "mutation($id: ID!) { deleteCodexEntry(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(first_error(&deleted), &json!({ "code": "NOT_FOUND" }));
    let deleted = served
        .gql(
            Some(&carter.viewer()),
            "mutation($id: ID!) { deleteCodexEntry(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(deleted["data"]["deleteCodexEntry"], id);
}

#[tokio::test]
async fn export_then_delete_my_codex_data() {
    let t = db().await;
    let carter = coach();
    let one = write(&t.db, &carter, "One", "o", &[]).await;
    let served = serve(&t.db).await;
    let export = served
        .gql(
            Some(&carter.viewer()),
            "mutation { exportMyCodexData { entries { id author { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        export["data"]["exportMyCodexData"]["entries"],
        json!([{ "id": one.id.to_string(), "author": { "id": carter.id.to_string() } }])
    );
    let erased = served
        .gql(
            Some(&carter.viewer()),
            "mutation { deleteMyCodexData { entries } }",
            json!({}),
        )
        .await;
    assert_eq!(erased["data"]["deleteMyCodexData"], json!({ "entries": 1 }));
    let search = served
        .gql(
            None,
            "{ codexSearch(query: \"one\") { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(search["data"]["codexSearch"]["nodes"], json!([]));
    let anonymous = served
        .gql(
            None,
            "mutation { deleteMyCodexData { entries } }",
            json!({}),
        )
        .await;
    assert_eq!(
        first_error(&anonymous),
        &json!({ "code": "UNAUTHENTICATED" })
    );
}
