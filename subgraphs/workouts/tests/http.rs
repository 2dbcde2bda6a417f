//! The workouts subgraph over real HTTP: entity batches and their statement counts, the
//! exact errors clients see, the access rules, and the GDPR mutations.

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::Duration;
use tessera_kit::testing::first_error;

use tessera_identity::{
    Ed25519Key,
    internal::{HEADER, Signer},
};
use tessera_kit::viewer::{Role, Viewer};
use tessera_workouts::service::{
    catalogue::id_of,
    sessions::{self, NewSet},
};

const USER_LISTS: &str = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User {
    id
    workouts(first: 10) { nodes { id title status sets { reps weightKg exercise { slug } } } pageInfo { hasNextPage } }
    planAssignments(first: 5) { nodes { plan { title sessions { week day exercises { reps } } } } }
    progress(weeks: 4) { completedWorkouts adherenceRate weeklyVolume { volumeKg } personalRecords { weightKg reps } }
} } }";

/// Assigns a plan to each of `n` athletes and logs a set on each one's first workout.
async fn athletes_with_training(t: &tessera_kit::testing::TestDb, n: usize) -> Vec<Person> {
    let people: Vec<Person> = (0..n).map(|_| athlete()).collect();
    let carter = coach().coaching(&people.iter().collect::<Vec<_>>());
    for p in &people {
        let (_, workouts) = assign(&t.db, &carter, p).await;
        let access = p.access();
        sessions::log_set(
            &t.db,
            &access,
            workouts[0].id,
            NewSet {
                exercise_id: id_of("back-squat"),
                reps: 5,
                weight_kg: 100.0,
                rpe: None,
                duration_seconds: None,
            },
            t0(),
        )
        .await
        .expect("logs");
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
        .gql(
            Some(&admin().viewer()),
            USER_LISTS,
            json!({ "r": representations }),
        )
        .await;
    (t.statements(), body)
}

#[tokio::test]
async fn fifty_users_with_their_lists_cost_the_same_statements_as_two() {
    let small = db().await;
    let two = athletes_with_training(&small, 2).await;
    let (two_count, two_body) = statements_for(&small, &two).await;
    assert_eq!(two_body["errors"], Value::Null, "{two_body}");

    let big = db().await;
    let fifty = athletes_with_training(&big, 50).await;
    let (fifty_count, body) = statements_for(&big, &fifty).await;
    assert_eq!(body["errors"], Value::Null, "{body}");
    let entities = body["data"]["_entities"].as_array().expect("a list");
    assert_eq!(entities.len(), 50);
    for (entity, person) in entities.iter().zip(&fifty) {
        assert_eq!(entity["id"], person.id.to_string());
        assert_eq!(
            entity["workouts"]["nodes"].as_array().expect("nodes").len(),
            4
        );
        assert_eq!(
            entity["workouts"]["nodes"][0]["sets"],
            json!([{ "reps": 5, "weightKg": 100.0, "exercise": { "slug": "back-squat" } }])
        );
        assert_eq!(
            entity["planAssignments"]["nodes"][0]["plan"]["sessions"][0],
            json!({ "week": 1, "day": 1, "exercises": [{ "reps": 5 }, { "reps": 10 }] })
        );
    }
    eprintln!("statements: 2 users → {two_count}, 50 users → {fifty_count}");
    assert_eq!(two_count, fifty_count);
    // workouts, sets, exercises, assignments, plans, targets, and three for the stats.
    // (Each loader sits on one path of this query: a loader reached from two depths may
    // run once per depth, which is still independent of the number of users.)
    assert_eq!(fifty_count, 9);
}

#[tokio::test]
async fn invalid_input_answers_bad_user_input_with_the_field() {
    let t = db().await;
    let served = serve(&t.db).await;
    let carter = coach();
    let create = "mutation($i: CreateWorkoutPlanInput!) { createWorkoutPlan(input: $i) { title weeks sessions { week day } } }";
    let input = |weeks: i32, day: i32| {
        json!({ "i": { "title": "Base", "weeks": weeks, "sessions": [
            { "week": 1, "day": day, "exercises": [{ "exerciseId": id_of("deadlift").to_string(), "sets": 3, "reps": 5 }] }
        ] } })
    };
    let body = served
        .gql(Some(&carter.viewer()), create, input(0, 1))
        .await;
    assert_eq!(
        body,
        json!({
            "data": null,
            "errors": [{
                "message": "`weeks` must be between 1 and 52 (got 0)",
                "locations": [{ "line": 1, "column": 41 }],
                "path": ["createWorkoutPlan"],
                "extensions": { "code": "BAD_USER_INPUT", "field": "weeks" }
            }]
        })
    );
    let body = served
        .gql(Some(&carter.viewer()), create, input(4, 9))
        .await;
    assert_eq!(
        first_error(&body),
        &json!({ "code": "BAD_USER_INPUT", "field": "day" })
    );
    let body = served
        .gql(
            Some(&carter.viewer()),
            "query { user: workoutPlan(id: \"nope\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(
        first_error(&body),
        &json!({ "code": "BAD_USER_INPUT", "field": "id" })
    );
    let body = served
        .gql(Some(&athlete().viewer()), create, input(4, 1))
        .await;
    assert_eq!(first_error(&body), &json!({ "code": "FORBIDDEN" }));
    let body = served.gql(None, create, input(4, 1)).await;
    assert_eq!(first_error(&body), &json!({ "code": "UNAUTHENTICATED" }));
    let body = served
        .gql(Some(&carter.viewer()), create, input(4, 1))
        .await;
    assert_eq!(
        body["data"]["createWorkoutPlan"],
        json!({ "title": "Base", "weeks": 4, "sessions": [{ "week": 1, "day": 1 }] })
    );
}

#[tokio::test]
async fn requests_without_a_router_token_are_refused() {
    let t = db().await;
    let served = serve(&t.db).await;
    let id = uuid::Uuid::now_v7();
    let admin = Viewer::user(id).with_roles(&[Role::Admin]).to_identity();
    let forged = Signer::new(
        &Ed25519Key::from_seed("test-router", &[1; 32]),
        Duration::from_secs(60),
    )
    .token(&admin);
    let cases: [(&str, Option<&str>, &str); 3] = [
        (
            "no token",
            None,
            "the request carries no router identity token (header `x-tessera-identity`); subgraphs answer only the router",
        ),
        (
            "a token signed by another key",
            Some(&forged),
            "the router identity token is invalid: InvalidSignature",
        ),
        (
            "garbage",
            Some("x.y.z"),
            "the router identity token is invalid: ",
        ),
    ];
    for (case, token, message) in cases {
        let mut request = served
            .client
            .post(format!("{}/graphql", served.url))
            // What the identity headers of old looked like: ignored now.
            .header("x-tessera-user-id", id.to_string())
            .header("x-tessera-roles", "admin")
            .json(&json!({ "query": "{ exercises(first: 1) { nodes { slug } } }" }));
        if let Some(token) = token {
            request = request.header(HEADER, token);
        }
        let response = request.send().await.expect("answers");
        assert_eq!(response.status(), 401, "{case}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(first_error(&body)["code"], "UNAUTHENTICATED", "{case}");
        let got = body["errors"][0]["message"].as_str().expect("a message");
        assert!(got.starts_with(message), "{case}: {got}");
        assert!(
            body.get("data").is_none_or(Value::is_null),
            "{case}: {body}"
        );
    }
    // Health stays open, and the same request with the router's token is answered.
    let live = served
        .client
        .get(format!("{}/health/live", served.url))
        .send()
        .await
        .expect("answers");
    assert_eq!(live.status(), 200);
    let body = served
        .gql(
            None,
            "{ exercises(first: 1) { nodes { slug } } }",
            json!({}),
        )
        .await;
    assert!(body["errors"].is_null(), "{body}");
}

#[tokio::test]
async fn athletes_coaches_and_admins_see_what_the_rules_allow() {
    let t = db().await;
    let alex = athlete();
    let blair = athlete();
    let carter = coach().coaching(&[&alex]);
    let kim = coach().coaching(&[&blair]);
    let (_, workouts) = assign(&t.db, &carter, &alex).await;
    let served = serve(&t.db).await;
    let lists = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { workouts { nodes { id } } progress { scheduledWorkouts } workoutPlans { nodes { title } } } } }";
    let of = |p: &Person| json!({ "r": [{ "__typename": "User", "id": p.id.to_string() }] });

    let counts = |body: &Value| -> Vec<(String, String)> {
        body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        // Entity errors carry `["_entities", "field"]` (async-graphql
                        // leaves out the index): the field is the last segment.
                        let path = e["path"].as_array().expect("a path");
                        (
                            path.last()
                                .and_then(Value::as_str)
                                .expect("field")
                                .to_owned(),
                            e["extensions"]["code"].as_str().expect("code").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };

    let own = served.gql(Some(&alex.viewer()), lists, of(&alex)).await;
    assert_eq!(
        own["data"]["_entities"][0]["workouts"]["nodes"]
            .as_array()
            .expect("nodes")
            .len(),
        4
    );
    assert_eq!(counts(&own), vec![], "everything of one's own is visible");

    let coach_view = served.gql(Some(&carter.viewer()), lists, of(&alex)).await;
    // The window ends at the request's real clock: the count varies, its presence not.
    assert!(coach_view["data"]["_entities"][0]["progress"]["scheduledWorkouts"].is_i64());
    assert_eq!(
        counts(&coach_view),
        vec![("workoutPlans".to_owned(), "FORBIDDEN".to_owned())]
    );
    assert_eq!(
        coach_view["data"]["_entities"][0]["workouts"]["nodes"]
            .as_array()
            .expect("nodes")
            .len(),
        4
    );

    let other_coach = served.gql(Some(&kim.viewer()), lists, of(&alex)).await;
    let mut denied = counts(&other_coach);
    denied.sort();
    assert_eq!(
        denied,
        vec![
            ("progress".to_owned(), "FORBIDDEN".to_owned()),
            ("workoutPlans".to_owned(), "FORBIDDEN".to_owned()),
            ("workouts".to_owned(), "FORBIDDEN".to_owned()),
        ]
    );
    let peer = served.gql(Some(&blair.viewer()), lists, of(&alex)).await;
    assert_eq!(counts(&peer).len(), 3);
    let anonymous = served.gql(None, lists, of(&alex)).await;
    assert!(
        counts(&anonymous)
            .iter()
            .all(|(_, code)| code == "UNAUTHENTICATED")
    );

    let admin_view = served
        .gql(Some(&admin().viewer()), lists, of(&carter))
        .await;
    assert_eq!(
        admin_view["data"]["_entities"][0]["workoutPlans"]["nodes"],
        json!([{ "title": "Two weeks" }])
    );

    // The Workout entity (what journal entries link to) follows the same rules.
    let workout = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Workout { title athlete { id } } } }";
    let rep = json!({ "r": [{ "__typename": "Workout", "id": workouts[0].id.to_string() }] });
    let seen = served
        .gql(Some(&carter.viewer()), workout, rep.clone())
        .await;
    assert_eq!(
        seen["data"]["_entities"][0]["title"],
        "Two weeks · week 1, day 1"
    );
    let hidden = served.gql(Some(&kim.viewer()), workout, rep).await;
    assert_eq!(hidden["data"]["_entities"], json!([null]));
}

#[tokio::test]
async fn a_coach_plans_for_and_sees_only_the_athletes_their_roster_names() {
    let t = db().await;
    let alex = athlete();
    let casey = athlete();
    let carter = coach().coaching(&[&alex]);
    let plan = plan_by(&t.db, &carter).await;
    let served = serve(&t.db).await;
    let assign = "mutation($p: ID!, $a: ID!) { assignWorkoutPlan(planId: $p, athleteId: $a, startsAt: \"2026-11-23T07:00:00Z\") { athlete { id } } }";
    let schedule = "mutation($a: ID!) { scheduleWorkout(input: { athleteId: $a, title: \"Extra\", scheduledAt: \"2026-11-24T07:00:00Z\" }) { id } }";
    let lists = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { workouts { nodes { id } } planAssignments { nodes { id } } progress { scheduledWorkouts } } } }";
    let of = |p: &Person| json!({ "r": [{ "__typename": "User", "id": p.id.to_string() }] });
    let vars = |athlete: &Person| json!({ "p": plan.id.to_string(), "a": athlete.id.to_string() });
    let forbidden = |body: &Value, field: &str, message: &str| {
        assert_eq!(body["data"], Value::Null, "{body}");
        assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "{body}");
        let error = &body["errors"][0];
        assert_eq!(error["message"], message);
        assert_eq!(error["path"], json!([field]));
        assert_eq!(error["extensions"], json!({ "code": "FORBIDDEN" }));
    };

    // Casey is not Carter's athlete: the plan is refused and nothing is written.
    let refused = served
        .gql(Some(&carter.viewer()), assign, vars(&casey))
        .await;
    forbidden(
        &refused,
        "assignWorkoutPlan",
        "you may plan only for athletes you coach",
    );
    let refused = served
        .gql(
            Some(&carter.viewer()),
            schedule,
            json!({ "a": casey.id.to_string() }),
        )
        .await;
    forbidden(
        &refused,
        "scheduleWorkout",
        "you may schedule workouts for yourself and for athletes you coach",
    );
    let own = served.gql(Some(&casey.viewer()), lists, of(&casey)).await;
    assert_eq!(
        own["data"]["_entities"][0]["workouts"]["nodes"],
        json!([]),
        "nothing was scheduled for Casey: {own}"
    );
    assert_eq!(
        own["data"]["_entities"][0]["planAssignments"]["nodes"],
        json!([])
    );

    // Nor does Carter read Casey's training.
    let read = served.gql(Some(&carter.viewer()), lists, of(&casey)).await;
    let mut denied = tessera_kit::testing::error_codes(&read);
    denied.sort();
    assert_eq!(
        denied,
        [
            ("planAssignments".to_owned(), "FORBIDDEN".to_owned()),
            ("progress".to_owned(), "FORBIDDEN".to_owned()),
            ("workouts".to_owned(), "FORBIDDEN".to_owned()),
        ]
    );

    // Alex is: the plan lands and Carter follows it.
    let assigned = served
        .gql(Some(&carter.viewer()), assign, vars(&alex))
        .await;
    assert_eq!(
        assigned,
        json!({ "data": { "assignWorkoutPlan": { "athlete": { "id": alex.id.to_string() } } } })
    );
    let followed = served.gql(Some(&carter.viewer()), lists, of(&alex)).await;
    assert_eq!(tessera_kit::testing::error_codes(&followed), []);
    let nodes = followed["data"]["_entities"][0]["workouts"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert_eq!(nodes.len(), 4);

    // Once users removes the link, the assignment Carter made grants him nothing.
    let former = carter.clone().unlinked_from(&alex);
    let read = served.gql(Some(&former.viewer()), lists, of(&alex)).await;
    assert_eq!(tessera_kit::testing::error_codes(&read).len(), 3, "{read}");
    let one = served
        .gql(
            Some(&former.viewer()),
            "query($id: ID!) { workout(id: $id) { id } }",
            json!({ "id": nodes[0]["id"] }),
        )
        .await;
    assert_eq!(one, json!({ "data": { "workout": null } }));
    let again = served
        .gql(
            Some(&former.viewer()),
            schedule,
            json!({ "a": alex.id.to_string() }),
        )
        .await;
    assert_eq!(
        tessera_kit::testing::error_codes(&again),
        [("scheduleWorkout".to_owned(), "FORBIDDEN".to_owned())]
    );
}

#[tokio::test]
async fn exercises_resolve_by_either_key_for_anyone() {
    let t = db().await;
    let served = serve(&t.db).await;
    let body = served
        .gql(
            None,
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on Exercise { id slug name muscleGroups equipment } } }",
            json!({ "r": [
                { "__typename": "Exercise", "id": id_of("deadlift").to_string() },
                { "__typename": "Exercise", "slug": "pull-up" },
                { "__typename": "Exercise", "slug": "no-such-thing" },
            ] }),
        )
        .await;
    assert_eq!(
        body["data"]["_entities"],
        json!([
            { "id": id_of("deadlift").to_string(), "slug": "deadlift", "name": "Deadlift",
              "muscleGroups": ["HAMSTRINGS", "GLUTES", "BACK"], "equipment": "barbell" },
            { "id": id_of("pull-up").to_string(), "slug": "pull-up", "name": "Pull-up",
              "muscleGroups": ["BACK", "ARMS"], "equipment": "bodyweight" },
            null
        ])
    );
    let page = served
        .gql(
            None,
            "{ exercises(muscleGroup: CHEST, first: 2) { nodes { slug } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        page["data"]["exercises"],
        json!({ "nodes": [{ "slug": "bench-press" }, { "slug": "push-up" }], "pageInfo": { "hasNextPage": true } })
    );
}

#[tokio::test]
async fn every_codex_entry_gets_the_exercises_its_title_names_whatever_its_kind() {
    let t = db().await;
    let served = serve(&t.db).await;
    let entry = |kind: &str, title: &str| json!({ "__typename": kind, "id": uuid::Uuid::now_v7().to_string(), "title": title });
    // While the router has the codex's label off, it asks here, by kind, with the title
    // the field requires; anyone may ask (the codex decided who may read the entry).
    let body = served
        .gql(
            None,
            "query($r: [_Any!]!) { _entities(representations: $r) {
                ... on CodexArticle { exercises { slug name } }
                ... on CodexPractice { exercises { slug name } } } }",
            json!({ "r": [
                entry("CodexArticle", "A beginner's guide to the back squat"),
                entry("CodexPractice", "Five mistakes in the deadlift"),
                entry("CodexArticle", "Sleep hygiene"),
                entry("CodexPractice", "Pull-ups, dips and a PLANK"),
                { "__typename": "CodexArticle", "id": "not-a-uuid", "title": "Deadlift" },
            ] }),
        )
        .await;
    assert_eq!(
        body,
        json!({ "data": { "_entities": [
            { "exercises": [{ "slug": "back-squat", "name": "Back squat" }] },
            { "exercises": [{ "slug": "deadlift", "name": "Deadlift" }] },
            { "exercises": [] },
            { "exercises": [
                { "slug": "pull-up", "name": "Pull-up" },
                { "slug": "dip", "name": "Dip" },
                { "slug": "plank", "name": "Plank" },
            ] },
            null,
        ] } })
    );
}

#[tokio::test]
async fn a_plan_goes_from_coach_to_athlete_calendar_to_progress() {
    let t = db().await;
    let alex = athlete();
    let carter = coach().coaching(&[&alex]);
    let served = serve(&t.db).await;
    let plan = plan_by(&t.db, &carter).await;
    let assigned = served
        .gql(
            Some(&carter.viewer()),
            "mutation($p: ID!, $a: ID!, $s: DateTime!) { assignWorkoutPlan(planId: $p, athleteId: $a, startsAt: $s) { athlete { id } plan { title } } }",
            json!({ "p": plan.id.to_string(), "a": alex.id.to_string(), "s": "2026-11-02T07:00:00Z" }),
        )
        .await;
    assert_eq!(
        assigned["data"]["assignWorkoutPlan"]["plan"]["title"],
        "Two weeks"
    );

    let calendar = served
        .gql(
            Some(&alex.viewer()),
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { workouts(from: \"2026-11-05T00:00:00Z\", to: \"2026-11-13T00:00:00Z\") { nodes { id scheduledAt status } } } } }",
            json!({ "r": [{ "__typename": "User", "id": alex.id.to_string() }] }),
        )
        .await;
    let nodes = calendar["data"]["_entities"][0]["workouts"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    let when: Vec<&str> = nodes
        .iter()
        .map(|n| n["scheduledAt"].as_str().expect("time"))
        .collect();
    assert_eq!(
        when,
        vec![
            "2026-11-05T07:00:00+00:00",
            "2026-11-09T07:00:00+00:00",
            "2026-11-12T07:00:00+00:00"
        ]
    );
    let workout_id = nodes[0]["id"].as_str().expect("id").to_owned();

    let logged = served
        .gql(
            Some(&alex.viewer()),
            "mutation($w: ID!, $i: LogSetInput!) { logSet(workoutId: $w, input: $i) { reps weightKg rpe exercise { slug } } }",
            json!({ "w": workout_id, "i": { "exerciseId": id_of("back-squat").to_string(), "reps": 5, "weightKg": 102.5, "rpe": 8.5 } }),
        )
        .await;
    assert_eq!(
        logged["data"]["logSet"],
        json!({ "reps": 5, "weightKg": 102.5, "rpe": 8.5, "exercise": { "slug": "back-squat" } })
    );
    let by_coach = served
        .gql(
            Some(&carter.viewer()),
            "mutation($w: ID!) { completeWorkout(workoutId: $w) { id } }",
            json!({ "w": workout_id }),
        )
        .await;
    assert_eq!(first_error(&by_coach), &json!({ "code": "FORBIDDEN" }));
    let complete = "mutation($w: ID!) { completeWorkout(workoutId: $w, durationSeconds: 3000) { status volumeKg durationSeconds } }";
    let done = served
        .gql(Some(&alex.viewer()), complete, json!({ "w": workout_id }))
        .await;
    assert_eq!(
        done["data"]["completeWorkout"],
        json!({ "status": "COMPLETED", "volumeKg": 512.5, "durationSeconds": 3000 })
    );
    let again = served
        .gql(Some(&alex.viewer()), complete, json!({ "w": workout_id }))
        .await;
    assert_eq!(
        first_error(&again),
        &json!({ "code": "CONFLICT", "field": "workoutId" })
    );
    let missed = served
        .gql(
            Some(&alex.viewer()),
            "query($id: ID!) { workout(id: $id) { status } }",
            json!({ "id": nodes[1]["id"] }),
        )
        .await;
    assert_eq!(missed["data"]["workout"]["status"], "MISSED");
}

#[tokio::test]
async fn export_then_delete_my_workout_data() {
    let t = db().await;
    let alex = athlete();
    let carter = coach().coaching(&[&alex]);
    let (_, workouts) = assign(&t.db, &carter, &alex).await;
    let served = serve(&t.db).await;
    let export = served
        .gql(
            Some(&alex.viewer()),
            "mutation { exportMyWorkoutData { workouts { id } plans { id } assignments { coach { id } } } }",
            json!({}),
        )
        .await;
    let data = &export["data"]["exportMyWorkoutData"];
    assert_eq!(data["workouts"].as_array().expect("list").len(), 4);
    assert_eq!(data["workouts"][0]["id"], workouts[0].id.to_string());
    assert_eq!(data["plans"], json!([]));
    assert_eq!(
        data["assignments"],
        json!([{ "coach": { "id": carter.id.to_string() } }])
    );

    let deleted = served
        .gql(
            Some(&alex.viewer()),
            "mutation { deleteMyWorkoutData { workouts plans assignments } }",
            json!({}),
        )
        .await;
    assert_eq!(
        deleted["data"]["deleteMyWorkoutData"],
        json!({ "workouts": 4, "plans": 0, "assignments": 1 })
    );
    let gone = served
        .gql(
            Some(&alex.viewer()),
            "query($id: ID!) { workout(id: $id) { id } }",
            json!({ "id": workouts[0].id.to_string() }),
        )
        .await;
    assert_eq!(gone["data"]["workout"], Value::Null);
    let coach_view = served
        .gql(
            Some(&carter.viewer()),
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { workouts { nodes { id } } } } }",
            json!({ "r": [{ "__typename": "User", "id": alex.id.to_string() }] }),
        )
        .await;
    // Carter still coaches Alex (users says so), and finds nothing left.
    assert_eq!(
        coach_view,
        json!({ "data": { "_entities": [{ "workouts": { "nodes": [] } }] } })
    );
    let anonymous = served
        .gql(
            None,
            "mutation { deleteMyWorkoutData { workouts } }",
            json!({}),
        )
        .await;
    assert_eq!(
        first_error(&anonymous),
        &json!({ "code": "UNAUTHENTICATED" })
    );
}
