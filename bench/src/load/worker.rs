//! One connection of a run: a keep-alive HTTP/1.1 connection that sends the request
//! again as soon as the answer has arrived, until the window closes.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use http_body_util::{BodyExt, Full};
use hyper::{StatusCode, body::Bytes, client::conn::http1::SendRequest};
use hyper_util::rt::TokioIo;
use tokio::{
    net::TcpStream,
    time::{Instant, sleep_until, timeout_at},
};

use super::{check::Check, report::Tally, request::RequestSpec};

type Sender = SendRequest<Full<Bytes>>;

/// When a run warms up, measures and stops.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    /// Answers before this are not counted.
    pub measure_from: Instant,
    /// Nothing is sent after this; requests in flight are abandoned, not counted.
    pub end: Instant,
}

impl Window {
    fn counts(&self, at: Instant) -> bool {
        at >= self.measure_from && at < self.end
    }
}

/// An open-loop pace for one connection: a send at `first`, then every `every` (a
/// send that falls behind goes at once, never in a burst to catch up).
#[derive(Debug, Clone, Copy)]
pub(super) struct Pace {
    /// The first send.
    pub first: Instant,
    /// Between sends.
    pub every: Duration,
}

/// After a refused connection, wait this long before trying again, so a dead server
/// costs a few errors per second rather than a busy loop.
const RECONNECT_PAUSE: Duration = Duration::from_millis(20);

/// Opens a keep-alive HTTP/1.1 connection to `addr`.
pub(super) async fn connect(addr: SocketAddr) -> Result<Sender, String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|err| format!("connecting to {addr}: {err}"))?;
    // Best effort: without it requests still go out, later.
    let _ = stream.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|err| format!("HTTP handshake with {addr}: {err}"))?;
    tokio::spawn(async move {
        // Ends when the sender is dropped or the server closes; either is seen by the
        // next request on the sender.
        let _ = connection.await;
    });
    Ok(sender)
}

/// Sends one request and reads the whole answer.
pub(super) async fn send(
    sender: &mut Sender,
    spec: &RequestSpec,
) -> Result<(StatusCode, Bytes), String> {
    sender
        .ready()
        .await
        .map_err(|err| format!("connection lost: {err}"))?;
    let response = sender
        .send_request(spec.build())
        .await
        .map_err(|err| format!("sending: {err}"))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|err| format!("reading the answer: {err}"))?
        .to_bytes();
    Ok((status, body))
}

/// Runs one connection's closed loop over `window`.
pub(super) async fn run(
    addr: SocketAddr,
    spec: Arc<RequestSpec>,
    check: Arc<Check>,
    (window, pace): (Window, Option<Pace>),
    request_timeout: Duration,
) -> Tally {
    let mut tally = Tally::default();
    let mut connection: Option<Sender> = None;
    let mut next = pace.map(|p| p.first);
    loop {
        if let (Some(at), Some(pace)) = (next, pace) {
            if at >= window.end {
                break;
            }
            sleep_until(at).await;
            next = Some((at + pace.every).max(Instant::now()));
        }
        let now = Instant::now();
        if now >= window.end {
            break;
        }
        if connection.is_none() {
            match timeout_at(window.end, connect(addr)).await {
                Err(_) => break,
                Ok(Ok(sender)) => connection = Some(sender),
                Ok(Err(reason)) => {
                    if window.counts(Instant::now()) {
                        tally.transport(reason);
                    }
                    sleep_until((Instant::now() + RECONNECT_PAUSE).min(window.end)).await;
                    continue;
                }
            }
        }
        let Some(sender) = connection.as_mut() else {
            continue;
        };
        let started = Instant::now();
        let deadline = started + request_timeout;
        let result = timeout_at(deadline.min(window.end), send(sender, &spec)).await;
        let done = Instant::now();
        match result {
            Ok(Ok((status, body))) => {
                if window.counts(done) {
                    tally.answer(check.judge(status, &body), done - started, body.len());
                }
            }
            Ok(Err(reason)) => {
                connection = None;
                if window.counts(done) {
                    tally.transport(reason);
                }
            }
            Err(_) if deadline >= window.end => break,
            Err(_) => {
                // The connection may still deliver the late answer: start afresh.
                connection = None;
                if window.counts(done) {
                    tally.timeout();
                }
            }
        }
    }
    tally
}
