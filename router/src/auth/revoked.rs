//! Sessions ended before their access tokens expire: a token whose `sid` names one is
//! refused at once, on every replica.
//!
//! - The users subgraph names each session it ends (sign-out, sign-out everywhere, a
//!   password change, a reused refresh token, a deleted account, a revoked API key) in
//!   `extensions.invalidate`, as a `Session` keyed by its id. The router's invalidation
//!   hook hears this replica's invalidations and, through Redis pub/sub, every other
//!   replica's, and adds the session here.
//! - Pub/sub keeps nothing, so with Redis the set is also written to a sorted set
//!   ([`REDIS_KEY`], each session scored by when it may be forgotten). Every replica
//!   writes what it hears (a write that fails is tried again), reads the set before it
//!   verifies its first token, and reads what is new every [`SYNC_EVERY`]: a replica
//!   that started later, or missed messages while Redis was away, refuses the same
//!   sessions within that interval.
//! - A session is kept for `retention`, which must outlast the longest access-token
//!   lifetime of any issuer (the users subgraph's is 15 minutes; the default, an hour).

use std::{
    sync::{Arc, Mutex, Weak},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use redis::AsyncCommands;
use tokio::sync::OnceCell;

use crate::redis_link::RedisLink;

/// The sorted set of ended sessions in Redis.
pub const REDIS_KEY: &str = "tessera:auth:revoked-sessions";

/// How often a replica reads the sessions other replicas ended.
pub const SYNC_EVERY: Duration = Duration::from_secs(2);

/// Scores read again on each sync, for clocks that differ between replicas.
const CLOCK_SKEW_SECS: u64 = 60;

/// The type the users subgraph names in `extensions.invalidate` for an ended session.
pub const SESSION_TYPE: &str = "Session";

/// The sessions ended, shared by every request of one authenticator.
pub struct Revocations {
    /// Session id → when it may be forgotten (unix seconds).
    ended: moka::sync::Cache<Arc<str>, u64>,
    /// Heard here but not yet written to Redis.
    unwritten: Mutex<Vec<(Arc<str>, u64)>>,
    redis: Option<Arc<RedisLink>>,
    retention: Duration,
    /// The highest score read from Redis.
    read_up_to: Mutex<u64>,
    /// Set once the first read from Redis was tried and the sync task started.
    started: OnceCell<()>,
}

impl std::fmt::Debug for Revocations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Revocations")
            .field("ended", &self.ended.entry_count())
            .field("redis", &self.redis.is_some())
            .finish_non_exhaustive()
    }
}

impl Revocations {
    /// Sessions kept for `retention`, shared through Redis at `redis_url` when given.
    pub fn new(redis_url: Option<&str>, retention: Duration) -> Result<Self, redis::RedisError> {
        let redis = redis_url
            .map(|url| {
                RedisLink::new(
                    url,
                    "revoked sessions",
                    "tessera_revocations_redis_up",
                    "tessera_revocations_redis_failures_total",
                )
                .map(Arc::new)
            })
            .transpose()?;
        Ok(Self {
            ended: moka::sync::Cache::builder()
                .max_capacity(10_000_000)
                .time_to_live(retention)
                .build(),
            unwritten: Mutex::new(Vec::new()),
            redis,
            retention,
            read_up_to: Mutex::new(0),
            started: OnceCell::new(),
        })
    }

    /// Whether the session `sid` was ended.
    pub fn is_ended(&self, sid: &str) -> bool {
        self.ended.contains_key(sid)
    }

    /// How many ended sessions this replica knows of.
    pub fn len(&self) -> u64 {
        self.ended.run_pending_tasks();
        self.ended.entry_count()
    }

    /// Whether none is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records that the sessions of `tags` (an invalidation's) ended. `None`
    /// (invalidations may have been missed): reads Redis again now.
    pub fn invalidated(self: &Arc<Self>, tags: Option<&[String]>) {
        let Some(tags) = tags else {
            self.sync_soon();
            return;
        };
        let ids: Vec<String> = tags.iter().filter_map(|tag| session_of(tag)).collect();
        if ids.is_empty() {
            return;
        }
        let forget_at = unix_now() + self.retention.as_secs();
        {
            let mut unwritten = self
                .unwritten
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for id in ids {
                let id: Arc<str> = id.into();
                if self.ended.contains_key(&id) {
                    continue;
                }
                tracing::info!(session = %id, "session ended: its access tokens are refused from now on");
                self.ended.insert(id.clone(), forget_at);
                if self.redis.is_some() {
                    unwritten.push((id, forget_at));
                }
            }
        }
        metrics::gauge!("tessera_revoked_sessions").set(self.ended.entry_count() as f64);
        self.sync_soon();
    }

    /// Reads Redis once (bounded by its timeout) and starts the periodic sync; later
    /// calls return at once. Call before the first verification.
    pub async fn start(self: &Arc<Self>) {
        if self.redis.is_none() {
            return;
        }
        self.started
            .get_or_init(|| async {
                self.sync().await;
                let weak = Arc::downgrade(self);
                tokio::spawn(sync_every(weak));
            })
            .await;
    }

    fn sync_soon(self: &Arc<Self>) {
        if self.redis.is_none() || tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move { this.sync().await });
    }

    /// Writes what this replica heard and has not written, forgets what has expired,
    /// and reads what other replicas wrote since the last read.
    async fn sync(&self) {
        let Some(redis) = &self.redis else {
            return;
        };
        let now = unix_now();
        let unwritten: Vec<(Arc<str>, u64)> = std::mem::take(
            &mut *self
                .unwritten
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if !unwritten.is_empty() {
            let items: Vec<(u64, &str)> = unwritten
                .iter()
                .map(|(id, forget_at)| (*forget_at, &**id))
                .collect();
            let mut connection = redis.connection();
            let written = redis
                .run(connection.zadd_multiple::<_, _, _, u64>(REDIS_KEY, &items))
                .await;
            if written.is_none() {
                // Redis is away: tried again on the next sync.
                self.unwritten
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .extend(unwritten);
                return;
            }
        }
        let mut connection = redis.connection();
        redis
            .run(connection.zrembyscore::<_, _, _, u64>(REDIS_KEY, "-inf", now))
            .await;
        let since = {
            let read = self
                .read_up_to
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            read.saturating_sub(CLOCK_SKEW_SECS).max(now)
        };
        let mut connection = redis.connection();
        let Some(entries) = redis
            .run(
                connection.zrangebyscore_withscores::<_, _, _, Vec<(String, u64)>>(
                    REDIS_KEY, since, "+inf",
                ),
            )
            .await
        else {
            return;
        };
        let mut highest = 0;
        for (id, forget_at) in entries {
            highest = highest.max(forget_at);
            if forget_at > now && !self.ended.contains_key(id.as_str()) {
                self.ended.insert(id.into(), forget_at);
            }
        }
        let mut read = self
            .read_up_to
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *read = (*read).max(highest);
        drop(read);
        metrics::gauge!("tessera_revoked_sessions").set(self.ended.entry_count() as f64);
    }
}

async fn sync_every(revocations: Weak<Revocations>) {
    let mut tick = tokio::time::interval(SYNC_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(revocations) = revocations.upgrade() else {
            return;
        };
        revocations.sync().await;
    }
}

/// The session id of a `Session:{"id":"…"}` tag.
fn session_of(tag: &str) -> Option<String> {
    let key = tag.strip_prefix(SESSION_TYPE)?.strip_prefix(':')?;
    let key: serde_json::Value = serde_json::from_str(key).ok()?;
    key.get("id")?.as_str().map(str::to_owned)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_session_tags_with_an_id_name_a_session() {
        assert_eq!(
            session_of(r#"Session:{"id":"9b1c"}"#).as_deref(),
            Some("9b1c")
        );
        assert_eq!(session_of("Session:?"), None);
        assert_eq!(session_of("Session"), None);
        assert_eq!(session_of(r#"SessionX:{"id":"1"}"#), None);
        assert_eq!(session_of(r#"User:{"id":"1"}"#), None);
        assert_eq!(session_of(r#"Session:{"id":1}"#), None);
    }

    #[tokio::test]
    async fn without_redis_an_ended_session_is_known_here_at_once() {
        let revocations =
            Arc::new(Revocations::new(None, Duration::from_secs(60)).expect("no url"));
        revocations.start().await;
        assert!(!revocations.is_ended("a"));
        revocations.invalidated(Some(&[
            r#"Session:{"id":"a"}"#.to_owned(),
            "Session:?".to_owned(),
            r#"User:{"id":"b"}"#.to_owned(),
        ]));
        assert!(revocations.is_ended("a"));
        assert!(!revocations.is_ended("b"));
        assert_eq!(revocations.len(), 1);
        // Missed invalidations change nothing without Redis.
        revocations.invalidated(None);
        assert!(revocations.is_ended("a"));
    }
}
