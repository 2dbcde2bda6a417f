//! One connection's life, under the limits every Tessera process serves with: how
//! large a request head may be, how long a client may take to send it and its body,
//! and how many connections one address may hold open. A client that dribbles its
//! headers or body, or opens connections by the hundred, is cut off instead of holding
//! the server's memory and sockets for as long as it likes.

use std::{
    collections::HashMap,
    error::Error as StdError,
    fmt,
    future::Future,
    io,
    net::{IpAddr, SocketAddr},
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    extract::{ConnectInfo, Request},
    serve::Listener,
};
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{io::AsyncWriteExt as _, net::TcpStream, sync::watch, time::Sleep};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

/// The limits a server holds its clients to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Largest request head (request line and headers), in bytes; a larger one is
    /// answered `431 Request Header Fields Too Large` (at least 8,192).
    pub max_header_bytes: usize,
    /// How long a client has to send a request's whole head, from its first byte (and
    /// an idle keep-alive connection to start the next); then the connection is closed.
    pub header_read_timeout: Duration,
    /// How long a client has to send a request's whole body once it has to be waited
    /// for; then reading it fails with [`BodyTimedOut`] (the router answers 408
    /// `REQUEST_TIMEOUT`).
    pub body_read_timeout: Duration,
    /// Most connections open at once from one IP address (`0`: no limit); one more is
    /// answered `429` (`RATE_LIMITED`) and closed.
    pub max_connections_per_ip: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_header_bytes: 64 * 1024,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_connections_per_ip: 1024,
        }
    }
}

/// Reading a request body took longer than [`ConnectionLimits::body_read_timeout`].
#[derive(Debug, Clone, Copy)]
pub struct BodyTimedOut(pub Duration);

impl fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the request body did not arrive within {} ms",
            self.0.as_millis()
        )
    }
}

impl StdError for BodyTimedOut {}

impl BodyTimedOut {
    /// This error, when it is `err` or what `err` wraps: how a handler tells a body
    /// cut off by the limit from a broken one.
    pub fn found_in<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a Self> {
        let mut next = Some(err);
        while let Some(err) = next {
            if let Some(found) = err.downcast_ref::<Self>() {
                return Some(found);
            }
            next = err.source();
        }
        None
    }
}

/// The connections open per address, shared by every thread serving one listener.
#[derive(Debug)]
pub(crate) struct PerAddress {
    max: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// A connection counted against its address until it is dropped.
pub(crate) struct Counted {
    table: Arc<PerAddress>,
    ip: IpAddr,
}

impl PerAddress {
    pub(crate) fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max,
            open: Mutex::default(),
        })
    }

    /// Counts a connection from `ip`, or none when that address is at the limit.
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Option<Counted>> {
        if self.max == 0 {
            return Some(None);
        }
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(ip).or_default();
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Some(Counted {
            table: self.clone(),
            ip,
        }))
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Serves `app` on every connection `listener` gives until `shutdown`, then lets each
/// finish its request in flight and returns when all have closed.
pub(crate) async fn serve_connections<L>(
    mut listener: L,
    app: Router,
    limits: ConnectionLimits,
    per_address: Arc<PerAddress>,
    shutdown: CancellationToken,
) where
    L: Listener<Io = TcpStream, Addr = SocketAddr>,
{
    // Every connection holds a receiver; the server is done when none is left.
    let (closed_tx, closed_rx) = watch::channel(());
    loop {
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let Some(counted) = per_address.admit(peer.ip()) else {
            tracing::warn!(%peer, max = limits.max_connections_per_ip, "connection refused: too many open from this address");
            tokio::spawn(refuse(stream, limits.max_connections_per_ip));
            continue;
        };
        let app = app.clone();
        let shutdown = shutdown.clone();
        let closed = closed_rx.clone();
        tokio::spawn(async move {
            serve_one(stream, peer, app, limits, shutdown).await;
            drop((counted, closed));
        });
    }
    drop(closed_rx);
    closed_tx.closed().await;
}

/// One connection until it closes; on `shutdown` it finishes the request in flight
/// and closes.
async fn serve_one(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
) {
    let body_timeout = limits.body_read_timeout;
    let service = service_fn(move |request: hyper::Request<Incoming>| {
        let mut request: Request = request.map(|body| Body::new(Deadline::new(body, body_timeout)));
        request.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(request)
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes.max(8192))
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(connection);
    let mut shutting_down = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(%peer, %err, "connection ended with an error");
                }
                return;
            }
            () = shutdown.cancelled(), if !shutting_down => {
                shutting_down = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Tells a client over the per-address limit why, and closes.
async fn refuse(mut stream: TcpStream, max: usize) -> io::Result<()> {
    let body = format!(
        r#"{{"errors":[{{"message":"more than {max} connections are open from this address","extensions":{{"code":"RATE_LIMITED"}}}}]}}"#
    );
    let answer = format!(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(answer.as_bytes()).await?;
    stream.shutdown().await
}

/// A request body that must arrive whole within a time, counted from the first time
/// it has to be waited for (a body that came with its head never starts the clock).
struct Deadline {
    inner: Incoming,
    timeout: Duration,
    clock: Option<Pin<Box<Sleep>>>,
}

impl Deadline {
    fn new(inner: Incoming, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            clock: None,
        }
    }
}

impl HttpBody for Deadline {
    type Data = Bytes;
    type Error = Box<dyn StdError + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        let timeout = self.timeout;
        let clock = self
            .clock
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match clock.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimedOut(timeout))))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use axum::{extract::rejection::BytesRejection, http::StatusCode, routing::post};
    use tokio::{
        io::{AsyncReadExt as _, AsyncWriteExt as _},
        net::{TcpListener, TcpStream},
    };

    use super::*;
    use crate::test_support::exchange;

    fn limits() -> ConnectionLimits {
        ConnectionLimits {
            max_header_bytes: 8_192,
            header_read_timeout: Duration::from_millis(300),
            body_read_timeout: Duration::from_millis(300),
            max_connections_per_ip: 0,
        }
    }

    /// Answers the body's length, or, as the router does, 408 when the body was cut off.
    fn app() -> Router {
        Router::new().route(
            "/",
            post(|body: Result<Bytes, BytesRejection>| async move {
                match body {
                    Ok(body) => (StatusCode::OK, body.len().to_string()),
                    Err(rejection) => match BodyTimedOut::found_in(&rejection) {
                        Some(timed_out) => (StatusCode::REQUEST_TIMEOUT, timed_out.to_string()),
                        None => (StatusCode::BAD_REQUEST, rejection.body_text()),
                    },
                }
            }),
        )
    }

    async fn start(limits: ConnectionLimits) -> (SocketAddr, tokio_util::sync::DropGuard) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("bound");
        let shutdown = CancellationToken::new();
        tokio::spawn(crate::serve_with(listener, app(), limits, shutdown.clone()));
        (addr, shutdown.drop_guard())
    }

    /// Everything the server writes until it closes the connection; the test gives up
    /// after 5 s, far beyond every limit here.
    async fn until_closed(stream: &mut TcpStream) -> String {
        let mut out = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out))
            .await
            .expect("the server closes the connection")
            .expect("read");
        String::from_utf8_lossy(&out).into_owned()
    }

    const HELLO: &str = "POST / HTTP/1.1\r\nhost: t\r\ncontent-length: 5\r\n\r\nhello";

    #[tokio::test]
    async fn a_head_larger_than_the_limit_is_refused_with_431() {
        let (addr, _server) = start(limits()).await;
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        let big = format!(
            "POST / HTTP/1.1\r\nhost: t\r\nx-big: {}\r\ncontent-length: 0\r\n\r\n",
            "a".repeat(10_000)
        );
        let _ = stream.write_all(big.as_bytes()).await;
        let answer = until_closed(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
        // The server goes on serving.
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        let answer = exchange(&mut stream, HELLO).await;
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("\r\n5"),
            "{answer}"
        );
    }

    #[tokio::test]
    async fn a_head_or_a_body_that_dribbles_is_cut_off() {
        let (addr, _server) = start(limits()).await;
        // Half a head, then nothing: the connection is closed.
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        stream
            .write_all(b"POST / HTTP/1.1\r\nhost: t\r\n")
            .await
            .expect("sent");
        let answer = until_closed(&mut stream).await;
        assert!(!answer.starts_with("HTTP/1.1 2"), "{answer}");
        // A whole head, a tenth of the body, then nothing: 408 naming the limit.
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        stream
            .write_all(b"POST / HTTP/1.1\r\nhost: t\r\ncontent-length: 100\r\nconnection: close\r\n\r\n0123456789")
            .await
            .expect("sent");
        let answer = until_closed(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(
            answer.ends_with("the request body did not arrive within 300 ms"),
            "{answer}"
        );
        // A body sent whole is read.
        let mut stream = TcpStream::connect(addr).await.expect("connects");
        let answer = exchange(&mut stream, HELLO).await;
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("\r\n5"),
            "{answer}"
        );
    }

    #[tokio::test]
    async fn an_address_over_its_connection_limit_is_answered_429_until_one_closes() {
        let (addr, _server) = start(ConnectionLimits {
            header_read_timeout: Duration::from_secs(30),
            max_connections_per_ip: 2,
            ..limits()
        })
        .await;
        // Two connections, each served once (so both are counted) and kept open.
        let mut first = TcpStream::connect(addr).await.expect("connects");
        let mut second = TcpStream::connect(addr).await.expect("connects");
        for stream in [&mut first, &mut second] {
            assert!(exchange(stream, HELLO).await.starts_with("HTTP/1.1 200"));
        }
        let mut third = TcpStream::connect(addr).await.expect("connects");
        let answer = until_closed(&mut third).await;
        assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
        assert!(
            answer.ends_with(r#"{"errors":[{"message":"more than 2 connections are open from this address","extensions":{"code":"RATE_LIMITED"}}]}"#),
            "{answer}"
        );
        // One closes: a new connection is served again.
        drop(first);
        let mut served = false;
        for _ in 0..50 {
            let mut next = TcpStream::connect(addr).await.expect("connects");
            next.write_all(HELLO.as_bytes()).await.expect("sent");
            let mut head = [0u8; 12];
            if next.read_exact(&mut head).await.is_ok() && &head == b"HTTP/1.1 200" {
                served = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(served, "a slot freed by a closed connection is used again");
        assert!(
            exchange(&mut second, HELLO)
                .await
                .starts_with("HTTP/1.1 200")
        );
    }
}
