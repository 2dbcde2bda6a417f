//! The inbox, live, over the subgraph's WebSocket (`graphql-transport-ws`, as the router
//! speaks it): the router's identity token in `connection_init`, a notification arriving
//! once its transaction committed and the events were relayed, the unread count as it
//! changes, nobody else's events, and a connection without a valid identity refused. On SQLite, and PostgreSQL when `DATABASE_URL` is set; the in-process bus.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use tessera_kit::{
    events::{EventsConfig, Wiring},
    testing::{
        self,
        ws::{connect, next, send, subscribed},
    },
};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

async fn live_subgraph(db: &testing::TestDb) -> (Served, tessera_kit::events::Running, Wiring) {
    let (wiring, running) = testing::events::in_process("notifications", &db.db, None);
    let served = testing::serve(tessera_notifications::app_with(
        db.db.clone(),
        testing::trust(),
        Some(wiring.bus.clone()),
    ))
    .await;
    (served, running, wiring)
}

#[tokio::test]
async fn a_notification_arrives_live_for_its_recipient_only_and_the_count_follows() {
    let db = db().await;
    let (served, _running, _wiring) = live_subgraph(&db).await;
    let (alex, blair, ada) = (athlete(), athlete(), admin());
    let mut alexs = subscribed(
        &served,
        &alex,
        "subscription { notificationAdded { title body kind sender { id } } }",
    )
    .await;
    let mut blairs = subscribed(
        &served,
        &blair,
        "subscription { notificationAdded { title } }",
    )
    .await;
    let mut count = subscribed(&served, &alex, "subscription { unreadNotificationCount }").await;
    assert_eq!(
        next(&mut count, Duration::from_secs(5)).await,
        Some(
            json!({ "id": "1", "type": "next", "payload": { "data": { "unreadNotificationCount": 0 } } })
        )
    );

    let sent = served
        .gql(
            Some(&ada.viewer()),
            "mutation($i: SendNotificationInput!) { sendNotification(input: $i) { notifications { id } } }",
            json!({ "i": { "recipientIds": [alex.id.to_string()], "kind": "SYSTEM", "title": "Hello", "body": "Live", "idempotencyKey": "live-1" } }),
        )
        .await;
    assert!(sent.get("errors").is_none(), "{sent}");
    assert_eq!(
        next(&mut alexs, Duration::from_secs(5)).await,
        Some(
            json!({ "id": "1", "type": "next", "payload": { "data": { "notificationAdded": {
            "title": "Hello", "body": "Live", "kind": "SYSTEM", "sender": { "id": ada.id.to_string() }
        } } } })
        )
    );
    assert_eq!(
        next(&mut count, Duration::from_secs(5)).await,
        Some(
            json!({ "id": "1", "type": "next", "payload": { "data": { "unreadNotificationCount": 1 } } })
        )
    );
    assert_eq!(
        next(&mut blairs, Duration::from_millis(300)).await,
        None,
        "Blair hears nothing of Alex's"
    );

    // Read: the count follows.
    let read = served
        .gql(
            Some(&alex.viewer()),
            "mutation { markAllNotificationsRead }",
            json!({}),
        )
        .await;
    assert!(read.get("errors").is_none(), "{read}");
    assert_eq!(
        next(&mut count, Duration::from_secs(5)).await,
        Some(
            json!({ "id": "1", "type": "next", "payload": { "data": { "unreadNotificationCount": 0 } } })
        )
    );

    // `complete` from the client ends one subscription; the socket stays.
    send(&mut alexs, json!({ "id": "1", "type": "complete" })).await;
    assert_eq!(
        next(&mut alexs, Duration::from_secs(5)).await,
        Some(json!({ "id": "1", "type": "complete" }))
    );
    send(&mut alexs, json!({ "type": "ping" })).await;
    assert_eq!(
        next(&mut alexs, Duration::from_secs(5)).await,
        Some(json!({ "type": "pong" }))
    );
}

#[tokio::test]
async fn a_socket_without_the_routers_identity_is_closed_saying_why() {
    let db = db().await;
    let (served, _running, _wiring) = live_subgraph(&db).await;
    for payload in [json!({}), json!({ "x-tessera-identity": "forged" })] {
        let mut socket = connect(&served).await;
        send(
            &mut socket,
            json!({ "type": "connection_init", "payload": payload }),
        )
        .await;
        // async-graphql closes a refused `connection_init` with 1002 (protocol error)
        // and the reason; only the router speaks to this socket.
        let closed = next(&mut socket, Duration::from_secs(5))
            .await
            .expect("closed");
        assert_eq!(
            closed["closed"][0],
            u16::from(CloseCode::Protocol),
            "{closed}"
        );
        let why = closed["closed"][1].as_str().unwrap_or_default();
        assert!(why.contains("router identity token"), "{why}");
    }
}

#[tokio::test]
async fn on_redis_a_notification_written_on_one_replica_reaches_a_subscriber_on_another() {
    let Some(redis) = std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("REDIS_URL is unset: skipping the replicas' live test");
        return;
    };
    let db = db().await;
    let config = EventsConfig {
        namespace: format!("test-live-{}", uuid::Uuid::now_v7().simple()),
        relay_poll_ms: 20,
        ..EventsConfig::default()
    };
    // Two replicas of notifications over one database, each with its own Redis bus.
    let (a, b) = (
        Wiring::new(Some(&redis), config.clone()).expect("a bus"),
        Wiring::new(Some(&redis), config).expect("a bus"),
    );
    let _relay = a.start("notifications", &db.db, None);
    let replica = |wiring: &Wiring| {
        testing::serve(tessera_notifications::app_with(
            db.db.clone(),
            testing::trust(),
            Some(wiring.bus.clone()),
        ))
    };
    let (on_a, on_b) = (replica(&a).await, replica(&b).await);
    let (alex, ada) = (athlete(), admin());
    let mut socket = subscribed(&on_b, &alex, "subscription { notificationAdded { title } }").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let sent = on_a
        .gql(
            Some(&ada.viewer()),
            "mutation($i: SendNotificationInput!) { sendNotification(input: $i) { notifications { id } } }",
            json!({ "i": { "recipientIds": [alex.id.to_string()], "kind": "SYSTEM", "title": "Across", "body": "", "idempotencyKey": "across-1" } }),
        )
        .await;
    assert!(sent.get("errors").is_none(), "{sent}");
    assert_eq!(
        next(&mut socket, Duration::from_secs(5)).await,
        Some(
            json!({ "id": "1", "type": "next", "payload": { "data": { "notificationAdded": { "title": "Across" } } } })
        )
    );
}
