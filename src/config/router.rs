//! `[router]`: the public endpoint.

use std::net::SocketAddr;

use serde::Deserialize;

/// Where the router listens.
///
/// ```toml
/// [router]
/// listen = "0.0.0.0:4000"
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouterConfig {
    /// Address of the public GraphQL endpoint.
    pub listen: SocketAddr,
}
