//! The notifications subgraph over real HTTP: entity batches and their statement
//! counts, the compound `Delivery` key, the `@requires` time zone, the exact errors
//! clients see, idempotent sends, and the GDPR mutations.

mod common;

use chrono::{Timelike, Utc};
use common::*;
use serde_json::{Value, json};
use tessera_kit::testing::{error_codes, first_error};
use tessera_notifications::{
    entity::kinds::{Channel, Platform},
    service::{ledger, settings},
};

const USER_LISTS: &str = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User {
    id
    notifications(first: 10) { nodes { title kind readAt deliveries { channel status } } pageInfo { hasNextPage } }
    unreadNotificationCount
    notificationPreferences { kind channel enabled }
    devices { platform token }
    quietHours { start end }
    inQuietHours
    consents { channel granted }
} } }";

async fn people_with_inboxes(t: &tessera_kit::testing::TestDb, n: usize) -> Vec<Person> {
    let people: Vec<Person> = (0..n).map(|_| athlete()).collect();
    for p in &people {
        settings::register_device(
            &t.db,
            &p.access(),
            Platform::Ios,
            &format!("tok-{}", p.id),
            t0(),
        )
        .await
        .expect("device");
        settings::set_quiet_hours(&t.db, &p.access(), Some(("22:00", "07:00", "UTC")), t0())
            .await
            .expect("quiet hours");
    }
    let refs: Vec<&Person> = people.iter().collect();
    send(&t.db, &refs, "one").await;
    send(&t.db, &refs, "two").await;
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
            Some(&admin().viewer()),
            USER_LISTS,
            json!({ "r": representations }),
        )
        .await;
    (t.statements(), body)
}

#[tokio::test]
async fn fifty_users_with_their_inboxes_cost_the_same_statements_as_two() {
    let small = db().await;
    let two = people_with_inboxes(&small, 2).await;
    let (two_count, two_body) = statements_for(&small, &two).await;
    assert_eq!(two_body["errors"], Value::Null, "{two_body}");

    let big = db().await;
    let fifty = people_with_inboxes(&big, 50).await;
    let (fifty_count, body) = statements_for(&big, &fifty).await;
    assert_eq!(body["errors"], Value::Null, "{body}");
    let entities = body["data"]["_entities"].as_array().expect("a list");
    assert_eq!(entities.len(), 50);
    for (entity, person) in entities.iter().zip(&fifty) {
        assert_eq!(entity["id"], person.id.to_string());
        assert_eq!(entity["unreadNotificationCount"], 2);
        assert_eq!(
            entity["notifications"]["nodes"]
                .as_array()
                .expect("nodes")
                .len(),
            2
        );
        assert_eq!(
            entity["notifications"]["nodes"][0]["deliveries"],
            json!([{ "channel": "IN_APP", "status": "PENDING" }, { "channel": "PUSH", "status": "PENDING" }])
        );
        assert_eq!(
            entity["devices"],
            json!([{ "platform": "IOS", "token": format!("tok-{}", person.id) }])
        );
        assert_eq!(
            entity["quietHours"],
            json!({ "start": "22:00", "end": "07:00" })
        );
        assert_eq!(
            entity["notificationPreferences"]
                .as_array()
                .expect("matrix")
                .len(),
            24,
            "six kinds by four channels"
        );
        assert_eq!(entity["consents"], json!([]));
    }
    eprintln!("statements: 2 users → {two_count}, 50 users → {fifty_count}");
    assert_eq!(two_count, fifty_count);
    // notifications, deliveries, unread counts, preferences, devices, quiet hours
    // (shared by quietHours and inQuietHours), consents.
    assert_eq!(fifty_count, 7);
}

#[tokio::test]
async fn quiet_hours_are_told_in_the_time_zone_the_router_provides() {
    let t = db().await;
    let alex = athlete();
    // Quiet from an hour ago to an hour ahead, in UTC; Kolkata is 5½ hours off.
    let hour = Utc::now().hour();
    let start = format!("{:02}:00", (hour + 23) % 24);
    let end = format!("{:02}:59", (hour + 1) % 24);
    settings::set_quiet_hours(&t.db, &alex.access(), Some((&start, &end, "UTC")), t0())
        .await
        .expect("quiet hours");
    let served = serve(&t.db).await;
    let query =
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { inQuietHours } } }";
    for (tz, quiet) in [("UTC", true), ("Asia/Kolkata", false)] {
        let body = served
            .gql(
                Some(&alex.viewer()),
                query,
                json!({ "r": [{ "__typename": "User", "id": alex.id.to_string(), "timezone": tz }] }),
            )
            .await;
        assert_eq!(
            body["data"]["_entities"][0]["inQuietHours"], quiet,
            "{tz}: {body}"
        );
    }
}

#[tokio::test]
async fn sends_are_idempotent_and_validated_over_http() {
    let t = db().await;
    let alex = athlete();
    let ada = admin();
    let served = serve(&t.db).await;
    let mutation = "mutation($i: SendNotificationInput!) { sendNotification(input: $i) { replayed notifications { id title recipient { id } } } }";
    let input = |data: &str| {
        json!({ "i": { "recipientIds": [alex.id.to_string()], "kind": "SYSTEM", "title": "Maintenance",
                       "body": "Tonight 02:00 UTC.", "data": data, "idempotencyKey": "maint-1" } })
    };
    let body = served
        .gql(Some(&ada.viewer()), mutation, input("not json"))
        .await;
    assert_eq!(
        body,
        json!({
            "data": null,
            "errors": [{
                "message": "data is not valid JSON",
                "locations": [{ "line": 1, "column": 40 }],
                "path": ["sendNotification"],
                "extensions": { "code": "BAD_USER_INPUT", "field": "data" }
            }]
        })
    );
    let first = served.gql(Some(&ada.viewer()), mutation, input("{}")).await;
    assert_eq!(first["data"]["sendNotification"]["replayed"], false);
    let again = served.gql(Some(&ada.viewer()), mutation, input("{}")).await;
    assert_eq!(again["data"]["sendNotification"]["replayed"], true);
    assert_eq!(
        again["data"]["sendNotification"]["notifications"],
        first["data"]["sendNotification"]["notifications"]
    );
    let by_athlete = served
        .gql(Some(&athlete().viewer()), mutation, input("{}"))
        .await;
    assert_eq!(first_error(&by_athlete), &json!({ "code": "FORBIDDEN" }));
    let inbox = served
        .gql(
            Some(&alex.viewer()),
            "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { unreadNotificationCount } } }",
            json!({ "r": [{ "__typename": "User", "id": alex.id.to_string() }] }),
        )
        .await;
    assert_eq!(inbox["data"]["_entities"][0]["unreadNotificationCount"], 1);
}

#[tokio::test]
async fn a_coach_sends_only_to_athletes_their_roster_names() {
    let t = db().await;
    let alex = athlete();
    let casey = athlete();
    let carter = coach().coaching(&[&alex]);
    // Both accept Carter's messages; only Alex is his athlete.
    for who in [&alex, &casey] {
        settings::allow_coach(&t.db, &who.access(), carter.id, true, t0())
            .await
            .expect("allowed");
    }
    let served = serve(&t.db).await;
    let mutation = "mutation($i: SendNotificationInput!) { sendNotification(input: $i) { notifications { recipient { id } } } }";
    let to = |who: &[&Person], key: &str| {
        json!({ "i": { "recipientIds": who.iter().map(|p| p.id.to_string()).collect::<Vec<_>>(),
                       "kind": "COACH_MESSAGE", "title": "Tomorrow", "body": "Easy day.",
                       "idempotencyKey": key } })
    };
    let refused = served
        .gql(Some(&carter.viewer()), mutation, to(&[&alex, &casey], "k1"))
        .await;
    assert_eq!(refused["data"], Value::Null, "{refused}");
    assert_eq!(
        refused["errors"][0]["message"],
        "1 of the recipients are not athletes you coach"
    );
    assert_eq!(refused["errors"][0]["path"], json!(["sendNotification"]));
    assert_eq!(first_error(&refused), &json!({ "code": "FORBIDDEN" }));
    let unread = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { unreadNotificationCount } } }";
    for who in [&alex, &casey] {
        let inbox = served
            .gql(
                Some(&who.viewer()),
                unread,
                json!({ "r": [{ "__typename": "User", "id": who.id.to_string() }] }),
            )
            .await;
        assert_eq!(
            inbox["data"]["_entities"][0]["unreadNotificationCount"], 0,
            "nothing was sent: {inbox}"
        );
    }
    let sent = served
        .gql(Some(&carter.viewer()), mutation, to(&[&alex], "k2"))
        .await;
    assert_eq!(
        sent,
        json!({ "data": { "sendNotification": { "notifications": [{ "recipient": { "id": alex.id.to_string() } }] } } })
    );
}

#[tokio::test]
async fn inboxes_and_deliveries_are_for_their_owner() {
    let t = db().await;
    let alex = athlete();
    let blair = athlete();
    let sent = send(&t.db, &[&alex], "own").await;
    let served = serve(&t.db).await;
    let inbox = "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { notifications { nodes { id } } devices { token } } } }";
    let of_alex = json!({ "r": [{ "__typename": "User", "id": alex.id.to_string() }] });
    let peer = served
        .gql(Some(&blair.viewer()), inbox, of_alex.clone())
        .await;
    let mut codes = error_codes(&peer);
    codes.sort();
    assert_eq!(
        codes,
        vec![
            ("devices".to_owned(), "FORBIDDEN".to_owned()),
            ("notifications".to_owned(), "FORBIDDEN".to_owned())
        ]
    );
    let support = served.gql(Some(&admin().viewer()), inbox, of_alex).await;
    assert_eq!(error_codes(&support), vec![]);

    let delivery = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Delivery { notificationId channel status } } }";
    let key = json!({ "r": [
        { "__typename": "Delivery", "notificationId": sent[0].id.to_string(), "channel": "PUSH" },
        { "__typename": "Delivery", "notificationId": sent[0].id.to_string(), "channel": "EMAIL" },
    ] });
    let own = served
        .gql(Some(&alex.viewer()), delivery, key.clone())
        .await;
    assert_eq!(
        own["data"]["_entities"],
        json!([{ "notificationId": sent[0].id.to_string(), "channel": "PUSH", "status": "PENDING" }, null])
    );
    let other = served.gql(Some(&blair.viewer()), delivery, key).await;
    assert_eq!(other["data"]["_entities"], json!([null, null]));

    let read = served
        .gql(
            Some(&blair.viewer()),
            "mutation($id: ID!) { markNotificationRead(id: $id) { readAt } }",
            json!({ "id": sent[0].id.to_string() }),
        )
        .await;
    assert_eq!(first_error(&read), &json!({ "code": "NOT_FOUND" }));
    let read = served
        .gql(
            Some(&alex.viewer()),
            "mutation { markAllNotificationsRead }",
            json!({}),
        )
        .await;
    assert_eq!(read["data"]["markAllNotificationsRead"], 1);
}

#[tokio::test]
async fn settings_change_through_mutations() {
    let t = db().await;
    let alex = athlete();
    let served = serve(&t.db).await;
    let device = served
        .gql(
            Some(&alex.viewer()),
            "mutation { registerDevice(platform: ANDROID, token: \"fcm-123\") { platform token } }",
            json!({}),
        )
        .await;
    assert_eq!(
        device["data"]["registerDevice"],
        json!({ "platform": "ANDROID", "token": "fcm-123" })
    );
    let prefs = served
        .gql(
            Some(&alex.viewer()),
            "mutation { updateNotificationPreferences(preferences: [{ kind: SYSTEM, channel: PUSH, enabled: false }]) { kind channel enabled } }",
            json!({}),
        )
        .await;
    let matrix = prefs["data"]["updateNotificationPreferences"]
        .as_array()
        .expect("matrix");
    assert!(matrix.contains(&json!({ "kind": "SYSTEM", "channel": "PUSH", "enabled": false })));
    assert!(
        matrix.contains(&json!({ "kind": "COACH_MESSAGE", "channel": "PUSH", "enabled": true }))
    );
    let quiet = served
        .gql(
            Some(&alex.viewer()),
            "mutation { setQuietHours(input: { start: \"23:00\", end: \"6:00\", timezone: \"UTC\" }) { start } }",
            json!({}),
        )
        .await;
    assert_eq!(
        first_error(&quiet),
        &json!({ "code": "BAD_USER_INPUT", "field": "end" })
    );
    let consent = served
        .gql(
            Some(&alex.viewer()),
            "mutation { recordConsent(channel: SMS, granted: true) { channel granted recordedAt } }",
            json!({}),
        )
        .await;
    assert_eq!(consent["data"]["recordConsent"]["granted"], true);
    assert!(consent["data"]["recordConsent"]["recordedAt"].is_string());
    let removed = served
        .gql(
            Some(&alex.viewer()),
            "mutation { unregisterDevice(token: \"fcm-123\") }",
            json!({}),
        )
        .await;
    assert_eq!(removed["data"]["unregisterDevice"], true);
}

#[tokio::test]
async fn export_then_delete_my_notification_data() {
    let t = db().await;
    let alex = athlete();
    let carter = coach().coaching(&[&alex]);
    settings::allow_coach(&t.db, &alex.access(), carter.id, true, t0())
        .await
        .expect("allowed");
    settings::record_consent(&t.db, &alex.access(), Channel::Sms, true, t0())
        .await
        .expect("consent");
    send(&t.db, &[&alex], "gdpr").await;
    let served = serve(&t.db).await;
    let export = served
        .gql(
            Some(&alex.viewer()),
            "mutation { exportMyNotificationData { notifications { title deliveries { channel } } coachIds } }",
            json!({}),
        )
        .await;
    assert_eq!(
        export["data"]["exportMyNotificationData"],
        json!({
            "notifications": [{ "title": "Hello", "deliveries": [{ "channel": "IN_APP" }, { "channel": "PUSH" }] }],
            "coachIds": [carter.id.to_string()]
        })
    );
    let erased = served
        .gql(
            Some(&alex.viewer()),
            "mutation { deleteMyNotificationData { notifications devices consentRecordsKept } }",
            json!({}),
        )
        .await;
    // The SMS consent, and its withdrawal by the erasure, stay in the consent ledger.
    assert_eq!(
        erased["data"]["deleteMyNotificationData"],
        json!({ "notifications": 1, "devices": 0, "consentRecordsKept": 2 })
    );
    let kept = ledger::evidence_of(&t.db, alex.id).await.expect("evidence");
    assert_eq!(
        kept.iter()
            .map(|r| (r.channel, r.granted))
            .collect::<Vec<_>>(),
        [(Channel::Sms, true), (Channel::Sms, false)]
    );
    let after = served
        .gql(
            Some(&alex.viewer()),
            "mutation { exportMyNotificationData { notifications { id } coachIds } }",
            json!({}),
        )
        .await;
    assert_eq!(
        after["data"]["exportMyNotificationData"],
        json!({ "notifications": [], "coachIds": [] })
    );
    let anonymous = served
        .gql(
            None,
            "mutation { deleteMyNotificationData { notifications } }",
            json!({}),
        )
        .await;
    assert_eq!(
        first_error(&anonymous),
        &json!({ "code": "UNAUTHENTICATED" })
    );
}
