//! The `[events]` settings.

use std::time::Duration;

use serde::Deserialize;

/// How events are relayed and handled. Redis itself is `redis.url`: set, events travel
/// on Redis Streams; unset, in process.
///
/// ```toml
/// [events]
/// namespace = "tessera:events"
/// max_attempts = 5
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsConfig {
    /// The prefix of the stream keys: `{namespace}:{family}`, and
    /// `{namespace}:dead-letters`.
    pub namespace: String,
    /// Attempts of a handler before the event is dead-lettered.
    pub max_attempts: u32,
    /// The wait after a first failed attempt, doubling after each, in milliseconds.
    pub retry_backoff_ms: u64,
    /// How long an event may stay pending with a consumer replica before another one
    /// claims it (that replica died or lost its database), in milliseconds.
    pub claim_after_ms: u64,
    /// How often an idle relay looks at the outbox, in milliseconds (an append in this
    /// process wakes it at once).
    pub relay_poll_ms: u64,
    /// Events per read of the outbox or of a stream.
    pub batch: u64,
    /// Each stream is trimmed to about this many events.
    pub stream_max_len: usize,
    /// How long the record of a processed event (and a relayed one) is kept, in days:
    /// a duplicate arriving later than this would be handled again.
    pub kept_days: u32,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            namespace: "tessera:events".to_owned(),
            max_attempts: 5,
            retry_backoff_ms: 100,
            claim_after_ms: 30_000,
            relay_poll_ms: 100,
            batch: 100,
            stream_max_len: 100_000,
            kept_days: 30,
        }
    }
}

impl EventsConfig {
    /// [`Self::retry_backoff_ms`].
    pub fn retry_backoff(&self) -> Duration {
        Duration::from_millis(self.retry_backoff_ms)
    }

    /// [`Self::claim_after_ms`].
    pub fn claim_after(&self) -> Duration {
        Duration::from_millis(self.claim_after_ms)
    }

    /// [`Self::relay_poll_ms`].
    pub fn relay_poll(&self) -> Duration {
        Duration::from_millis(self.relay_poll_ms)
    }

    /// Checks what serde cannot.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_attempts == 0 {
            return Err("max_attempts must be at least 1".to_owned());
        }
        if self.batch == 0 {
            return Err("batch must be at least 1".to_owned());
        }
        if self.namespace.is_empty() {
            return Err("namespace must not be empty".to_owned());
        }
        if self.claim_after_ms < 100 {
            return Err("claim_after_ms must be at least 100".to_owned());
        }
        Ok(())
    }
}
