//! `[router]`: the public endpoint.

use std::{net::SocketAddr, path::PathBuf};

use serde::Deserialize;

/// The router.
///
/// ```toml
/// [router]
/// listen = "0.0.0.0:4000"
/// supergraph = "schema/supergraph.graphql"
/// subgraph_timeout_ms = 10000
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouterConfig {
    /// Address of the public GraphQL endpoint.
    pub listen: SocketAddr,
    /// A supergraph SDL file; absent: the supergraph built into this binary (the
    /// committed `schema/supergraph.graphql`).
    #[serde(default)]
    pub supergraph: Option<PathBuf>,
    /// Per-subgraph request timeout, in milliseconds.
    #[serde(default = "RouterConfig::default_timeout_ms")]
    pub subgraph_timeout_ms: u64,
    /// Refuse browser "simple" requests (CSRF prevention).
    #[serde(default = "RouterConfig::default_true")]
    pub csrf_prevention: bool,
    /// Largest request body, in bytes.
    #[serde(default = "RouterConfig::default_max_body")]
    pub max_body_bytes: usize,
    /// Most operations in one HTTP batch.
    #[serde(default = "RouterConfig::default_max_batch")]
    pub max_batch: usize,
}

impl RouterConfig {
    fn default_timeout_ms() -> u64 {
        30_000
    }

    fn default_true() -> bool {
        true
    }

    fn default_max_body() -> usize {
        2 * 1024 * 1024
    }

    fn default_max_batch() -> usize {
        32
    }

    /// The router's HTTP settings.
    pub fn server_options(&self) -> tessera_router::server::ServerOptions {
        tessera_router::server::ServerOptions {
            csrf_prevention: self.csrf_prevention,
            max_body_bytes: self.max_body_bytes,
            max_batch: self.max_batch,
        }
    }
}
