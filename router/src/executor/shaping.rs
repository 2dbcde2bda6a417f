//! Subgraph traffic shaping: what stands between a fetch and a subgraph's HTTP request,
//! per subgraph and shared by every serving thread (and by the partner variant's
//! router over the same subgraphs):
//!
//! 1. a circuit breaker: after `failures` failed requests within `window` (no answer,
//!    no connection, a broken connection, HTTP 5xx) the subgraph is not asked for
//!    `open_for`: each fetch fails at once with `SUBGRAPH_CIRCUIT_OPEN`, naming the
//!    subgraph. Then one request at a time is let through as a probe: an answer closes
//!    the breaker, a failure opens it again;
//! 2. a concurrency limit: at most `max_concurrent` requests in flight to the subgraph;
//!    a fetch waits for a slot within the subgraph's timeout;
//! 3. retries of query fetches only (queries are idempotent; mutations never), on what
//!    may succeed at once on another connection (no connection, a broken one, HTTP 502,
//!    503, 504; not a timeout, which already spent the fetch's time), up to `attempts`
//!    times after a pause of full jitter between zero and `backoff · 2ⁿ` (at most
//!    `max_backoff`), and only while the retry budget allows: retries may add at most
//!    `budget_percent` to the requests of the last ten seconds (and `min_per_second`
//!    more), so retries cannot multiply the load on a subgraph that is failing.

use std::{
    sync::{
        Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::retry::budget::{Budget, TpsBudget};

use super::fetch::FetchError;

/// What shapes one subgraph's traffic.
#[derive(Debug, Clone, PartialEq)]
pub struct TrafficPolicy {
    /// Most requests in flight to the subgraph (none: no limit).
    pub max_concurrent: Option<usize>,
    /// Retries of query fetches (none: never retried).
    pub retry: Option<RetryPolicy>,
    /// The circuit breaker (none: always asked).
    pub breaker: Option<BreakerPolicy>,
}

impl Default for TrafficPolicy {
    /// Retries on, no breaker, no limit.
    fn default() -> Self {
        Self {
            max_concurrent: None,
            retry: Some(RetryPolicy::default()),
            breaker: None,
        }
    }
}

/// Retries of query fetches.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first request.
    pub attempts: u32,
    /// The first pause's bound; each retry doubles it.
    pub backoff: Duration,
    /// The largest pause.
    pub max_backoff: Duration,
    /// Retries as a share of the requests of the last ten seconds, in percent.
    pub budget_percent: f32,
    /// Retries allowed each second whatever the share (a reserve of ten seconds' worth).
    pub min_per_second: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 2,
            backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(200),
            budget_percent: 20.0,
            min_per_second: 10,
        }
    }
}

/// The circuit breaker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Failed requests within `window` that open it.
    pub failures: u32,
    /// How far back failures count.
    pub window: Duration,
    /// How long it stays open before a probe is let through.
    pub open_for: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self {
            failures: 10,
            window: Duration::from_secs(10),
            open_for: Duration::from_secs(5),
        }
    }
}

/// Every subgraph's shaping: built once from the configuration and shared by every
/// router made with the same options (the partner variant's too), so one breaker and
/// one limit stand in front of each subgraph.
#[derive(Debug, Clone, Default)]
pub struct Traffic {
    default: TrafficPolicy,
    shaping: std::collections::HashMap<String, std::sync::Arc<Shaping>>,
}

impl Traffic {
    /// `default` for every one of `subgraphs`, `own` where given.
    pub fn new<'a>(
        default: &TrafficPolicy,
        own: &std::collections::HashMap<String, TrafficPolicy>,
        subgraphs: impl Iterator<Item = &'a str>,
    ) -> Self {
        let shaping = subgraphs
            .map(|name| {
                let policy = own.get(name).unwrap_or(default).clone();
                (
                    name.to_owned(),
                    std::sync::Arc::new(Shaping::new(name, policy)),
                )
            })
            .collect();
        Self {
            default: default.clone(),
            shaping,
        }
    }

    /// `subgraph`'s shaping (a new one under the default policy for a subgraph not
    /// named when this was built).
    pub fn shaping(&self, subgraph: &str) -> std::sync::Arc<Shaping> {
        self.shaping
            .get(subgraph)
            .cloned()
            .unwrap_or_else(|| std::sync::Arc::new(Shaping::new(subgraph, self.default.clone())))
    }
}

/// One subgraph's shaping, shared by every client of it.
pub struct Shaping {
    subgraph: String,
    policy: TrafficPolicy,
    slots: Option<std::sync::Arc<Semaphore>>,
    budget: Option<TpsBudget>,
    breaker: Option<Breaker>,
}

impl std::fmt::Debug for Shaping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shaping")
            .field("subgraph", &self.subgraph)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// Leave to send one request: a concurrency slot (if limited) and, when the breaker is
/// half-open, the probe's turn. Dropped when the request is done.
#[derive(Debug)]
pub struct Pass<'a> {
    _slot: Option<OwnedSemaphorePermit>,
    probe: Option<&'a AtomicBool>,
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        if let Some(probing) = self.probe {
            probing.store(false, Ordering::Release);
        }
    }
}

impl Default for Shaping {
    /// The default policy, for a subgraph that has no name here.
    fn default() -> Self {
        Self::new("subgraph", TrafficPolicy::default())
    }
}

impl Shaping {
    /// `subgraph`'s shaping under `policy`.
    pub fn new(subgraph: &str, policy: TrafficPolicy) -> Self {
        Self {
            subgraph: subgraph.to_owned(),
            slots: policy
                .max_concurrent
                .map(|n| std::sync::Arc::new(Semaphore::new(n))),
            budget: policy.retry.as_ref().map(|r| {
                TpsBudget::new(
                    Duration::from_secs(10),
                    r.min_per_second,
                    r.budget_percent / 100.0,
                )
            }),
            breaker: policy.breaker.clone().map(Breaker::new),
            policy,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &TrafficPolicy {
        &self.policy
    }

    /// The breaker's state, for readiness: `closed`, `open` (refusing), `half-open`
    /// (its time is up: the next request probes), or `none` without a breaker.
    pub fn breaker_state(&self) -> &'static str {
        let Some(breaker) = &self.breaker else {
            return "none";
        };
        if !breaker.open.load(Ordering::Acquire) {
            return "closed";
        }
        match &*breaker.state() {
            State::Open(until) if Instant::now() < *until => "open",
            _ => "half-open",
        }
    }

    /// Leave to send one request, waiting at most `timeout` for a slot; or why not.
    pub async fn admit(&self, timeout: Duration) -> Result<Pass<'_>, FetchError> {
        let probe = match &self.breaker {
            Some(breaker) => breaker.admit().map_err(|retry_after| {
                metrics::counter!("tessera_subgraph_refused_total", "subgraph" => self.subgraph.clone(), "reason" => "circuit_open").increment(1);
                FetchError::CircuitOpen { retry_after }
            })?,
            None => None,
        };
        // The probe's turn is given back if no slot comes.
        let pass = Pass { _slot: None, probe };
        let Some(slots) = &self.slots else {
            return Ok(pass);
        };
        match tokio::time::timeout(timeout, slots.clone().acquire_owned()).await {
            Ok(Ok(slot)) => Ok(Pass {
                _slot: Some(slot),
                ..pass
            }),
            _ => {
                metrics::counter!("tessera_subgraph_refused_total", "subgraph" => self.subgraph.clone(), "reason" => "concurrency").increment(1);
                Err(FetchError::Saturated {
                    limit: self.policy.max_concurrent.unwrap_or_default(),
                    waited: timeout,
                })
            }
        }
    }

    /// Records how a request ended (for the breaker and the retry budget).
    pub fn record(&self, outcome: &Result<u16, FetchError>) {
        if let Some(budget) = &self.budget {
            budget.deposit();
        }
        let Some(breaker) = &self.breaker else {
            return;
        };
        let failed = match outcome {
            Ok(status) => *status >= 500,
            Err(err) => err.is_failure(),
        };
        if breaker.record(failed) {
            tracing::warn!(
                subgraph = %self.subgraph,
                open_for = ?breaker.policy.open_for,
                "subgraph circuit breaker opened: failing fetches are refused at once"
            );
            metrics::counter!("tessera_subgraph_breaker_opened_total", "subgraph" => self.subgraph.clone()).increment(1);
        }
    }

    /// The pause before retry `attempt` (1 for the first) of a query fetch that ended
    /// with `outcome`, or `None` when it must not be retried.
    pub fn retry_after(&self, attempt: u32, outcome: &Result<u16, FetchError>) -> Option<Duration> {
        let retry = self.policy.retry.as_ref()?;
        if attempt > retry.attempts {
            return None;
        }
        let retryable = match outcome {
            Ok(status) => matches!(status, 502..=504),
            Err(err) => err.is_retryable(),
        };
        if !retryable || !self.budget.as_ref().is_some_and(TpsBudget::withdraw) {
            return None;
        }
        metrics::counter!("tessera_subgraph_retries_total", "subgraph" => self.subgraph.clone())
            .increment(1);
        let bound = retry
            .backoff
            .saturating_mul(1 << (attempt - 1).min(16))
            .min(retry.max_backoff);
        Some(bound.mul_f64(jitter()))
    }
}

/// A number in [0, 1), different each call (full jitter).
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// The breaker's state.
struct Breaker {
    policy: BreakerPolicy,
    state: Mutex<State>,
    /// Whether `state` is `Open`: read first, so a closed breaker costs a request one
    /// atomic load (and an answer none more); the lock is taken only on a failure or
    /// while open.
    open: AtomicBool,
    /// A probe is out (half-open).
    probing: AtomicBool,
}

#[derive(Debug)]
enum State {
    /// Failures within the window, oldest first.
    Closed(std::collections::VecDeque<Instant>),
    /// Refusing until then; a probe after.
    Open(Instant),
}

impl Breaker {
    fn new(policy: BreakerPolicy) -> Self {
        Self {
            policy,
            state: Mutex::new(State::Closed(std::collections::VecDeque::new())),
            open: AtomicBool::new(false),
            probing: AtomicBool::new(false),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Closed: `Ok(None)`; half-open and this request is the probe: `Ok(Some(flag))`;
    /// open (or a probe already out): `Err(time until a probe may go)`.
    fn admit(&self) -> Result<Option<&AtomicBool>, Duration> {
        if !self.open.load(Ordering::Acquire) {
            return Ok(None);
        }
        let State::Open(until) = &*self.state() else {
            return Ok(None);
        };
        let now = Instant::now();
        if now < *until {
            return Err(*until - now);
        }
        if self
            .probing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            Ok(Some(&self.probing))
        } else {
            Err(Duration::ZERO)
        }
    }

    /// Records a request's end; true when this opened the breaker.
    fn record(&self, failed: bool) -> bool {
        if !failed && !self.open.load(Ordering::Acquire) {
            return false;
        }
        let now = Instant::now();
        let mut state = self.state();
        match &mut *state {
            State::Open(until) => {
                // A probe's answer (or a request let through before it opened).
                if now < *until {
                    return false;
                }
                if failed {
                    *state = State::Open(now + self.policy.open_for);
                } else {
                    tracing::info!("subgraph circuit breaker closed: the probe was answered");
                    *state = State::Closed(std::collections::VecDeque::new());
                    self.open.store(false, Ordering::Release);
                }
                false
            }
            State::Closed(failures) => {
                if !failed {
                    return false;
                }
                failures.push_back(now);
                while failures
                    .front()
                    .is_some_and(|t| now.duration_since(*t) > self.policy.window)
                {
                    failures.pop_front();
                }
                if failures.len() >= self.policy.failures as usize {
                    *state = State::Open(now + self.policy.open_for);
                    self.open.store(true, Ordering::Release);
                    true
                } else {
                    false
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> Result<u16, FetchError> {
        Err(FetchError::Connect {
            detail: "refused".to_owned(),
        })
    }

    #[tokio::test]
    async fn the_breaker_opens_after_failures_in_its_window_then_lets_one_probe_through() {
        let shaping = Shaping::new(
            "journal",
            TrafficPolicy {
                breaker: Some(BreakerPolicy {
                    failures: 3,
                    window: Duration::from_secs(10),
                    open_for: Duration::from_millis(500),
                }),
                ..TrafficPolicy::default()
            },
        );
        let admit = || async { shaping.admit(Duration::from_secs(1)).await };
        // Answers (even HTTP 4xx) and failures below the count keep it closed.
        for outcome in [refused(), Ok(200), Ok(400), refused()] {
            drop(admit().await.expect("closed"));
            shaping.record(&outcome);
        }
        drop(admit().await.expect("closed"));
        shaping.record(&Ok(503));
        // The third failure within the window: open.
        let err = admit().await.expect_err("open");
        assert!(
            matches!(err, FetchError::CircuitOpen { retry_after } if retry_after <= Duration::from_millis(500)),
            "{err:?}"
        );
        let message = err.to_string();
        let ms: u64 = message
            .strip_prefix(
                "its circuit breaker is open after repeated failures; it is asked again in ",
            )
            .and_then(|rest| rest.strip_suffix(" ms"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{message}"));
        assert!((1..=500).contains(&ms), "{message}");

        // After `open_for`: one probe at a time.
        std::thread::sleep(Duration::from_millis(600));
        let probe = admit().await.expect("the probe");
        assert!(admit().await.is_err(), "only one probe");
        shaping.record(&refused());
        drop(probe);
        assert!(admit().await.is_err(), "the failed probe opened it again");

        std::thread::sleep(Duration::from_millis(600));
        let probe = admit().await.expect("the next probe");
        shaping.record(&Ok(200));
        drop(probe);
        for _ in 0..5 {
            drop(admit().await.expect("closed again"));
        }
    }

    #[tokio::test]
    async fn the_concurrency_limit_holds_fetches_and_refuses_one_that_waits_too_long() {
        let shaping = Shaping::new(
            "codex",
            TrafficPolicy {
                max_concurrent: Some(2),
                ..TrafficPolicy::default()
            },
        );
        let one = shaping
            .admit(Duration::from_millis(50))
            .await
            .expect("a slot");
        let two = shaping
            .admit(Duration::from_millis(50))
            .await
            .expect("a slot");
        let err = shaping
            .admit(Duration::from_millis(50))
            .await
            .expect_err("full");
        assert_eq!(
            err.to_string(),
            "2 requests to it are already in flight, its limit, and none ended within 50 ms"
        );
        drop(one);
        let three = shaping
            .admit(Duration::from_millis(50))
            .await
            .expect("freed");
        drop((two, three));
    }

    #[test]
    fn only_what_may_succeed_at_once_is_retried_and_only_within_the_budget() {
        let shaping = Shaping::new(
            "users",
            TrafficPolicy {
                retry: Some(RetryPolicy {
                    attempts: 2,
                    backoff: Duration::from_millis(20),
                    max_backoff: Duration::from_millis(30),
                    budget_percent: 10.0,
                    min_per_second: 0,
                }),
                ..TrafficPolicy::default()
            },
        );
        assert_eq!(
            shaping.retry_after(1, &refused()),
            None,
            "nothing earned yet"
        );
        // Each request earns a tenth of a retry.
        for _ in 0..30 {
            shaping.record(&Ok(200));
        }
        let timeout = Err(FetchError::Timeout(Duration::from_secs(1)));
        assert_eq!(shaping.retry_after(1, &timeout), None, "time already spent");
        assert_eq!(
            shaping.retry_after(1, &Ok(500)),
            None,
            "may not be transient"
        );
        assert_eq!(shaping.retry_after(1, &Ok(200)), None);
        let pause = shaping.retry_after(1, &Ok(503)).expect("a retry");
        assert!(pause < Duration::from_millis(20), "{pause:?}");
        let pause = shaping.retry_after(2, &refused()).expect("a retry");
        assert!(pause < Duration::from_millis(30), "capped: {pause:?}");
        assert_eq!(
            shaping.retry_after(3, &refused()),
            None,
            "two retries at most"
        );
        assert!(
            shaping.retry_after(1, &refused()).is_some(),
            "the third earned"
        );
        assert_eq!(shaping.retry_after(1, &refused()), None, "budget spent");
        for _ in 0..10 {
            shaping.record(&Ok(200));
        }
        assert!(
            shaping.retry_after(1, &refused()).is_some(),
            "ten requests earn one"
        );
    }
}
