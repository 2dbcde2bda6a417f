//! `[router.cache]`: the response and entity caches.

use std::time::Duration;

use serde::Deserialize;
use tessera_router::cache::CacheOptions;

use super::ConfigError;

/// Response caching.
///
/// ```toml
/// [router.cache]
/// responses = true          # whole query responses, by @cacheControl and subgraph headers
/// entities = true           # _entities answers, per entity
/// default_max_age = 0       # seconds for what no hint covers (0: uncacheable)
/// response_memory_mb = 64
/// entity_memory_mb = 64
/// max_ttl_seconds = 86400
/// redis_namespace = "tessera"
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// Cache whole query responses.
    pub responses: bool,
    /// Cache `_entities` answers per entity.
    pub entities: bool,
    /// Max age, in seconds, of root fields and object fields no hint covers.
    pub default_max_age: u32,
    /// In-process megabytes of the response cache.
    pub response_memory_mb: u64,
    /// In-process megabytes of the entity cache.
    pub entity_memory_mb: u64,
    /// Longest time anything is kept, in seconds.
    pub max_ttl_seconds: u64,
    /// What the caches' Redis keys and channel start with (one per deployment).
    pub redis_namespace: String,
}

impl Default for CacheConfig {
    fn default() -> Self {
        let defaults = CacheOptions::default();
        Self {
            responses: defaults.responses,
            entities: defaults.entities,
            default_max_age: defaults.default_max_age,
            response_memory_mb: defaults.response_memory_bytes >> 20,
            entity_memory_mb: defaults.entity_memory_bytes >> 20,
            max_ttl_seconds: defaults.max_ttl.as_secs(),
            redis_namespace: defaults.namespace,
        }
    }
}

impl CacheConfig {
    /// The router's cache options.
    pub fn options(&self) -> Result<CacheOptions, ConfigError> {
        if self.redis_namespace.is_empty() || self.redis_namespace.contains(char::is_whitespace) {
            return Err(ConfigError(
                "`router.cache.redis_namespace` must be a non-empty word".to_owned(),
            ));
        }
        if self.max_ttl_seconds == 0 {
            return Err(ConfigError(
                "`router.cache.max_ttl_seconds` must be at least 1".to_owned(),
            ));
        }
        Ok(CacheOptions {
            responses: self.responses,
            entities: self.entities,
            default_max_age: self.default_max_age,
            response_memory_bytes: self.response_memory_mb << 20,
            entity_memory_bytes: self.entity_memory_mb << 20,
            max_ttl: Duration::from_secs(self.max_ttl_seconds),
            namespace: self.redis_namespace.clone(),
        })
    }
}
