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
    /// `redis://` or `rediss://` (TLS). Absent: in-process stores only.
    pub url: Option<String>,
}

impl RedisConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        match &self.url {
            Some(url) if !(url.starts_with("redis://") || url.starts_with("rediss://")) => {
                Err(ConfigError(format!(
                    "`redis.url` = `{url}` must start with redis:// or rediss://"
                )))
            }
            _ => Ok(()),
        }
    }
}
