//! Binding, serving until shutdown, and draining in-flight requests.

use std::{future::IntoFuture, io, net::SocketAddr, time::Duration};

use crate::connection::{ConnectionLimits, PerAddress, serve_connections};

use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// How long in-flight requests may finish after shutdown begins.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds `addr`, naming it in the error (ports are the most common start-up failure).
pub async fn bind(name: &str, addr: SocketAddr) -> io::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|err| {
        io::Error::new(
            err.kind(),
            format!("{name}: cannot listen on {addr}: {err}"),
        )
    })
}

/// Serves `app` until `shutdown` is cancelled, then lets in-flight requests finish for
/// up to ten seconds; clients held to the default [`ConnectionLimits`].
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: CancellationToken,
) -> io::Result<()> {
    serve_with(listener, app, ConnectionLimits::default(), shutdown).await
}

/// As [`serve`], with clients held to `limits`. Each request carries its connection's
/// peer address (`ConnectInfo<SocketAddr>`: rate limits key anonymous callers on it).
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let per_address = PerAddress::new(limits.max_connections_per_ip);
    let stop = shutdown.clone();
    let server = async move {
        serve_connections(listener, app, limits, per_address, stop).await;
        Ok(())
    };
    drain(server, shutdown).await
}

/// Runs `server` (already told to shut down gracefully on `shutdown`), and gives up on
/// in-flight requests ten seconds after `shutdown`.
pub(crate) async fn drain(
    server: impl IntoFuture<Output = io::Result<()>>,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let server = server.into_future();
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => result,
        () = async {
            shutdown.cancelled().await;
            tokio::time::sleep(DRAIN_TIMEOUT).await;
        } => {
            tracing::warn!("in-flight requests did not finish within {DRAIN_TIMEOUT:?}; closing");
            Ok(())
        }
    }
}

/// A token cancelled on Ctrl-C or SIGTERM (what Kubernetes sends before it kills a pod).
pub fn shutdown_on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let cancel = token.clone();
    tokio::spawn(async move {
        let ctrl_c = async {
            if let Err(err) = tokio::signal::ctrl_c().await {
                tracing::error!(%err, "cannot listen for Ctrl-C");
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(err) => {
                    tracing::error!(%err, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            () = ctrl_c => {},
            () = terminate => {},
        }
        tracing::info!("shutdown signal received; draining");
        cancel.cancel();
    });
    token
}
