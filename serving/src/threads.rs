//! Serving one app per thread: each app on a single-threaded runtime of its own, the
//! listener's connections handed to them in turn.
//!
//! The router serves this way. Everything a request touches that is written to per
//! request (its connection, the subgraph connection pools, the table of fetches in
//! flight) then stays on one core; on a work-stealing runtime two threads shared them,
//! and the router fell, a process at a time, into a mode at half its speed (the figures
//! are in `docs/benchmarks.md`). What is read by all (plans, the supergraph, caches)
//! stays shared.

use std::{io, net::SocketAddr, time::Duration};

use axum::{Router, serve::Listener};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::mpsc,
};
use tokio_util::sync::CancellationToken;

use crate::connection::{ConnectionLimits, PerAddress, serve_connections};

/// Connections accepted and not yet taken by a busy thread, per thread.
const BACKLOG: usize = 1024;

/// Serves each of `apps` on a thread of its own until `shutdown` (then as
/// [`crate::serve`] does: in-flight requests get ten seconds). Connections
/// accepted on `listener` go to the threads in turn. Fails when there is no app, when a
/// thread cannot start or when one stops with an error.
pub async fn serve(
    name: &'static str,
    listener: TcpListener,
    apps: Vec<Router>,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
) -> io::Result<()> {
    if apps.is_empty() {
        return Err(io::Error::other(format!("{name}: no thread to serve on")));
    }
    let local_addr = listener.local_addr()?;
    let mut queues = Vec::with_capacity(apps.len());
    let mut threads = Vec::with_capacity(apps.len());
    // Connections per address are counted across the threads.
    let per_address = PerAddress::new(limits.max_connections_per_ip);
    for (index, app) in apps.into_iter().enumerate() {
        let per_address = per_address.clone();
        let (queue, connections) = mpsc::channel(BACKLOG);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let token = shutdown.clone();
        let thread = std::thread::Builder::new()
            .name(format!("{name}-{index}"))
            .spawn(move || {
                let handoff = Handoff {
                    connections,
                    local_addr,
                };
                runtime.block_on(async move {
                    let stop = token.clone();
                    let server = async move {
                        serve_connections(handoff, app, limits, per_address, stop).await;
                        Ok(())
                    };
                    crate::drain::drain(server, token).await
                })
            })?;
        queues.push(queue);
        threads.push(thread);
    }
    let result = hand_out(&listener, &queues, &shutdown).await;
    // Every thread drains and stops on `shutdown`; one that failed stops the rest.
    shutdown.cancel();
    drop(queues);
    let joined = tokio::task::spawn_blocking(move || {
        threads
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|_| Err(io::Error::other("a serving thread panicked")))
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(io::Error::other)?;
    result?;
    joined.into_iter().collect()
}

/// Accepts until `shutdown`, giving each connection to the next thread; an error when
/// every thread is gone.
async fn hand_out(
    listener: &TcpListener,
    queues: &[mpsc::Sender<(std::net::TcpStream, SocketAddr)>],
    shutdown: &CancellationToken,
) -> io::Result<()> {
    let mut next = 0;
    loop {
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    accept_failed(&err).await;
                    continue;
                }
            },
        };
        // Responses go out in one write; nothing gains from Nagle's delay.
        let _ = stream.set_nodelay(true);
        let mut connection = Some((stream.into_std()?, peer));
        for _ in 0..queues.len() {
            let queue = &queues[next];
            next = (next + 1) % queues.len();
            match queue.try_reserve() {
                Ok(permit) => {
                    permit.send(connection.take().expect("sent once"));
                    break;
                }
                Err(mpsc::error::TrySendError::Full(())) => {}
                Err(mpsc::error::TrySendError::Closed(())) => {
                    return Err(io::Error::other("a serving thread stopped"));
                }
            }
        }
        if let Some(connection) = connection {
            // Every thread's queue is full: wait for the next in turn.
            queues[next]
                .send(connection)
                .await
                .map_err(|_| io::Error::other("a serving thread stopped"))?;
            next = (next + 1) % queues.len();
        }
    }
}

/// As axum's own listener does: connection errors (the peer left) are retried at
/// once; others (too many open files) after a second, so as not to spin.
async fn accept_failed(err: &io::Error) {
    let per_connection = matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    );
    if !per_connection {
        tracing::error!(%err, "accepting a connection failed");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// One thread's side: the connections handed to it.
struct Handoff {
    connections: mpsc::Receiver<(std::net::TcpStream, SocketAddr)>,
    local_addr: SocketAddr,
}

impl Listener for Handoff {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            let Some((stream, peer)) = self.connections.recv().await else {
                // The acceptor stopped: shutdown is under way and ends this server.
                return std::future::pending().await;
            };
            match TcpStream::from_std(stream) {
                Ok(stream) => return (stream, peer),
                Err(err) => tracing::warn!(%err, %peer, "registering a connection failed"),
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local_addr)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use axum::routing::get;

    use super::*;

    /// The name of the thread that answered.
    fn app() -> Router {
        Router::new().route(
            "/thread",
            get(|| async { std::thread::current().name().unwrap_or("?").to_owned() }),
        )
    }

    /// Asks `/thread` on one keep-alive connection, written by hand: a pooled HTTP client
    /// may open another connection for a second request (its pool takes a connection
    /// back only after the body is read, which a loaded machine can make late), and
    /// that would test a new connection, not this one staying on its thread.
    async fn thread_of(stream: &mut TcpStream) -> String {
        let answer =
            crate::test_support::exchange(stream, "GET /thread HTTP/1.1\r\nhost: test\r\n\r\n")
                .await;
        crate::test_support::body(&answer).to_owned()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn connections_go_to_each_thread_in_turn_and_stay_there() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bound");
        let address = listener.local_addr().expect("addr");
        let url = format!("http://{address}/thread");
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(
            "test",
            listener,
            vec![app(), app(), app()],
            ConnectionLimits::default(),
            shutdown.clone(),
        ));
        // Six keep-alive connections, one after another, each asking twice.
        let mut seen: HashMap<String, usize> = HashMap::new();
        for _ in 0..6 {
            let mut connection = TcpStream::connect(address).await.expect("connected");
            let first = thread_of(&mut connection).await;
            assert_eq!(
                thread_of(&mut connection).await,
                first,
                "a connection stays on its thread"
            );
            *seen.entry(first).or_default() += 1;
        }
        let expected: HashMap<String, usize> = ["test-0", "test-1", "test-2"]
            .into_iter()
            .map(|name| (name.to_owned(), 2))
            .collect();
        assert_eq!(seen, expected);

        shutdown.cancel();
        let stopped = tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .expect("stopped within the drain time")
            .expect("not panicked");
        assert!(stopped.is_ok(), "{stopped:?}");
        assert!(
            reqwest::get(&url).await.is_err(),
            "nothing listens once stopped"
        );
    }

    #[tokio::test]
    async fn no_app_is_an_error_not_a_panic() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bound");
        let err = serve(
            "test",
            listener,
            Vec::new(),
            ConnectionLimits::default(),
            CancellationToken::new(),
        )
        .await
        .expect_err("nothing to serve");
        assert_eq!(err.to_string(), "test: no thread to serve on");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_in_flight_finishes_during_shutdown() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bound");
        let url = format!("http://{}/slow", listener.local_addr().expect("addr"));
        let slow = Router::new().route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "done"
            }),
        );
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(serve(
            "test",
            listener,
            vec![slow],
            ConnectionLimits::default(),
            shutdown.clone(),
        ));
        let request = tokio::spawn(async move { reqwest::get(&url).await?.text().await });
        tokio::time::sleep(Duration::from_millis(100)).await;
        shutdown.cancel();
        assert_eq!(
            request.await.expect("not panicked").expect("answered"),
            "done"
        );
        server
            .await
            .expect("not panicked")
            .expect("stopped cleanly");
    }
}
