//! Stage: subscribing to a subgraph. The router speaks `graphql-transport-ws` to the
//! subgraph's `GET /graphql`: `connection_init` carrying the router's identity token
//! (`x-tessera-identity`), `connection_ack` awaited within a deadline, one `subscribe`,
//! then each `next` payload as it comes. The subgraph's `ping` is answered with `pong`;
//! `error`, `complete` and a close end the stream, saying why. Dropping the stream closes
//! the socket.

use std::time::Duration;

use futures_util::{SinkExt, Stream, StreamExt, stream};
use serde_json::{Value, json};
use tessera_identity::internal::HEADER;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

/// The subprotocol spoken.
pub const PROTOCOL: &str = "graphql-transport-ws";

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// Why a subscription to a subgraph failed or ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// The socket could not be opened.
    #[error("the subgraph's WebSocket could not be opened: {0}")]
    Connect(String),
    /// No `connection_ack` within the deadline.
    #[error("the subgraph did not acknowledge the connection in time")]
    Timeout,
    /// The subgraph refused the subscription (`error`), with its errors.
    #[error("the subgraph refused the subscription: {0}")]
    Refused(Value),
    /// The subgraph closed the socket.
    #[error("the subgraph closed the subscription ({code}: {reason})")]
    Closed {
        /// The close code.
        code: u16,
        /// The reason it gave.
        reason: String,
    },
    /// The subgraph sent something the protocol does not allow.
    #[error("the subgraph broke the protocol: {0}")]
    Protocol(String),
}

/// The WebSocket URL of a subgraph whose GraphQL endpoint is `http_url`.
pub fn websocket_url(http_url: &str) -> String {
    if let Some(rest) = http_url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = http_url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        http_url.to_owned()
    }
}

/// Subscribes to `query` (with `variables`) at the subgraph whose GraphQL endpoint is
/// `http_url`, as `identity` (the router's signed token for the caller); each item is one
/// `next` payload (`{"data": …, "errors": …}`). The stream ends after `complete`, or with
/// one error saying why the subgraph ended it.
pub async fn subscribe(
    http_url: &str,
    identity: Option<&str>,
    query: &str,
    variables: &Value,
    ack_within: Duration,
) -> Result<impl Stream<Item = Result<Value, UpstreamError>> + use<>, UpstreamError> {
    let mut request = websocket_url(http_url)
        .into_client_request()
        .map_err(|e| UpstreamError::Connect(e.to_string()))?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", HeaderValue::from_static(PROTOCOL));
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| UpstreamError::Connect(e.to_string()))?;
    let mut payload = serde_json::Map::new();
    if let Some(identity) = identity {
        payload.insert(HEADER.to_owned(), Value::String(identity.to_owned()));
    }
    send(
        &mut socket,
        &json!({ "type": "connection_init", "payload": payload }),
    )
    .await?;
    tokio::time::timeout(ack_within, acknowledged(&mut socket))
        .await
        .map_err(|_| UpstreamError::Timeout)??;
    send(
        &mut socket,
        &json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": variables } }),
    )
    .await?;
    Ok(stream::unfold(Some(socket), |socket| async move {
        let mut socket = socket?;
        match next_payload(&mut socket).await {
            Some(Ok(payload)) => Some((Ok(payload), Some(socket))),
            Some(Err(err)) => Some((Err(err), None)),
            None => None,
        }
    }))
}

async fn send(socket: &mut Socket, message: &Value) -> Result<(), UpstreamError> {
    socket
        .send(Message::text(message.to_string()))
        .await
        .map_err(|e| UpstreamError::Connect(e.to_string()))
}

/// Reads until `connection_ack`, answering pings.
async fn acknowledged(socket: &mut Socket) -> Result<(), UpstreamError> {
    loop {
        let message = read(socket).await?;
        match message["type"].as_str() {
            Some("connection_ack") => return Ok(()),
            Some("ping") => send(socket, &json!({ "type": "pong" })).await?,
            Some("pong") => {}
            _ => {
                return Err(UpstreamError::Protocol(format!(
                    "expected connection_ack, got {message}"
                )));
            }
        }
    }
}

/// The next `next` payload; `None` after `complete`.
async fn next_payload(socket: &mut Socket) -> Option<Result<Value, UpstreamError>> {
    loop {
        let mut message = match read(socket).await {
            Ok(message) => message,
            Err(err) => return Some(Err(err)),
        };
        match message["type"].as_str() {
            Some("next") => return Some(Ok(message["payload"].take())),
            Some("complete") => return None,
            Some("error") => return Some(Err(UpstreamError::Refused(message["payload"].take()))),
            Some("ping") => {
                if let Err(err) = send(socket, &json!({ "type": "pong" })).await {
                    return Some(Err(err));
                }
            }
            Some("pong") => {}
            _ => {
                return Some(Err(UpstreamError::Protocol(format!(
                    "unexpected {message}"
                ))));
            }
        }
    }
}

/// The next JSON message (WebSocket pings are answered by the library).
async fn read(socket: &mut Socket) -> Result<Value, UpstreamError> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => {
                return serde_json::from_str(&text)
                    .map_err(|e| UpstreamError::Protocol(format!("not JSON: {e}")));
            }
            Some(Ok(Message::Close(frame))) => {
                let (code, reason) = frame.map_or((1005, String::new()), |f| {
                    (u16::from(f.code), f.reason.to_string())
                });
                return Err(UpstreamError::Closed { code, reason });
            }
            Some(Ok(_)) => {}
            Some(Err(err)) => return Err(UpstreamError::Connect(err.to_string())),
            None => {
                return Err(UpstreamError::Closed {
                    code: 1006,
                    reason: "the connection was lost".to_owned(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::websocket_url;

    #[test]
    fn a_subgraphs_http_endpoint_becomes_its_websocket() {
        assert_eq!(
            websocket_url("http://127.0.0.1:4003/graphql"),
            "ws://127.0.0.1:4003/graphql"
        );
        assert_eq!(
            websocket_url("https://notifications.internal/graphql"),
            "wss://notifications.internal/graphql"
        );
        assert_eq!(
            websocket_url("ws://already/graphql"),
            "ws://already/graphql"
        );
    }
}
