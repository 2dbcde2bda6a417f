//! The journal subgraph over real HTTP: entity batches and their statement counts, the
//! `@requires` time zone, the exact errors clients see, the privacy rules, and the GDPR
//! mutations.

mod common;

use chrono::{Duration, Utc};
use common::*;
use serde_json::{Value, json};
use tessera_kit::testing::{error_codes, first_error};

const USER_LISTS: &str = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User {
    id
    journalEntries(first: 10, filter: { tag: \"training\" }) { nodes { title mood tags workout { id } } pageInfo { hasNextPage } }
    moodTrend(days: 7) { date averageMood entries }
} } }";

async fn authors_with_entries(t: &tessera_kit::testing::TestDb, n: usize) -> Vec<Person> {
    let mut people = Vec::new();
    let now = Utc::now();
    for _ in 0..n {
        let p = athlete();
        for h in [3, 2, 1] {
            write(&t.db, &p, "evening", None, now - Duration::hours(h)).await;
        }
        people.push(p);
    }
    people
}

async fn statements_for(t: &tessera_kit::testing::TestDb, people: &[Person]) -> (usize, Value) {
    let served = serve(&t.db).await;
    let representations: Vec<_> = people
        .iter()
        .map(|p| json!({ "__typename": "User", "id": p.id.to_string(), "timezone": "Europe/Berlin" }))
        .collect();
    t.reset_statements();
    let body = served
        .gql(
            Some(&support().viewer()),
            USER_LISTS,
            json!({ "r": representations }),
        )
        .await;
    (t.statements(), body)
}

#[tokio::test]
async fn fifty_users_with_their_journals_cost_the_same_statements_as_two() {
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
    for (entity, person) in entities.iter().zip(&fifty) {
        assert_eq!(entity["id"], person.id.to_string());
        assert_eq!(
            entity["journalEntries"]["nodes"]
                .as_array()
                .expect("nodes")
                .len(),
            3
        );
        let entries: i64 = entity["moodTrend"]
            .as_array()
            .expect("days")
            .iter()
            .map(|d| d["entries"].as_i64().expect("count"))
            .sum();
        assert_eq!(entries, 3);
    }
    eprintln!("statements: 2 users → {two_count}, 50 users → {fifty_count}");
    assert_eq!(two_count, fifty_count);
    assert_eq!(fifty_count, 2, "one page query, one trend query");
}

#[tokio::test]
async fn the_trend_cuts_days_in_the_time_zone_the_router_provides() {
    let t = db().await;
    let alex = athlete();
    // Late evening UTC the day before yesterday: already the next day in Seoul.
    let now = Utc::now();
    let at = (now - Duration::days(2))
        .date_naive()
        .and_hms_opt(22, 30, 0)
        .expect("time")
        .and_utc();
    write(&t.db, &alex, "late", None, at).await;
    let served = serve(&t.db).await;
    let trend = |tz: &str| json!({ "r": [{ "__typename": "User", "id": alex.id.to_string(), "timezone": tz }] });
    let query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { moodTrend(days: 5) { date } } } }";
    for tz in ["UTC", "Asia/Seoul"] {
        let zone: chrono_tz::Tz = tz.parse().expect("zone");
        let body = served.gql(Some(&alex.viewer()), query, trend(tz)).await;
        assert_eq!(
            body["data"]["_entities"][0]["moodTrend"],
            json!([{ "date": at.with_timezone(&zone).format("%Y-%m-%d").to_string() }]),
            "{tz}: {body}"
        );
    }
    let body = served
        .gql(
            Some(&alex.viewer()),
            query.replace("days: 5", "days: 93").as_str(),
            trend("UTC"),
        )
        .await;
    assert_eq!(
        first_error(&body),
        &json!({ "code": "BAD_USER_INPUT", "field": "days" })
    );
}

#[tokio::test]
async fn invalid_input_answers_bad_user_input_with_the_field() {
    let t = db().await;
    let served = serve(&t.db).await;
    let alex = athlete();
    let create = "mutation($i: CreateJournalEntryInput!) { createJournalEntry(input: $i) { title mood energy tags visibility } }";
    let body = served
        .gql(
            Some(&alex.viewer()),
            create,
            json!({ "i": { "title": "Run", "mood": "GOOD", "energy": 9 } }),
        )
        .await;
    assert_eq!(
        body,
        json!({
            "data": null,
            "errors": [{
                "message": "energy must be between 1 and 5 (got 9)",
                "locations": [{ "line": 1, "column": 42 }],
                "path": ["createJournalEntry"],
                "extensions": { "code": "BAD_USER_INPUT", "field": "energy" }
            }]
        })
    );
    let body = served
        .gql(
            Some(&alex.viewer()),
            create,
            json!({ "i": { "title": "Run", "mood": "GOOD", "energy": 3, "shareWithCoachId": "nope" } }),
        )
        .await;
    assert_eq!(
        first_error(&body),
        &json!({ "code": "BAD_USER_INPUT", "field": "shareWithCoachId" })
    );
    let body = served
        .gql(
            None,
            create,
            json!({ "i": { "title": "Run", "mood": "GOOD", "energy": 3 } }),
        )
        .await;
    assert_eq!(first_error(&body), &json!({ "code": "UNAUTHENTICATED" }));
    let body = served
        .gql(
            Some(&alex.viewer()),
            create,
            json!({ "i": { "title": "Run", "mood": "GOOD", "energy": 3, "tags": ["Outdoors"] } }),
        )
        .await;
    assert_eq!(
        body["data"]["createJournalEntry"],
        json!({ "title": "Run", "mood": "GOOD", "energy": 3, "tags": ["outdoors"], "visibility": "PRIVATE" })
    );
}

#[tokio::test]
async fn only_the_author_the_chosen_coach_and_support_read_entries() {
    let t = db().await;
    let alex = athlete();
    let casey = athlete();
    let carter = coach().coaching(&[&alex]);
    // Kim coaches Casey, not Alex; and Carter once coached Alex, until users unlinked them.
    let kim = coach().coaching(&[&casey]);
    let former = carter.clone().unlinked_from(&alex);
    let private = write(&t.db, &alex, "private", None, t0()).await;
    let shared = write(&t.db, &alex, "shared", Some(&carter), t0()).await;
    let served = serve(&t.db).await;
    let list = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { journalEntries { nodes { title visibility sharedWithCoach { id } } } } } }";
    let of_alex = json!({ "r": [{ "__typename": "User", "id": alex.id.to_string() }] });
    let titles = |body: &Value| -> Vec<String> {
        body["data"]["_entities"][0]["journalEntries"]["nodes"]
            .as_array()
            .map(|nodes| {
                nodes
                    .iter()
                    .map(|n| n["title"].as_str().expect("title").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };

    let own = served
        .gql(Some(&alex.viewer()), list, of_alex.clone())
        .await;
    assert_eq!(titles(&own), vec!["private", "shared"]);
    assert_eq!(
        own["data"]["_entities"][0]["journalEntries"]["nodes"][1]["sharedWithCoach"]["id"],
        carter.id.to_string()
    );
    let chosen = served
        .gql(Some(&carter.viewer()), list, of_alex.clone())
        .await;
    assert_eq!(titles(&chosen), vec!["shared"]);
    let support_view = served
        .gql(Some(&support().viewer()), list, of_alex.clone())
        .await;
    assert_eq!(titles(&support_view), vec!["private", "shared"]);
    for outsider in [admin(), athlete(), kim.clone(), former.clone()] {
        let body = served
            .gql(Some(&outsider.viewer()), list, of_alex.clone())
            .await;
        assert_eq!(
            error_codes(&body),
            vec![("journalEntries".to_owned(), "FORBIDDEN".to_owned())]
        );
    }
    let anonymous = served.gql(None, list, of_alex).await;
    assert_eq!(
        error_codes(&anonymous),
        vec![("journalEntries".to_owned(), "UNAUTHENTICATED".to_owned())]
    );

    // By id and as an entity: the same rules, unseen entries are `null`.
    let one = "query($id: ID!) { journalEntry(id: $id) { title } }";
    let entity =
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on JournalEntry { title } } }";
    for (viewer, entry, visible) in [
        (&carter, &shared, true),
        (&carter, &private, false),
        (&kim, &shared, false),
        (&former, &shared, false),
    ] {
        let body = served
            .gql(
                Some(&viewer.viewer()),
                one,
                json!({ "id": entry.id.to_string() }),
            )
            .await;
        assert_eq!(body["data"]["journalEntry"].is_null(), !visible, "{body}");
        let body = served
            .gql(
                Some(&viewer.viewer()),
                entity,
                json!({ "r": [{ "__typename": "JournalEntry", "id": entry.id.to_string() }] }),
            )
            .await;
        assert_eq!(body["data"]["_entities"][0].is_null(), !visible, "{body}");
    }
    let admin_view = served
        .gql(
            Some(&admin().viewer()),
            one,
            json!({ "id": shared.id.to_string() }),
        )
        .await;
    assert_eq!(admin_view["data"]["journalEntry"], Value::Null);
}

#[tokio::test]
async fn an_entry_is_edited_deleted_and_restored_by_its_author() {
    let t = db().await;
    let alex = athlete();
    let carter = coach().coaching(&[&alex]);
    let served = serve(&t.db).await;
    let workout = uuid::Uuid::now_v7().to_string();
    let created = served
        .gql(
            Some(&alex.viewer()),
            "mutation($i: CreateJournalEntryInput!) { createJournalEntry(input: $i) { id workout { __typename id } } }",
            json!({ "i": { "title": "Squats", "mood": "GREAT", "energy": 4, "workoutId": workout } }),
        )
        .await;
    let entry = &created["data"]["createJournalEntry"];
    assert_eq!(
        entry["workout"],
        json!({ "__typename": "Workout", "id": workout })
    );
    let id = entry["id"].as_str().expect("id").to_owned();

    let update = "mutation($id: ID!, $i: UpdateJournalEntryInput!) { updateJournalEntry(id: $id, input: $i) { mood visibility workout { id } } }";
    let updated = served
        .gql(
            Some(&alex.viewer()),
            update,
            json!({ "id": id, "i": { "mood": "OKAY", "shareWithCoachId": carter.id.to_string(), "workoutId": null } }),
        )
        .await;
    assert_eq!(
        updated["data"]["updateJournalEntry"],
        json!({ "mood": "OKAY", "visibility": "SHARED_WITH_COACH", "workout": null })
    );
    let by_coach = served
        .gql(
            Some(&carter.viewer()),
            update,
            json!({ "id": id, "i": { "mood": "AWFUL" } }),
        )
        .await;
    assert_eq!(first_error(&by_coach), &json!({ "code": "NOT_FOUND" }));

    let delete = "mutation($id: ID!) { deleteJournalEntry(id: $id) { deletedAt } }";
    let restore = "mutation($id: ID!) { restoreJournalEntry(id: $id) { deletedAt title } }";
    let deleted = served
        .gql(Some(&alex.viewer()), delete, json!({ "id": id }))
        .await;
    assert!(deleted["data"]["deleteJournalEntry"]["deletedAt"].is_string());
    let hidden = served
        .gql(
            Some(&carter.viewer()),
            "query($id: ID!) { journalEntry(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(hidden["data"]["journalEntry"], Value::Null);
    let restored = served
        .gql(Some(&alex.viewer()), restore, json!({ "id": id }))
        .await;
    assert_eq!(
        restored["data"]["restoreJournalEntry"],
        json!({ "deletedAt": null, "title": "Squats" })
    );
    let again = served
        .gql(Some(&alex.viewer()), restore, json!({ "id": id }))
        .await;
    assert_eq!(
        first_error(&again),
        &json!({ "code": "CONFLICT", "field": "id" })
    );
}

#[tokio::test]
async fn export_then_delete_my_journal() {
    let t = db().await;
    let alex = athlete();
    let first = write(&t.db, &alex, "one", None, t0()).await;
    write(&t.db, &alex, "two", None, t0()).await;
    let served = serve(&t.db).await;
    let export = served
        .gql(
            Some(&alex.viewer()),
            "mutation { exportMyJournal { entries { id title author { id } } } }",
            json!({}),
        )
        .await;
    let entries = export["data"]["exportMyJournal"]["entries"]
        .as_array()
        .expect("list");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["id"], first.id.to_string());
    assert_eq!(entries[0]["author"]["id"], alex.id.to_string());
    let erased = served
        .gql(
            Some(&alex.viewer()),
            "mutation { deleteMyJournal { entries } }",
            json!({}),
        )
        .await;
    assert_eq!(erased["data"]["deleteMyJournal"], json!({ "entries": 2 }));
    let list = served
        .gql(
            Some(&alex.viewer()),
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { journalEntries { nodes { id } } } } }",
            json!({ "r": [{ "__typename": "User", "id": alex.id.to_string() }] }),
        )
        .await;
    assert_eq!(
        list["data"]["_entities"][0]["journalEntries"]["nodes"],
        json!([])
    );
    let anonymous = served
        .gql(None, "mutation { deleteMyJournal { entries } }", json!({}))
        .await;
    assert_eq!(
        first_error(&anonymous),
        &json!({ "code": "UNAUTHENTICATED" })
    );
}
