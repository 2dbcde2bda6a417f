//! `[redis]`: state shared by router replicas.

use serde::Deserialize;

use super::ConfigError;

/// Redis connection.
///
/// ```toml
/// [redis]
/// url = "redis://cache.internal:6379"
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisConfig {
    /// `redis://host:port[/db]`. Absent: in-process stores only. TLS (`rediss://`) is
    /// not built in: it is refused at start rather than failing on first use.
    pub url: Option<String>,
}

impl RedisConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        match &self.url {
            Some(url) if url.starts_with("rediss://") => Err(ConfigError(format!(
                "`redis.url` = `{url}`: TLS to Redis (rediss://) is not built into this binary; use redis:// inside the network"
            ))),
            Some(url) if !url.starts_with("redis://") => Err(ConfigError(format!(
                "`redis.url` = `{url}` must start with redis://"
            ))),
            Some(url) => tessera_router::redis_link::check_url(url).map_err(|err| {
                ConfigError(format!("`redis.url` = `{url}` is not a Redis URL: {err}"))
            }),
            None => Ok(()),
        }
    }
}
