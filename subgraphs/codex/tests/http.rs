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
async fn entries_are_articles_or_practices_behind_one_entity_interface() {
    let t = db().await;
    let carter = coach();
    let served = serve(&t.db).await;
    let create = "mutation($i: CreateCodexEntryInput!) { createCodexEntry(input: $i) {
        __typename id title ... on CodexPractice { durationMinutes } ... on CodexArticle { readingMinutes } } }";
    let input = |kind: &str, minutes: Value| {
        json!({ "i": { "title": "Box breathing", "body": "In for four, hold four, out for four.",
                       "category": "MINDSET", "kind": kind, "durationMinutes": minutes } })
    };

    // Each kind's minutes are checked on the field the client named.
    for (kind, minutes, message) in [
        ("PRACTICE", Value::Null, "a practice takes 1 to 240 minutes"),
        ("PRACTICE", json!(241), "a practice takes 1 to 240 minutes"),
        (
            "ARTICLE",
            json!(5),
            "only a practice takes minutes; an article has none",
        ),
    ] {
        let body = served
            .gql(Some(&carter.viewer()), create, input(kind, minutes))
            .await;
        assert_eq!(body["errors"][0]["message"], message, "{body}");
        assert_eq!(
            first_error(&body),
            &json!({ "code": "BAD_USER_INPUT", "field": "durationMinutes" })
        );
    }
    let practice = served
        .gql(Some(&carter.viewer()), create, input("PRACTICE", json!(4)))
        .await;
    let practice = &practice["data"]["createCodexEntry"];
    assert_eq!(practice["__typename"], "CodexPractice");
    assert_eq!(practice["durationMinutes"], 4);
    let article = served
        .gql(
            Some(&carter.viewer()),
            create,
            input("ARTICLE", Value::Null),
        )
        .await;
    let article = &article["data"]["createCodexEntry"];
    assert_eq!(article["__typename"], "CodexArticle");
    assert_eq!(article["readingMinutes"], 1);

    // By the interface's key the router gets the concrete kind (what it asks when a
    // subgraph that sees `CodexEntry` as an object is involved); by a kind's key, only
    // entries of that kind.
    let entities = "query($r: [_Any!]!) { _entities(representations: $r) {
        ... on CodexEntry { __typename title } } }";
    let rep = |typename: &str, entry: &Value| json!({ "__typename": typename, "id": entry["id"] });
    let body = served
        .gql(
            None,
            entities,
            json!({ "r": [
                rep("CodexEntry", practice),
                rep("CodexEntry", article),
                rep("CodexPractice", practice),
                rep("CodexArticle", practice),
                rep("CodexArticle", article),
            ] }),
        )
        .await;
    assert_eq!(
        body,
        json!({ "data": { "_entities": [
            { "__typename": "CodexPractice", "title": "Box breathing" },
            { "__typename": "CodexArticle", "title": "Box breathing" },
            { "__typename": "CodexPractice", "title": "Box breathing" },
            null,
            { "__typename": "CodexArticle", "title": "Box breathing" },
        ] } })
    );

    // A practice's minutes change; an article's never exist.
    let update =
        "mutation($id: ID!, $m: Int) { updateCodexEntry(id: $id, input: { durationMinutes: $m }) {
        ... on CodexPractice { durationMinutes } } }";
    let body = served
        .gql(
            Some(&carter.viewer()),
            update,
            json!({ "id": practice["id"], "m": 12 }),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({ "updateCodexEntry": { "durationMinutes": 12 } })
    );
    // The router's caches are told what changed: the entry, and its author's list.
    assert_eq!(
        body["extensions"]["invalidate"],
        json!([
            { "typename": "CodexEntry", "key": { "id": practice["id"] } },
            { "typename": "User", "key": { "id": carter.id.to_string() } }
        ])
    );
    let body = served
        .gql(
            Some(&carter.viewer()),
            update,
            json!({ "id": article["id"], "m": 12 }),
        )
        .await;
    assert_eq!(
        first_error(&body),
        &json!({ "code": "BAD_USER_INPUT", "field": "durationMinutes" })
    );
}

#[tokio::test]
async fn a_practice_is_done_step_by_step_with_catalogue_exercises() {
    let t = db().await;
    let carter = coach();
    let served = serve(&t.db).await;
    let create = "mutation($i: CreateCodexEntryInput!) { createCodexEntry(input: $i) {
        id ... on CodexPractice { steps { position instruction exercise { slug name } } } } }";
    let input = |kind: &str, steps: Value| {
        json!({ "i": { "title": "Hip hinge primer", "body": "Hinge before you lift.",
                       "category": "TECHNIQUE", "kind": kind, "steps": steps,
                       "durationMinutes": (kind == "PRACTICE").then_some(8) } })
    };
    let body = served
        .gql(
            Some(&carter.viewer()),
            create,
            input(
                "PRACTICE",
                json!([
                    { "instruction": "Ten easy swings.", "exerciseSlug": " Kettlebell-Swing " },
                    { "instruction": "Stand tall and breathe." }
                ]),
            ),
        )
        .await;
    assert_eq!(body["errors"], Value::Null, "{body}");
    let practice = &body["data"]["createCodexEntry"];
    // The name is the catalogue's, as every service ships it.
    assert_eq!(
        practice["steps"],
        json!([
            { "position": 1, "instruction": "Ten easy swings.",
              "exercise": { "slug": "kettlebell-swing", "name": "Kettlebell swing" } },
            { "position": 2, "instruction": "Stand tall and breathe.", "exercise": null }
        ])
    );

    // What clients see when a step is refused: the field, as they index it.
    for (kind, steps, field, message) in [
        (
            "ARTICLE",
            json!([{ "instruction": "Read." }]),
            "steps",
            "only a practice has steps; an article has none".to_owned(),
        ),
        (
            "PRACTICE",
            json!([{ "instruction": "Go." }, { "instruction": "Spin.", "exerciseSlug": "moon-walk" }]),
            "steps[1].exerciseSlug",
            "`moon-walk` is not an exercise of the catalogue".to_owned(),
        ),
        (
            "PRACTICE",
            json!([{ "instruction": " " }]),
            "steps[0].instruction",
            "an instruction must be 1 to 500 characters long".to_owned(),
        ),
        (
            "PRACTICE",
            json!(vec![json!({ "instruction": "Again." }); 31]),
            "steps",
            "a practice has at most 30 steps".to_owned(),
        ),
    ] {
        let body = served
            .gql(Some(&carter.viewer()), create, input(kind, steps))
            .await;
        assert_eq!(body["errors"][0]["message"], message, "{body}");
        assert_eq!(
            first_error(&body),
            &json!({ "code": "BAD_USER_INPUT", "field": field })
        );
    }

    // New steps replace the old ones; the entry's other fields stay.
    let update = "mutation($id: ID!, $steps: [PracticeStepInput!]) {
        updateCodexEntry(id: $id, input: { steps: $steps }) {
        ... on CodexPractice { durationMinutes steps { position instruction exercise { slug } } } } }";
    let body = served
        .gql(
            Some(&carter.viewer()),
            update,
            json!({ "id": practice["id"], "steps": [{ "instruction": "Five deadlifts.", "exerciseSlug": "deadlift" }] }),
        )
        .await;
    assert_eq!(
        body["data"]["updateCodexEntry"],
        json!({ "durationMinutes": 8, "steps": [
            { "position": 1, "instruction": "Five deadlifts.", "exercise": { "slug": "deadlift" } }
        ] })
    );

    // Steps load in one statement for any number of practices.
    let mut ids = Vec::new();
    for i in 0..20 {
        let body = served
            .gql(
                Some(&carter.viewer()),
                create,
                input(
                    "PRACTICE",
                    json!([{ "instruction": format!("Step {i}"), "exerciseSlug": "plank" }]),
                ),
            )
            .await;
        ids.push(body["data"]["createCodexEntry"]["id"].clone());
    }
    let entities = "query($r: [_Any!]!) { _entities(representations: $r) {
        ... on CodexPractice { steps { instruction exercise { name } } } } }";
    let count = |n: usize| {
        let r: Vec<Value> = ids[..n]
            .iter()
            .map(|id| json!({ "__typename": "CodexEntry", "id": id }))
            .collect();
        t.reset_statements();
        let served = &served;
        let t = &t;
        async move {
            let body = served.gql(None, entities, json!({ "r": r })).await;
            assert_eq!(body["errors"], Value::Null, "{body}");
            let steps = &body["data"]["_entities"][n - 1]["steps"];
            assert_eq!(steps[0]["exercise"]["name"], "Plank", "{body}");
            t.statements()
        }
    };
    let two = count(2).await;
    let twenty = count(20).await;
    eprintln!("statements: 2 practices → {two}, 20 practices → {twenty}");
    // The entries, then their steps.
    assert_eq!((two, twenty), (2, 2));
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

#[tokio::test]
async fn an_entry_names_its_catalogue_exercises_itself_without_a_statement() {
    let t = db().await;
    let kim = coach();
    let squat = write(
        &t.db,
        &kim,
        "A beginner's guide to the back squat",
        "Sit.",
        &["squat"],
    )
    .await;
    let mut practice = new_entry("Pull-ups, dips and a PLANK", "Hang.", &["upper"]);
    practice.kind = tessera_codex::entity::entry::Kind::Practice;
    practice.minutes = Some(10);
    let practice = entries::create(&t.db, &kim.access(), practice, t0())
        .await
        .expect("practice written");
    let sleep = write(&t.db, &kim, "Sleep hygiene", "Rest.", &["sleep"]).await;
    let served = serve(&t.db).await;
    // By each kind's key, as the router asks while the label is on: the names come with
    // them (`@provides`), and no statement is run for them.
    let rep = |kind: &str, id: uuid::Uuid| json!({ "__typename": kind, "id": id.to_string() });
    t.reset_statements();
    let body = served
        .gql(
            None,
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on CodexEntry { exercises { slug name } } } }",
            json!({ "r": [rep("CodexArticle", squat.id), rep("CodexPractice", practice.id), rep("CodexArticle", sleep.id)] }),
        )
        .await;
    assert_eq!(
        body,
        json!({ "data": { "_entities": [
            { "exercises": [{ "slug": "back-squat", "name": "Back squat" }] },
            { "exercises": [
                { "slug": "pull-up", "name": "Pull-up" },
                { "slug": "dip", "name": "Dip" },
                { "slug": "plank", "name": "Plank" },
            ] },
            { "exercises": [] },
        ] } })
    );
    assert_eq!(
        t.statements(),
        1,
        "the entries, in one statement; none for the exercises"
    );
    // The schema composition reads says where the field comes from, and under which
    // label.
    let sdl = tessera_codex::schema::sdl();
    for kind in ["CodexArticle", "CodexPractice"] {
        let fields = sdl
            .split(&format!("type {kind} "))
            .nth(1)
            .and_then(|rest| rest.split("\n}").next())
            .expect("the kind's fields");
        assert!(
            fields.contains(r#"exercises: [Exercise!]! @override(from: "workouts", label: "codex-exercises") @provides(fields: "name") @tag(name: "partner")"#),
            "{fields}"
        );
    }
    assert!(sdl.contains("federation/v2.7\""), "{sdl}");
}
