//! `[router.persisted_queries]`: automatic persisted queries and trusted documents.

use std::{path::PathBuf, time::Duration};

use serde::Deserialize;
use tessera_router::persisted::{Persisted, PersistedOptions, TrustedMode};

use super::ConfigError;

/// Persisted queries.
///
/// ```toml
/// [router.persisted_queries]
/// apq = true
/// apq_ttl_seconds = 86400
/// trusted_documents = "enforce"      # off | log_unknown | enforce
/// manifests = ["schema/persisted"]   # files, or directories of *.json
/// exempt_roles = ["admin"]
/// exempt_scopes = ["explorer"]
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PersistedQueriesConfig {
    /// Automatic persisted queries (Apollo Client's `PersistedQueryLink`).
    pub apq: bool,
    /// Seconds a registered query lives, in process and in Redis.
    pub apq_ttl_seconds: u64,
    /// Most bytes of registered query text kept in process.
    pub apq_max_bytes: u64,
    /// `off`, `log_unknown` or `enforce`.
    pub trusted_documents: TrustedMode,
    /// Manifest files or directories (Apollo's format, or `{"id": "body"}`).
    pub manifests: Vec<PathBuf>,
    /// Roles that may send free-form operations under `enforce`.
    pub exempt_roles: Vec<String>,
    /// Scopes that may, too.
    pub exempt_scopes: Vec<String>,
    /// Milliseconds between checks of the manifest files for changes.
    pub reload_interval_ms: u64,
}

impl Default for PersistedQueriesConfig {
    fn default() -> Self {
        let defaults = PersistedOptions::default();
        Self {
            apq: defaults.apq,
            apq_ttl_seconds: defaults.apq_ttl.as_secs(),
            apq_max_bytes: defaults.apq_max_bytes,
            trusted_documents: defaults.mode,
            manifests: vec![PathBuf::from("schema/persisted")],
            exempt_roles: vec!["admin".to_owned()],
            exempt_scopes: vec!["explorer".to_owned()],
            reload_interval_ms: 2_000,
        }
    }
}

impl PersistedQueriesConfig {
    /// The router's persisted queries, sharing APQ registrations through Redis when
    /// `redis_url` is set. Fails on an unreadable manifest, or `enforce` without any.
    pub fn persisted(&self, redis_url: Option<&str>) -> Result<Persisted, ConfigError> {
        if self.apq_ttl_seconds == 0 {
            return Err(ConfigError(
                "`router.persisted_queries.apq_ttl_seconds` must be at least 1".to_owned(),
            ));
        }
        Persisted::new(&PersistedOptions {
            apq: self.apq,
            apq_ttl: Duration::from_secs(self.apq_ttl_seconds),
            apq_max_bytes: self.apq_max_bytes,
            redis_url: redis_url.map(str::to_owned),
            mode: self.trusted_documents,
            manifests: self.manifests.clone(),
            exempt_roles: self.exempt_roles.clone(),
            exempt_scopes: self.exempt_scopes.clone(),
            reload_interval: Duration::from_millis(self.reload_interval_ms),
        })
        .map_err(|err| ConfigError(format!("`router.persisted_queries`: {err}")))
    }
}
