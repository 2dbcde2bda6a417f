//! A coach's athletes, live, over the subgraph's WebSocket: a session started (its first
//! set) and completed reach the coach, not another coach; a link users ended stops them
//! even on a subscription opened before; a caller who is not a coach is refused. On
//! SQLite, and PostgreSQL when `DATABASE_URL` is set; the in-process bus.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use tessera_kit::{
    events::catalogue::CoachingUnlinked,
    testing::{
        self,
        ws::{next, subscribed},
    },
};

const ACTIVITY: &str =
    "subscription { athleteActivity { kind athlete { id } workout { id title } } }";

#[tokio::test]
async fn a_coach_follows_their_athletes_sessions_live_until_the_link_ends() {
    let db = db().await;
    let (wiring, _running) =
        testing::events::in_process("workouts", &db.db, Some(tessera_workouts::reactions()));
    let served = testing::serve(tessera_workouts::app_with(
        db.db.clone(),
        testing::trust(),
        Some(wiring.bus.clone()),
    ))
    .await;
    let alex = athlete();
    let carter = coach().coaching(&[&alex]);
    let kim = coach();
    let mut carters = subscribed(&served, &carter, ACTIVITY).await;
    let mut kims = subscribed(&served, &kim, ACTIVITY).await;

    let scheduled = served
        .gql(
            Some(&alex.viewer()),
            "mutation($i: ScheduleWorkoutInput!) { scheduleWorkout(input: $i) { id } }",
            json!({ "i": { "athleteId": alex.id.to_string(), "title": "Hill repeats", "scheduledAt": "2026-12-08T07:00:00Z" } }),
        )
        .await;
    let workout = scheduled["data"]["scheduleWorkout"]["id"].clone();
    let squat = tessera_kit::catalogue::by_slug("back-squat")
        .expect("in the catalogue")
        .0;
    for _ in 0..2 {
        let set = served
            .gql(
                Some(&alex.viewer()),
                "mutation($w: ID!, $i: LogSetInput!) { logSet(workoutId: $w, input: $i) { id } }",
                json!({ "w": workout, "i": { "exerciseId": squat.to_string(), "reps": 5, "weightKg": 60 } }),
            )
            .await;
        assert!(set.get("errors").is_none(), "{set}");
    }
    let expected = |kind: &str| {
        Some(
            json!({ "id": "1", "type": "next", "payload": { "data": { "athleteActivity": {
            "kind": kind, "athlete": { "id": alex.id.to_string() },
            "workout": { "id": workout, "title": "Hill repeats" }
        } } } }),
        )
    };
    assert_eq!(
        next(&mut carters, Duration::from_secs(5)).await,
        expected("STARTED")
    );
    let done = served
        .gql(
            Some(&alex.viewer()),
            "mutation($w: ID!) { completeWorkout(workoutId: $w) { id } }",
            json!({ "w": workout }),
        )
        .await;
    assert!(done.get("errors").is_none(), "{done}");
    assert_eq!(
        next(&mut carters, Duration::from_secs(5)).await,
        expected("COMPLETED")
    );
    assert_eq!(
        next(&mut carters, Duration::from_millis(200)).await,
        None,
        "one start: the second set started nothing"
    );
    assert_eq!(
        next(&mut kims, Duration::from_millis(200)).await,
        None,
        "Kim does not coach Alex"
    );

    // Users ends the link: the open subscription hears no more of Alex.
    let ended = tessera_kit::events::Envelope::new(
        "users",
        &CoachingUnlinked {
            coach_id: carter.id,
            athlete_id: alex.id,
        },
        chrono::Utc::now(),
    );
    wiring.bus.publish(&ended).await.expect("handled");
    let again = served
        .gql(
            Some(&alex.viewer()),
            "mutation($i: ScheduleWorkoutInput!) { scheduleWorkout(input: $i) { id } }",
            json!({ "i": { "athleteId": alex.id.to_string(), "title": "Easy run", "scheduledAt": "2026-12-09T07:00:00Z" } }),
        )
        .await;
    let second = again["data"]["scheduleWorkout"]["id"].clone();
    served
        .gql(
            Some(&alex.viewer()),
            "mutation($w: ID!) { completeWorkout(workoutId: $w) { id } }",
            json!({ "w": second }),
        )
        .await;
    assert_eq!(next(&mut carters, Duration::from_millis(500)).await, None);

    // Not a coach: refused with the reason.
    let mut alexs = subscribed(&served, &alex, ACTIVITY).await;
    let refused: Value = next(&mut alexs, Duration::from_secs(5))
        .await
        .expect("an answer");
    assert_eq!(
        refused,
        json!({ "id": "1", "type": "next", "payload": { "data": null, "errors": [{
            "message": "only coaches follow their athletes' activity",
            "locations": [{ "line": 1, "column": 16 }],
            "path": ["athleteActivity"],
            "extensions": { "code": "FORBIDDEN" }
        }] } })
    );
}
