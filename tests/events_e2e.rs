//! The events between domains, end to end through the router, with every subgraph on
//! its own database (PostgreSQL when `DATABASE_URL` is set, else SQLite) and the
//! in-process bus: erasure everywhere with its receipt, a coach told of a completed
//! session once however often the event arrives, an athlete told of a plan, an ended
//! coaching link closing the athlete's training to the coach at once, and dead letters
//! an administrator sees and replays.

mod common;

use std::time::Duration;

use common::Platform;
use sea_orm_migration::sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, prelude::Uuid,
};
use serde_json::{Value, json};
use tessera_kit::events::{
    Bus, Event,
    catalogue::WorkoutCompleted,
    entity::{dead_letter, outbox},
    outbox::envelope_of,
};

const ALL: [&str; 5] = ["users", "workouts", "notifications", "journal", "codex"];

fn errors(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|e| {
                    (
                        e["path"][0].as_str().unwrap_or_default().to_owned(),
                        e["extensions"]["code"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `query` as `token`, which must answer without errors; its `data`.
async fn data(p: &Platform, token: Option<&str>, query: &str, variables: Value) -> Value {
    let (status, body) = p.gql(token, query, variables).await;
    assert_eq!(status, 200, "{body}");
    assert!(errors(&body).is_empty(), "{body}");
    body["data"].clone()
}

/// Asks `check` every 50 ms for at most 10 s until it holds; its last answer.
async fn eventually<F, Fut>(what: &str, mut check: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<Value>>,
{
    for _ in 0..200 {
        if let Some(seen) = check().await {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not within 10 s");
}

async fn my_id(p: &Platform, token: &str) -> String {
    data(p, Some(token), "{ me { id } }", json!({})).await["me"]["id"]
        .as_str()
        .expect("an id")
        .to_owned()
}

/// `token`'s notifications of `kind`: (title, body, data).
async fn notifications(p: &Platform, token: &str, kind: &str) -> Vec<(String, String, Value)> {
    let seen = data(
        p,
        Some(token),
        "{ me { notifications(first: 100) { nodes { kind title body data } } } }",
        json!({}),
    )
    .await;
    seen["me"]["notifications"]["nodes"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|n| n["kind"] == kind)
        .map(|n| {
            (
                n["title"].as_str().unwrap_or_default().to_owned(),
                n["body"].as_str().unwrap_or_default().to_owned(),
                serde_json::from_str(n["data"].as_str().unwrap_or("{}")).unwrap_or_default(),
            )
        })
        .collect()
}

async fn count_live<E: EntityTrait>(
    db: &impl ConnectionTrait,
    owner: E::Column,
    deleted_at: E::Column,
    id: Uuid,
) -> u64
where
    E::Model: Sync,
{
    E::find()
        .filter(owner.eq(id))
        .filter(deleted_at.is_null())
        .count(db)
        .await
        .expect("counts")
}

#[tokio::test]
async fn a_deleted_account_is_erased_in_every_domain_with_a_receipt() {
    let p = Platform::start(&ALL, true).await;
    let alex = p.token("alex").await;
    let alex_id = my_id(&p, &alex).await;
    let uuid = Uuid::parse_str(&alex_id).expect("a UUID");
    let (workouts, journal, codex, notes) = (
        &p.dbs["workouts"].db,
        &p.dbs["journal"].db,
        &p.dbs["codex"].db,
        &p.dbs["notifications"].db,
    );
    use tessera_workouts::entity::workout;
    let live_workouts = || {
        count_live::<workout::Entity>(
            workouts,
            workout::Column::AthleteId,
            workout::Column::DeletedAt,
            uuid,
        )
    };
    use tessera_journal::entity::entry as journal_entry;
    let live_entries = || {
        count_live::<journal_entry::Entity>(
            journal,
            journal_entry::Column::AuthorId,
            journal_entry::Column::DeletedAt,
            uuid,
        )
    };
    use tessera_notifications::entity::notification;
    let live_notifications = || {
        count_live::<notification::Entity>(
            notes,
            notification::Column::RecipientId,
            notification::Column::DeletedAt,
            uuid,
        )
    };
    assert!(live_workouts().await > 0, "the demo gives Alex workouts");
    assert!(live_entries().await > 0, "and journal entries");
    assert!(live_notifications().await > 0, "and notifications");
    let codex_before = {
        use tessera_codex::entity::entry;
        count_live::<entry::Entity>(
            codex,
            entry::Column::AuthorId,
            entry::Column::DeletedAt,
            uuid,
        )
        .await
    };

    let deleted = data(
        &p,
        Some(&alex),
        "mutation { deleteAccount { id purgeAfter erasureReceiptToken } }",
        json!({}),
    )
    .await;
    let token = deleted["deleteAccount"]["erasureReceiptToken"]
        .as_str()
        .expect("a receipt token")
        .to_owned();
    let receipt_query = "query($t: String) { erasureReceipt(token: $t) { userId requestedAt complete pending confirmed { domain confirmedAt erased { what count } } } }";
    let receipt = eventually("every domain confirms", || async {
        let seen = data(&p, None, receipt_query, json!({ "t": token })).await;
        (seen["erasureReceipt"]["complete"] == true).then_some(seen)
    })
    .await;
    let receipt = &receipt["erasureReceipt"];
    assert_eq!(receipt["userId"], alex_id);
    assert_eq!(receipt["pending"], json!([]));
    let domains: Vec<&str> = receipt["confirmed"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| c["domain"].as_str().expect("a domain"))
        .collect();
    assert_eq!(domains, ALL, "{receipt}");
    let erased = |domain: &str, what: &str| -> i64 {
        receipt["confirmed"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["domain"] == domain))
            .and_then(|c| c["erased"].as_array())
            .and_then(|rows| rows.iter().find(|r| r["what"] == what))
            .and_then(|r| r["count"].as_i64())
            .unwrap_or(-1)
    };
    assert!(erased("workouts", "workouts") > 0, "{receipt}");
    assert!(erased("journal", "entries") > 0, "{receipt}");
    assert!(erased("notifications", "notifications") > 0, "{receipt}");
    assert_eq!(
        erased("codex", "entries"),
        i64::try_from(codex_before).expect("small")
    );

    // Gone from every domain (soft-deleted now, purged after their retention).
    assert_eq!(live_workouts().await, 0);
    assert_eq!(live_entries().await, 0);
    assert_eq!(live_notifications().await, 0);

    // The token reads only its own receipt; a wrong one reads nothing.
    let none = data(&p, None, receipt_query, json!({ "t": "not-a-token" })).await;
    assert_eq!(none["erasureReceipt"], Value::Null);
    // Administrators read it by the account's id; nobody else does.
    let by_id = "query($u: ID) { erasureReceipt(userId: $u) { complete } }";
    let ada = p.token("ada").await;
    let seen = data(&p, Some(&ada), by_id, json!({ "u": alex_id })).await;
    assert_eq!(seen["erasureReceipt"]["complete"], true);
    let blair = p.token("blair").await;
    let (_, refused) = p.gql(Some(&blair), by_id, json!({ "u": alex_id })).await;
    assert_eq!(
        errors(&refused),
        vec![("erasureReceipt".to_owned(), "FORBIDDEN".to_owned())],
        "{refused}"
    );
}

#[tokio::test]
async fn a_completed_session_tells_each_coach_once_however_often_it_is_delivered() {
    let p = Platform::start(&ALL, true).await;
    let (alex, carter) = (p.token("alex").await, p.token("carter").await);
    let alex_id = my_id(&p, &alex).await;
    let scheduled = data(
        &p,
        Some(&alex),
        "mutation($i: ScheduleWorkoutInput!) { scheduleWorkout(input: $i) { id } }",
        json!({ "i": { "athleteId": alex_id, "title": "Tempo run", "scheduledAt": "2026-12-08T07:00:00Z" } }),
    )
    .await;
    let workout_id = scheduled["scheduleWorkout"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    data(
        &p,
        Some(&alex),
        "mutation($w: ID!) { completeWorkout(workoutId: $w, durationSeconds: 1800) { completedAt } }",
        json!({ "w": workout_id }),
    )
    .await;
    let told = eventually("the coach is told", || async {
        let seen = notifications(&p, &carter, "ATHLETE_PROGRESS").await;
        (!seen.is_empty()).then(|| json!(seen.len()))
    })
    .await;
    assert_eq!(told, 1);
    let seen = notifications(&p, &carter, "ATHLETE_PROGRESS").await;
    assert_eq!(seen[0].0, "An athlete completed a session");
    assert_eq!(seen[0].1, "Tempo run");
    assert_eq!(seen[0].2["athleteId"], alex_id);
    assert_eq!(seen[0].2["workoutId"], workout_id);

    // The same event delivered again (a relay that crashed before marking it relayed,
    // a redelivery after a claim): nothing more.
    let row = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(WorkoutCompleted::KIND))
        .one(&p.dbs["workouts"].db)
        .await
        .expect("reads")
        .expect("the event is in the outbox");
    let event = envelope_of(&row);
    for _ in 0..3 {
        p.events.bus.publish(&event).await.expect("delivered");
    }
    assert_eq!(
        notifications(&p, &carter, "ATHLETE_PROGRESS").await.len(),
        1
    );
    // Another coach of someone else hears nothing.
    let kim = p.token("kim").await;
    assert!(notifications(&p, &kim, "ATHLETE_PROGRESS").await.is_empty());
}

#[tokio::test]
async fn an_assigned_plan_tells_the_athlete() {
    let p = Platform::start(&ALL, true).await;
    let (blair, carter) = (p.token("blair").await, p.token("carter").await);
    let blair_id = my_id(&p, &blair).await;
    let exercise = data(
        &p,
        None,
        r#"{ exercise(slug: "back-squat") { id } }"#,
        json!({}),
    )
    .await;
    let created = data(
        &p,
        Some(&carter),
        "mutation($i: CreateWorkoutPlanInput!) { createWorkoutPlan(input: $i) { id } }",
        json!({ "i": { "title": "Base block", "weeks": 1, "sessions": [
            { "week": 1, "day": 1, "exercises": [{ "exerciseId": exercise["exercise"]["id"], "sets": 3, "reps": 5 }] }
        ] } }),
    )
    .await;
    let plan_id = created["createWorkoutPlan"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    data(
        &p,
        Some(&carter),
        "mutation($p: ID!, $a: ID!) { assignWorkoutPlan(planId: $p, athleteId: $a, startsAt: \"2026-12-14T07:00:00Z\") { id } }",
        json!({ "p": plan_id, "a": blair_id }),
    )
    .await;
    let told = eventually("the athlete is told", || async {
        let seen = notifications(&p, &blair, "PLAN_ASSIGNED").await;
        seen.iter()
            .find(|n| n.2["planId"] == plan_id.as_str())
            .map(|n| json!([n.0, n.1]))
    })
    .await;
    assert_eq!(
        told,
        json!(["Your coach assigned you a plan", "Base block"])
    );
}

#[tokio::test]
async fn an_ended_coaching_link_closes_the_athletes_training_to_the_coach_at_once() {
    let p = Platform::start(&ALL, true).await;
    let (alex, carter) = (p.token("alex").await, p.token("carter").await);
    let (alex_id, carter_id) = (my_id(&p, &alex).await, my_id(&p, &carter).await);
    let training = "query($u: ID!) { user(id: $u) { workouts(first: 5) { nodes { id } } } }";
    // The coach's token names Alex on its roster: the training is open to them.
    data(&p, Some(&carter), training, json!({ "u": alex_id })).await;

    let ended = data(
        &p,
        Some(&alex),
        "mutation($c: ID!, $a: ID!) { unlinkCoach(coachId: $c, athleteId: $a) }",
        json!({ "c": carter_id, "a": alex_id }),
    )
    .await;
    assert_eq!(ended["unlinkCoach"], true);
    // The same token, still valid and still naming Alex: refused as soon as the event
    // is handled, not when the token expires.
    eventually("workouts stops honouring the link", || async {
        let (_, body) = p
            .gql(Some(&carter), training, json!({ "u": alex_id }))
            .await;
        errors(&body)
            .iter()
            .any(|(_, code)| code == "FORBIDDEN")
            .then_some(body)
    })
    .await;
    // Alex's own view is unchanged; a stranger cannot end someone else's link.
    data(&p, Some(&alex), training, json!({ "u": alex_id })).await;
    let drew = p.token("drew").await;
    let (_, refused) = p
        .gql(
            Some(&drew),
            "mutation($c: ID!, $a: ID!) { unlinkCoach(coachId: $c, athleteId: $a) }",
            json!({ "c": carter_id, "a": alex_id }),
        )
        .await;
    assert_eq!(
        errors(&refused),
        vec![("unlinkCoach".to_owned(), "FORBIDDEN".to_owned())]
    );
    // Linked again by an administrator: open again (the severed link is forgotten).
    let ada = p.token("ada").await;
    data(
        &p,
        Some(&ada),
        "mutation($c: ID!, $a: ID!) { linkCoach(coachId: $c, athleteId: $a) }",
        json!({ "c": carter_id, "a": alex_id }),
    )
    .await;
    eventually("workouts honours the new link", || async {
        let (_, body) = p
            .gql(Some(&carter), training, json!({ "u": alex_id }))
            .await;
        errors(&body).is_empty().then_some(body)
    })
    .await;
}

#[tokio::test]
async fn a_poison_event_is_dead_lettered_listed_for_administrators_and_replayed() {
    let p = Platform::start(&ALL, true).await;
    // An event of a version this build does not know, as a newer producer might send.
    let ghost = Uuid::now_v7();
    let mut event = tessera_kit::events::Envelope::new(
        "workouts",
        &WorkoutCompleted {
            workout_id: ghost,
            athlete_id: ghost,
            title: "From the future".to_owned(),
            completed_at: chrono::Utc::now(),
        },
        chrono::Utc::now(),
    );
    event.version = 2;
    p.events.bus.publish(&event).await.expect("delivered");
    let parked = dead_letter::Entity::find()
        .filter(dead_letter::Column::EventId.eq(event.id))
        .all(&p.dbs["notifications"].db)
        .await
        .expect("reads");
    assert_eq!(parked.len(), 1);
    assert_eq!(
        parked[0].error,
        "`workout.completed` version 2 is not known here (this build reads version 1)"
    );
    assert_eq!(parked[0].attempts, 1, "a refusal is not retried");

    let ada = p.token("ada").await;
    let list = "{ eventDeadLetters(consumer: \"notifications\") { id consumer eventId kind error attempts replayedAt replayError } }";
    let listed = eventually("users lists the dead letter", || async {
        let seen = data(&p, Some(&ada), list, json!({})).await;
        seen["eventDeadLetters"].as_array().and_then(|all| {
            all.iter()
                .find(|d| d["eventId"] == event.id.to_string())
                .cloned()
        })
    })
    .await;
    assert_eq!(listed["kind"], "workout.completed");
    assert_eq!(listed["error"], parked[0].error.as_str());
    // Nobody but an administrator sees them.
    let alex = p.token("alex").await;
    let (_, refused) = p.gql(Some(&alex), list, json!({})).await;
    // The router removes the field (scope `users:admin`) before users is asked.
    assert_eq!(
        errors(&refused),
        vec![(
            "eventDeadLetters".to_owned(),
            "UNAUTHORIZED_FIELD_OR_TYPE".to_owned()
        )],
        "{refused}"
    );

    // Replayed as it is, it fails again, and says why.
    let replay = "mutation($id: ID!) { replayDeadLetter(id: $id) { id replayRequestedAt } }";
    let replayed = data(&p, Some(&ada), replay, json!({ "id": listed["id"] })).await;
    assert!(replayed["replayDeadLetter"]["replayRequestedAt"].is_string());
    let again = eventually("the replay's outcome is reported", || async {
        let seen = data(&p, Some(&ada), list, json!({})).await;
        seen["eventDeadLetters"]
            .as_array()
            .and_then(|all| all.iter().find(|d| d["id"] == listed["id"]).cloned())
            .filter(|d| d["replayError"].is_string())
    })
    .await;
    assert_eq!(again["replayError"], listed["error"]);
    assert_eq!(again["replayedAt"], Value::Null);

    // An event the consumer can take (version 1), parked by a handler failure: the
    // replay takes it, and it leaves the open list.
    let mut fixed = event.clone();
    fixed.version = 1;
    let id = Uuid::parse_str(listed["id"].as_str().expect("id")).expect("uuid");
    dead_letter::Entity::update_many()
        .col_expr(
            dead_letter::Column::Envelope,
            sea_orm_migration::sea_orm::sea_query::Expr::value(
                serde_json::to_string(&fixed).expect("JSON"),
            ),
        )
        .filter(dead_letter::Column::Id.eq(id))
        .exec(&p.dbs["notifications"].db)
        .await
        .expect("updates");
    data(&p, Some(&ada), replay, json!({ "id": listed["id"] })).await;
    eventually("the replay is taken", || async {
        let seen = data(&p, Some(&ada), list, json!({})).await;
        let open = seen["eventDeadLetters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        (!open.iter().any(|d| d["id"] == listed["id"])).then_some(seen)
    })
    .await;
    let (_, conflict) = p
        .gql(Some(&ada), replay, json!({ "id": listed["id"] }))
        .await;
    assert_eq!(
        errors(&conflict),
        vec![("replayDeadLetter".to_owned(), "CONFLICT".to_owned())]
    );
    let _: &Bus = &p.events.bus;
}

#[tokio::test]
async fn a_journal_entry_shared_with_a_coach_tells_that_coach_and_nobody_else() {
    let p = Platform::start(&ALL, true).await;
    let (alex, carter, kim) = (
        p.token("alex").await,
        p.token("carter").await,
        p.token("kim").await,
    );
    let (carter_id, kim_id) = (my_id(&p, &carter).await, my_id(&p, &kim).await);
    let write = "mutation($i: CreateJournalEntryInput!) { createJournalEntry(input: $i) { id } }";
    let mut entries = Vec::new();
    for (title, coach) in [("For Carter", &carter_id), ("For Kim", &kim_id)] {
        let written = data(
            &p,
            Some(&alex),
            write,
            json!({ "i": { "title": title, "mood": "GOOD", "energy": 4, "shareWithCoachId": coach } }),
        )
        .await;
        entries.push(
            written["createJournalEntry"]["id"]
                .as_str()
                .expect("an id")
                .to_owned(),
        );
    }
    let told = eventually("Carter is told", || async {
        let seen = notifications(&p, &carter, "JOURNAL_SHARED").await;
        (!seen.is_empty()).then(|| json!(seen.iter().map(|n| [&n.0, &n.1]).collect::<Vec<_>>()))
    })
    .await;
    assert_eq!(
        told,
        json!([["An athlete shared a journal entry", "For Carter"]])
    );
    // Kim does not coach Alex: sharing with her notifies nobody (once both events were
    // handled: the journal's outbox is relayed in order).
    eventually("both events handled", || async {
        let relayed = outbox::Entity::find()
            .filter(outbox::Column::RelayedAt.is_null())
            .count(&p.dbs["journal"].db)
            .await
            .expect("counts");
        (relayed == 0).then_some(Value::Null)
    })
    .await;
    assert!(notifications(&p, &kim, "JOURNAL_SHARED").await.is_empty());
}
