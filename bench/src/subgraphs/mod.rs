//! The four subgraphs of the classic federation benchmark (the shape The Guild's and
//! Apollo's router benchmarks use): `accounts`, `inventory`, `products`, `reviews`,
//! each an async-graphql schema over the static [`crate::data`], served on its own port.
//!
//! They are deliberately cheap — no I/O, no allocation beyond the response — so that
//! a load test measures the router in front of them.
//!
//! # Layout
//! - [`accounts`]: `User` and the user roots.
//! - [`products`]: `Product` (name, price, weight) and `topProducts`.
//! - [`inventory`]: `Product.inStock` and `shippingEstimate` (`@requires`).
//! - [`reviews`]: `Review`, `User.reviews`, `Product.reviews` (`@provides`).

pub mod accounts;
pub mod inventory;
pub mod products;
pub mod reviews;

use std::{
    future::Future,
    io,
    net::{IpAddr, SocketAddr},
};

use async_graphql::{ObjectType, SDLExportOptions, Schema, SubscriptionType};
use async_graphql_axum::GraphQL;
use axum::{
    Router,
    routing::{get, post_service},
    serve::ListenerExt,
};
use tokio::{net::TcpListener, sync::watch, task::JoinSet};

/// The first port by default: `accounts` listens on it, the others on the next three.
pub const DEFAULT_PORT: u16 = 4201;

/// One benchmark subgraph.
#[derive(Debug, Clone, Copy)]
pub struct Subgraph {
    /// Its name in the supergraph.
    pub name: &'static str,
    sdl: fn() -> String,
    app: fn() -> Router,
}

/// All four, in port order: the first listens on the first port, the next on the
/// port after it, and so on.
pub const SUBGRAPHS: [Subgraph; 4] = [
    Subgraph {
        name: "accounts",
        sdl: || sdl_of(&accounts::schema()),
        app: || app_of(accounts::schema()),
    },
    Subgraph {
        name: "inventory",
        sdl: || sdl_of(&inventory::schema()),
        app: || app_of(inventory::schema()),
    },
    Subgraph {
        name: "products",
        sdl: || sdl_of(&products::schema()),
        app: || app_of(products::schema()),
    },
    Subgraph {
        name: "reviews",
        sdl: || sdl_of(&reviews::schema()),
        app: || app_of(reviews::schema()),
    },
];

impl Subgraph {
    /// Its federation SDL (what `_service { sdl }` answers).
    pub fn sdl(&self) -> String {
        (self.sdl)()
    }

    /// Its HTTP app: `POST /graphql` and `GET /health`.
    pub fn app(&self) -> Router {
        (self.app)()
    }

    /// Its address when the subgraphs listen on `host` from `first_port` on.
    pub fn addr(&self, host: IpAddr, first_port: u16) -> SocketAddr {
        let index = SUBGRAPHS
            .iter()
            .position(|s| s.name == self.name)
            .expect("every subgraph is in SUBGRAPHS");
        let port = u16::try_from(index)
            .ok()
            .and_then(|offset| first_port.checked_add(offset))
            .unwrap_or(first_port);
        SocketAddr::new(host, port)
    }

    /// Its URL when the subgraphs listen on `host` from `first_port` on.
    pub fn url(&self, host: IpAddr, first_port: u16) -> String {
        format!("http://{}/graphql", self.addr(host, first_port))
    }
}

fn sdl_of<Q, M, S>(schema: &Schema<Q, M, S>) -> String
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    schema.sdl_with_options(SDLExportOptions::new().federation().compose_directive())
}

fn app_of<Q, M, S>(schema: Schema<Q, M, S>) -> Router
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    Router::new()
        .route("/graphql", post_service(GraphQL::new(schema)))
        .route("/health", get(|| async { "ok" }))
}

/// The four subgraphs, serving in the background.
#[derive(Debug)]
pub struct Running {
    urls: Vec<(&'static str, String)>,
    stop: watch::Sender<bool>,
    servers: JoinSet<io::Result<()>>,
}

/// Binds the four subgraphs on `host` from `first_port` on (each on a free port of its
/// own when `first_port` is 0) and serves them until [`Running::stop`], or until the
/// [`Running`] is dropped.
pub async fn start(host: IpAddr, first_port: u16) -> io::Result<Running> {
    let (stop, stopped) = watch::channel(false);
    let mut urls = Vec::with_capacity(SUBGRAPHS.len());
    let mut servers = JoinSet::new();
    for subgraph in SUBGRAPHS {
        let wanted = subgraph.addr(host, first_port);
        let wanted = if first_port == 0 {
            SocketAddr::new(host, 0)
        } else {
            wanted
        };
        let listener = TcpListener::bind(wanted).await.map_err(|err| {
            io::Error::new(
                err.kind(),
                format!("{}: cannot listen on {wanted}: {err}", subgraph.name),
            )
        })?;
        urls.push((
            subgraph.name,
            format!("http://{}/graphql", listener.local_addr()?),
        ));
        let mut stopped = stopped.clone();
        servers.spawn(serve(listener, subgraph.app(), async move {
            // An error means the sender is gone, which also means stop.
            let _ = stopped.wait_for(|stop| *stop).await;
        }));
    }
    Ok(Running {
        urls,
        stop,
        servers,
    })
}

impl Running {
    /// Each subgraph's name and URL, in [`SUBGRAPHS`] order.
    pub fn urls(&self) -> &[(&'static str, String)] {
        &self.urls
    }

    /// The URL of subgraph `name`.
    pub fn url(&self, name: &str) -> Option<&str> {
        self.urls
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, url)| url.as_str())
    }

    /// Stops accepting, lets requests in flight finish, and reports the first error.
    pub async fn stop(mut self) -> io::Result<()> {
        let _ = self.stop.send(true);
        while let Some(served) = self.servers.join_next().await {
            served.map_err(io::Error::other)??;
        }
        Ok(())
    }
}

/// Serves `app` on `listener` until `shutdown` completes. Replies go out without
/// Nagle's delay, as a production server's would.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        // Best effort: a socket that refuses is still served, only slower.
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
