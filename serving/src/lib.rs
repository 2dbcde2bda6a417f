//! Serving an axum app the way every Tessera process does, the router and the
//! subgraphs alike: a port bound with its name in the error, graceful shutdown on
//! Ctrl-C or SIGTERM with in-flight requests given ten seconds, every connection held
//! to [`ConnectionLimits`] (head size, head and body read times, connections per
//! address), and, for the router, one app per thread ([`threads`]).

mod connection;
mod drain;
#[cfg(test)]
mod test_support;
pub mod threads;

use std::{io, net::SocketAddr};

use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use self::{
    connection::{BodyTimedOut, ConnectionLimits},
    drain::{bind, serve, serve_with, shutdown_on_signal},
};

/// A service ready to serve: its port bound, its app (or one per thread) built.
pub struct Prepared {
    /// The service's name, for logs.
    pub name: &'static str,
    /// The bound listener.
    pub listener: TcpListener,
    /// Its app.
    pub app: Apps,
    /// What its clients are held to.
    pub limits: ConnectionLimits,
}

/// What a [`Prepared`] listener serves.
pub enum Apps {
    /// One app on the process's runtime.
    Shared(Router),
    /// One app per thread of its own (see [`threads`]).
    PerThread(Vec<Router>),
}

impl From<Router> for Apps {
    fn from(app: Router) -> Self {
        Self::Shared(app)
    }
}

impl Prepared {
    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) -> io::Result<()> {
        let addr = self.local_addr()?;
        match self.app {
            Apps::Shared(app) => {
                tracing::info!(subgraph = self.name, %addr, "serving");
                serve_with(self.listener, app, self.limits, shutdown).await
            }
            Apps::PerThread(apps) => {
                tracing::info!(subgraph = self.name, %addr, threads = apps.len(), "serving, one thread per app");
                threads::serve(self.name, self.listener, apps, self.limits, shutdown).await
            }
        }
    }
}
