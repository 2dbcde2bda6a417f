//! The store of automatic persisted queries: document text by SHA-256, in process
//! (bounded by bytes, with a TTL) in front of Redis, which every router replica shares.
//!
//! Redis is an accelerator, never a dependency: when it is not configured, or a call
//! fails or takes longer than [`REDIS_TIMEOUT`], the in-process tier answers alone, the
//! failure is logged (at most once per 30 s) and counted
//! (`tessera_apq_redis_failures_total`), and `tessera_apq_redis_up` drops to 0 until a
//! call succeeds again.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use redis::AsyncCommands;

use super::{Sha256, hex};

const REDIS_TIMEOUT: Duration = Duration::from_millis(100);
const KEY_PREFIX: &str = "tessera:apq:";

/// Where registered documents live.
pub struct ApqStore {
    local: moka::sync::Cache<Sha256, Arc<str>>,
    redis: Option<redis::aio::ConnectionManager>,
    ttl: Duration,
    failures: AtomicU64,
    last_warning: Mutex<Option<Instant>>,
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
        let redis = match redis_url {
            None => None,
            Some(url) => {
                let client = redis::Client::open(url)?;
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(Duration::from_millis(500)))
                    .set_response_timeout(Some(REDIS_TIMEOUT))
                    .set_number_of_retries(1);
                Some(redis::aio::ConnectionManager::new_lazy_with_config(
                    client, config,
                )?)
            }
        };
        Ok(Self {
            local,
            redis,
            ttl,
            failures: AtomicU64::new(0),
            last_warning: Mutex::new(None),
        })
    }

    /// Says at start-up where registrations live: a log line when Redis is not
    /// configured, and `tessera_apq_redis_up` (1 until a call fails).
    pub fn announce(&self) {
        if self.redis.is_some() {
            metrics::gauge!("tessera_apq_redis_up").set(1.0);
        } else {
            tracing::info!(
                "automatic persisted queries: in-process store only (no `redis.url`); replicas do not share registrations"
            );
            metrics::gauge!("tessera_apq_redis_up").set(0.0);
        }
    }

    /// How many Redis calls failed (the store answered from process memory instead).
    pub fn redis_failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// The document registered under `hash`, if any replica registered it.
    pub async fn get(&self, hash: &Sha256) -> Option<Arc<str>> {
        if let Some(text) = self.local.get(hash) {
            return Some(text);
        }
        let mut redis = self.redis.clone()?;
        let call = redis.get::<_, Option<String>>(key(hash));
        match tokio::time::timeout(REDIS_TIMEOUT, call).await {
            Ok(Ok(found)) => {
                self.redis_up();
                // Content-addressed: a text that does not hash to its key is not ours.
                let text: Arc<str> = found.filter(|t| super::sha256(t) == *hash)?.into();
                self.local.insert(*hash, text.clone());
                Some(text)
            }
            Ok(Err(err)) => {
                self.failed(&err.to_string());
                None
            }
            Err(_) => {
                self.failed(&format!("no answer within {REDIS_TIMEOUT:?}"));
                None
            }
        }
    }

    /// Registers `text` under its `hash` (already checked by the caller).
    pub async fn put(&self, hash: Sha256, text: Arc<str>) {
        self.local.insert(hash, text.clone());
        let Some(mut redis) = self.redis.clone() else {
            return;
        };
        let seconds = self.ttl.as_secs().max(1);
        let call = redis.set_ex::<_, _, ()>(key(&hash), &*text, seconds);
        match tokio::time::timeout(REDIS_TIMEOUT, call).await {
            Ok(Ok(())) => self.redis_up(),
            Ok(Err(err)) => self.failed(&err.to_string()),
            Err(_) => self.failed(&format!("no answer within {REDIS_TIMEOUT:?}")),
        }
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

    fn redis_up(&self) {
        metrics::gauge!("tessera_apq_redis_up").set(1.0);
    }

    fn failed(&self, reason: &str) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("tessera_apq_redis_failures_total").increment(1);
        metrics::gauge!("tessera_apq_redis_up").set(0.0);
        let mut last = self
            .last_warning
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.is_none_or(|at| at.elapsed() >= Duration::from_secs(30)) {
            *last = Some(Instant::now());
            tracing::warn!(%reason, failures = self.redis_failures(), "automatic persisted queries: Redis failed; using the in-process store until it is back");
        }
    }
}

fn key(hash: &Sha256) -> String {
    format!("{KEY_PREFIX}{}", hex(hash))
}
