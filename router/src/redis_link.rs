//! A connection to the shared Redis for a feature that must keep serving without it
//! (persisted queries, the caches): every call is bounded in time, and a failure is
//! counted, logged at most every 30 s and shown in a gauge, never returned to a client.
//!
//! A breaker keeps a request from paying for a Redis that is down: after a failure the
//! link is down and calls are skipped (answered `None` at once) until a probe answers.
//! The probe (`PING`, every [`PROBE_EVERY`]) also runs while the link is up, so a
//! connection Redis dropped (a restart) is found and re-established before a request
//! meets it; the log says when Redis is back.

use std::{
    future::Future,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// How long one Redis call may take before the feature goes on without it.
pub const REDIS_TIMEOUT: Duration = Duration::from_millis(100);

/// How often the link asks Redis whether it is there.
pub const PROBE_EVERY: Duration = Duration::from_secs(1);

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
    /// Whether calls go to Redis, and whether the probe runs.
    state: Arc<State>,
}

#[derive(Debug)]
struct State {
    up: AtomicBool,
    probing: AtomicBool,
    skipped: AtomicU64,
    probes_failed: AtomicU64,
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
            state: Arc::new(State {
                up: AtomicBool::new(true),
                probing: AtomicBool::new(false),
                skipped: AtomicU64::new(0),
                probes_failed: AtomicU64::new(0),
            }),
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
    /// logging the failure; `None` at once, without calling, while the link is down.
    pub async fn run<T>(&self, call: impl Future<Output = redis::RedisResult<T>>) -> Option<T> {
        self.probe();
        if !self.is_up() {
            self.state.skipped.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        match tokio::time::timeout(REDIS_TIMEOUT, call).await {
            Ok(Ok(value)) => Some(value),
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

    /// Whether calls go to Redis (false from a failure until the probe is answered).
    pub fn is_up(&self) -> bool {
        self.state.up.load(Ordering::Acquire)
    }

    /// Calls not tried because the link was down.
    pub fn skipped(&self) -> u64 {
        self.state.skipped.load(Ordering::Relaxed)
    }

    /// Probes Redis did not answer.
    pub fn probes_failed(&self) -> u64 {
        self.state.probes_failed.load(Ordering::Relaxed)
    }

    /// Starts the probe on the current runtime, once.
    fn probe(&self) {
        // Read first: every call passes here, and a write would bounce the line
        // between the serving threads.
        if self.state.probing.load(Ordering::Acquire)
            || self.state.probing.swap(true, Ordering::AcqRel)
        {
            return;
        }
        if tokio::runtime::Handle::try_current().is_err() {
            self.state.probing.store(false, Ordering::Release);
            return;
        }
        let (state, mut connection) = (self.state.clone(), self.connection.clone());
        let (feature, up_gauge) = (self.feature, self.up_gauge);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(PROBE_EVERY).await;
                let command = redis::cmd("PING");
                let ping = command.query_async::<String>(&mut connection);
                let answered = matches!(tokio::time::timeout(REDIS_TIMEOUT, ping).await, Ok(Ok(_)));
                if !answered {
                    state.probes_failed.fetch_add(1, Ordering::Relaxed);
                }
                match (state.up.swap(answered, Ordering::AcqRel), answered) {
                    (false, true) => {
                        metrics::gauge!(up_gauge).set(1.0);
                        tracing::info!(feature, "Redis is back: calls go to it again");
                    }
                    (true, false) => {
                        metrics::gauge!(up_gauge).set(0.0);
                        tracing::warn!(
                            feature,
                            "Redis does not answer its probe; going on without it until it is back"
                        );
                    }
                    _ => {}
                }
            }
        });
    }

    /// Calls that failed since start.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// Records a failure (a call's, or one seen outside [`RedisLink::run`]: a lost
    /// subscription): the link is down until the probe is answered.
    pub fn failed(&self, reason: &str) {
        self.state.up.store(false, Ordering::Release);
        self.probe();
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
