//! A WebSocket client speaking `graphql-transport-ws` to a served subgraph, as the
//! router does: connect, `connection_init` with the router's identity token, subscribe,
//! read the next message (or the close frame) within a wait.

#![allow(clippy::missing_panics_doc)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

use super::{Person, Served, identity_header};

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect(served: &Served) -> Socket {
    let mut request = format!("{}/graphql", served.url.replace("http://", "ws://"))
        .into_client_request()
        .expect("a request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the subgraph upgrades");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    socket
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .expect("sent");
}

/// The next JSON message, within `wait`.
pub async fn next(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                return Some(serde_json::from_str(&text).expect("JSON"));
            }
            Ok(Some(Ok(Message::Close(frame)))) => {
                return Some(
                    json!({ "closed": frame.map(|f| (u16::from(f.code), f.reason.to_string())) }),
                );
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(err))) => return Some(json!({ "error": err.to_string() })),
            Ok(None) | Err(_) => return None,
        }
    }
}

/// A socket of `person`'s, acknowledged, subscribed to `query` as `id`.
pub async fn subscribed(served: &Served, person: &Person, query: &str) -> Socket {
    let mut socket = connect(served).await;
    let (name, token) = identity_header(Some(&person.viewer()));
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { name: token } }),
    )
    .await;
    assert_eq!(
        next(&mut socket, Duration::from_secs(5)).await,
        Some(json!({ "type": "connection_ack" }))
    );
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }),
    )
    .await;
    socket
}
