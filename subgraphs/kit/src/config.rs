//! Settings of one subgraph process. The `tessera` binary reads them from `tessera.toml`
//! and `TESSERA_*` environment variables (see the README's configuration table).

use std::{net::SocketAddr, time::Duration};

use serde::Deserialize;

/// One subgraph: where it listens and where its data lives.
///
/// ```toml
/// [subgraphs.users]
/// listen = "127.0.0.1:4001"
/// database.url = "sqlite://data/users.db?mode=rwc"
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubgraphConfig {
    /// Address the subgraph's HTTP server binds.
    pub listen: SocketAddr,
    /// Its database.
    pub database: DatabaseConfig,
}

/// A database connection pool.
///
/// ```toml
/// url = "postgres://tessera@db.internal:5432/users"
/// max_connections = 20
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://path?mode=rwc` (embedded default) or `postgres://…` (production).
    pub url: String,
    /// Upper bound of pooled connections.
    #[serde(default = "DatabaseConfig::default_max_connections")]
    pub max_connections: u32,
    /// How long to wait for a connection before the request fails with
    /// `SERVICE_UNAVAILABLE`, in milliseconds.
    #[serde(default = "DatabaseConfig::default_acquire_timeout_ms")]
    pub acquire_timeout_ms: u64,
    /// SQLite only: how long a writer waits for another one to finish before its
    /// statement fails with `database is locked`, in milliseconds.
    #[serde(default = "DatabaseConfig::default_busy_timeout_ms")]
    pub busy_timeout_ms: u64,
    /// Apply pending migrations when the process starts (on in the embedded default;
    /// production runs `tessera migrate` as a separate step and turns this off).
    #[serde(default)]
    pub migrate_on_start: bool,
    /// Load the demo data set on start (idempotent).
    #[serde(default)]
    pub demo_data: bool,
}

impl DatabaseConfig {
    fn default_max_connections() -> u32 {
        10
    }

    fn default_acquire_timeout_ms() -> u64 {
        5_000
    }

    fn default_busy_timeout_ms() -> u64 {
        5_000
    }

    /// A config for `url` with every other setting at its default.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: Self::default_max_connections(),
            acquire_timeout_ms: Self::default_acquire_timeout_ms(),
            busy_timeout_ms: Self::default_busy_timeout_ms(),
            migrate_on_start: false,
            demo_data: false,
        }
    }

    /// The acquire timeout as a duration.
    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.acquire_timeout_ms)
    }

    /// The SQLite busy timeout as a duration.
    pub fn busy_timeout(&self) -> Duration {
        Duration::from_millis(self.busy_timeout_ms)
    }

    /// Checks what serde cannot: the URL names a backend we support. The message is
    /// prefixed by the caller with the config key.
    pub fn validate(&self) -> Result<(), String> {
        let supported = ["sqlite:", "postgres://", "postgresql://"];
        if !supported.iter().any(|p| self.url.starts_with(p)) {
            return Err(format!(
                "`{}` is not a supported database URL (expected sqlite:… or postgres://…)",
                self.url
            ));
        }
        if self.max_connections == 0 {
            return Err("max_connections must be at least 1".to_owned());
        }
        Ok(())
    }
}
