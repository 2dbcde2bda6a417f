//! A connection to the shared Redis for a feature that must keep serving without it
//! (persisted queries, the caches): every call is bounded in time, and a failure is
//! counted, logged at most every 30 s and shown in a gauge, never returned to a client.

use std::{
    future::Future,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// How long one Redis call may take before the feature goes on without it.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(100);

/// Whether `url` is a Redis URL this binary can connect to (checked at start, so a
/// typo is refused there rather than on first use).
pub fn check_url(url: &str) -> Result<(), redis::RedisError> {
    redis::Client::open(url).map(|_| ())
}

/// One feature's link to Redis, and its health.
pub struct RedisLink {
    connection: redis::aio::ConnectionManager,
    client: redis::Client,
    /// What the link serves, in log lines ("automatic persisted queries").
    feature: &'static str,
    /// `<metrics>_redis_up` and `<metrics>_redis_failures_total`.
    up_gauge: &'static str,
    failures_counter: &'static str,
    failures: AtomicU64,
    last_warning: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLink")
            .field("feature", &self.feature)
            .finish_non_exhaustive()
    }
}

impl RedisLink {
    /// A lazily connecting link to `url` (nothing is sent until the first call).
    /// `up_gauge` and `failures_counter` name the feature's metrics.
    pub fn new(
        url: &str,
        feature: &'static str,
        up_gauge: &'static str,
        failures_counter: &'static str,
    ) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1);
        let connection =
            redis::aio::ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        Ok(Self {
            connection,
            client,
            feature,
            up_gauge,
            failures_counter,
            failures: AtomicU64::new(0),
            last_warning: Mutex::new(None),
        })
    }

    /// A multiplexed connection for one call.
    pub fn connection(&self) -> redis::aio::ConnectionManager {
        self.connection.clone()
    }

    /// The client, for connections of their own (pub/sub).
    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// Runs `call` within [`REDIS_TIMEOUT`]: its value, or `None` after counting and
    /// logging the failure.
    pub async fn run<T>(&self, call: impl Future<Output = redis::RedisResult<T>>) -> Option<T> {
        match tokio::time::timeout(REDIS_TIMEOUT, call).await {
            Ok(Ok(value)) => {
                metrics::gauge!(self.up_gauge).set(1.0);
                Some(value)
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

    /// Calls that failed since start.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// Records a failure seen outside [`RedisLink::run`] (a lost subscription).
    pub fn failed(&self, reason: &str) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        metrics::counter!(self.failures_counter).increment(1);
        metrics::gauge!(self.up_gauge).set(0.0);
        let mut last = self
            .last_warning
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.is_none_or(|at| at.elapsed() >= Duration::from_secs(30)) {
            *last = Some(Instant::now());
            tracing::warn!(%reason, failures = self.failures(), feature = self.feature, "Redis failed; going on without it until it is back");
        }
    }

    /// Marks the link up (at start, before any call).
    pub fn announce(&self) {
        metrics::gauge!(self.up_gauge).set(1.0);
    }
}
