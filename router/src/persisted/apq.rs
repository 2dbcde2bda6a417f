//! The store of automatic persisted queries: document text by SHA-256, in process
//! (bounded by bytes, with a TTL) in front of Redis, which every router replica shares.
//!
//! Redis is an accelerator, never a dependency: when it is not configured, or a call
//! fails or takes longer than [`crate::redis_link::REDIS_TIMEOUT`], the in-process tier
//! answers alone, the failure is logged (at most once per 30 s) and counted
//! (`tessera_apq_redis_failures_total`), and `tessera_apq_redis_up` drops to 0; calls
//! are then skipped until Redis answers the link's probe again (see
//! [`crate::redis_link`]).

use std::{sync::Arc, time::Duration};

use redis::AsyncCommands;

use super::{Sha256, hex};
use crate::redis_link::RedisLink;

const KEY_PREFIX: &str = "tessera:apq:";

/// Where registered documents live.
pub struct ApqStore {
    local: moka::sync::Cache<Sha256, Arc<str>>,
    redis: Option<RedisLink>,
    ttl: Duration,
}

impl std::fmt::Debug for ApqStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApqStore")
            .field("redis", &self.redis.is_some())
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl ApqStore {
    /// A store of at most `max_bytes` of text in process, entries living `ttl`, shared
    /// through Redis at `redis_url` when given (connected lazily, re-connected after
    /// failures).
    pub fn new(
        max_bytes: u64,
        ttl: Duration,
        redis_url: Option<&str>,
    ) -> Result<Self, redis::RedisError> {
        let local = moka::sync::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|_, text: &Arc<str>| u32::try_from(text.len() + 64).unwrap_or(u32::MAX))
            .time_to_live(ttl)
            .build();
        let redis = redis_url
            .map(|url| {
                RedisLink::new(
                    url,
                    "automatic persisted queries",
                    "tessera_apq_redis_up",
                    "tessera_apq_redis_failures_total",
                )
            })
            .transpose()?;
        Ok(Self { local, redis, ttl })
    }

    /// Says at start-up where registrations live: a log line when Redis is not
    /// configured, and `tessera_apq_redis_up` (1 until a call fails).
    pub fn announce(&self) {
        if let Some(redis) = &self.redis {
            redis.announce();
        } else {
            tracing::info!(
                "automatic persisted queries: in-process store only (no `redis.url`); replicas do not share registrations"
            );
            metrics::gauge!("tessera_apq_redis_up").set(0.0);
        }
    }

    /// How many Redis calls failed (the store answered from process memory instead).
    pub fn redis_failures(&self) -> u64 {
        self.redis.as_ref().map_or(0, RedisLink::failures)
    }

    /// How many Redis calls were skipped because Redis was down.
    pub fn redis_skipped(&self) -> u64 {
        self.redis.as_ref().map_or(0, RedisLink::skipped)
    }

    /// Probes of Redis it did not answer.
    pub fn redis_probes_failed(&self) -> u64 {
        self.redis.as_ref().map_or(0, RedisLink::probes_failed)
    }

    /// Whether Redis is configured for registrations.
    pub fn redis_configured(&self) -> bool {
        self.redis.is_some()
    }

    /// Whether calls go to Redis (none configured: false).
    pub fn redis_up(&self) -> bool {
        self.redis.as_ref().is_some_and(RedisLink::is_up)
    }

    /// The document registered under `hash`, if any replica registered it.
    pub async fn get(&self, hash: &Sha256) -> Option<Arc<str>> {
        if let Some(text) = self.local.get(hash) {
            return Some(text);
        }
        let redis = self.redis.as_ref()?;
        let mut connection = redis.connection();
        let found = redis
            .run(connection.get::<_, Option<String>>(key(hash)))
            .await?;
        let text: Arc<str> = found.filter(|t| super::sha256(t) == *hash)?.into();
        self.local.insert(*hash, text.clone());
        Some(text)
    }

    /// Registers `text` under its `hash` (already checked by the caller).
    pub async fn put(&self, hash: Sha256, text: Arc<str>) {
        self.local.insert(hash, text.clone());
        let Some(redis) = &self.redis else {
            return;
        };
        let seconds = self.ttl.as_secs().max(1);
        let mut connection = redis.connection();
        redis
            .run(connection.set_ex::<_, _, ()>(key(&hash), &*text, seconds))
            .await;
    }

    /// Bytes of text (and per-entry overhead) held in process now.
    pub fn local_bytes(&self) -> u64 {
        self.local.run_pending_tasks();
        self.local.weighted_size()
    }

    /// Forgets what this process holds (tests: "another replica" with a cold memory).
    pub fn clear_local(&self) {
        self.local.invalidate_all();
    }
}

fn key(hash: &Sha256) -> String {
    format!("{KEY_PREFIX}{}", hex(hash))
}
