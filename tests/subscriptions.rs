//! Subscriptions through the router (#24). So far: the router's subscription to a real
//! subgraph over WebSocket (`tessera_router::subscription::upstream`), with the
//! router-signed identity in `connection_init`; each event's payload as the subgraph
//! sent it; a document the subgraph does not validate, a missing identity and an
//! unreachable subgraph each ending it saying why.

mod common;

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use tessera_kit::{
    events::Wiring,
    testing::{self, TestDb, admin, athlete, fresh_db, identity_header},
};
use tessera_migrations::NotificationsMigrator;
use tessera_router::subscription::upstream::{self, UpstreamError};

async fn notifications() -> (
    TestDb,
    testing::Served,
    Wiring,
    tessera_kit::events::Running,
) {
    let db = fresh_db::<NotificationsMigrator>().await;
    let (wiring, running) = testing::events::in_process("notifications", &db.db, None);
    let served = testing::serve(tessera_notifications::app_with(
        db.db.clone(),
        testing::trust(),
        Some(wiring.bus.clone()),
    ))
    .await;
    (db, served, wiring, running)
}

#[tokio::test]
async fn the_router_subscribes_to_a_subgraph_as_the_caller_and_reads_each_event() {
    let (_db, served, _wiring, _running) = notifications().await;
    let (alex, ada) = (athlete(), admin());
    let url = format!("{}/graphql", served.url);
    let (_, token) = identity_header(Some(&alex.viewer()));
    let mut events = upstream::subscribe(
        &url,
        Some(&token),
        "subscription($n: Int) { notificationAdded { title } }",
        &json!({}),
        Duration::from_secs(5),
    )
    .await
    .map(Box::pin)
    .expect("subscribed");
    let first = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .expect("in time");
    // async-graphql answers a document it does not validate with one `next` holding the
    // errors, then `complete`: the stream gives the payload, then ends.
    let Some(Ok(refused)) = first else {
        panic!("a payload, got {first:?}");
    };
    assert_eq!(refused["data"], serde_json::Value::Null, "{refused}");
    assert_eq!(
        refused["errors"][0]["message"], "Variable \"$n\" is not used",
        "{refused}"
    );
    let ended = tokio::time::timeout(Duration::from_secs(5), events.next()).await;
    assert!(matches!(ended, Ok(None)), "{ended:?}");

    let mut events = upstream::subscribe(
        &url,
        Some(&token),
        "subscription { notificationAdded { title kind } }",
        &json!({}),
        Duration::from_secs(5),
    )
    .await
    .map(Box::pin)
    .expect("subscribed");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let sent = served
        .gql(
            Some(&ada.viewer()),
            "mutation($i: SendNotificationInput!) { sendNotification(input: $i) { replayed } }",
            json!({ "i": { "recipientIds": [alex.id.to_string()], "kind": "SYSTEM", "title": "Upstream", "body": "", "idempotencyKey": "up-1" } }),
        )
        .await;
    assert!(sent.get("errors").is_none(), "{sent}");
    let event = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .expect("in time")
        .expect("an event")
        .expect("a payload");
    assert_eq!(
        event,
        json!({ "data": { "notificationAdded": { "title": "Upstream", "kind": "SYSTEM" } } })
    );
}

#[tokio::test]
async fn without_the_routers_identity_the_subgraph_closes_the_socket_saying_why() {
    let (_db, served, _wiring, _running) = notifications().await;
    let refused = upstream::subscribe(
        &format!("{}/graphql", served.url),
        None,
        "subscription { notificationAdded { title } }",
        &json!({}),
        Duration::from_secs(5),
    )
    .await
    .err();
    let Some(UpstreamError::Closed { code, reason }) = refused else {
        panic!("closed, got {refused:?}");
    };
    assert_eq!(code, 1002);
    assert!(reason.contains("router identity token"), "{reason}");
    // Nothing listens: the reason names the connection.
    let unreachable = upstream::subscribe(
        "http://127.0.0.1:9/graphql",
        None,
        "subscription { notificationAdded { title } }",
        &json!({}),
        Duration::from_secs(5),
    )
    .await
    .err();
    assert!(
        matches!(unreachable, Some(UpstreamError::Connect(_))),
        "{unreachable:?}"
    );
}

/// The supergraph has a subscription root now; until the router serves its transports,
/// a subscription sent as an ordinary request is refused saying so.
#[tokio::test]
async fn a_subscription_over_plain_http_is_refused_saying_so() {
    let p = common::Platform::start(&["notifications"], false).await;
    let (status, body) = p
        .gql(
            None,
            "subscription { notificationAdded { title } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_REQUEST",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["message"],
        "subscriptions are not supported over this transport"
    );
}
