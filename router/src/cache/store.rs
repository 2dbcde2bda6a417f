//! The two tiers every cache of the router stores in: a bounded in-process map (by
//! bytes, each entry with its own expiry) in front of Redis, which all replicas share.
//!
//! Entries carry tags (the entities they hold, see [`super::tags`]); invalidating a tag
//! drops every entry holding it from this process, from Redis, and — through a Redis
//! pub/sub channel — from every other replica's in-process tier.
//!
//! Redis is optional and may fail at any time: a failed or slow call (see
//! [`crate::redis_link`]) makes a lookup a miss and a store local only; nothing fails a
//! request. A replica whose subscription was lost empties its in-process tier when it
//! reconnects, since it may have missed invalidations meanwhile.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use bytes::Bytes;
use futures_util::StreamExt;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

use crate::{persisted::hex, redis_link::RedisLink};

/// A cache key: the SHA-256 of everything the cached value depends on.
pub type Key = [u8; 32];

/// How long an invalidation is remembered, so that a value computed before it and
/// stored after it (a request in flight while the data changed) is not stored.
const REMEMBER_INVALIDATIONS: Duration = Duration::from_secs(60);

/// One cached value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The value (a serialised response, or an entity).
    pub body: Bytes,
    /// Made for one caller only.
    pub private: bool,
    /// When it expires, in milliseconds since the Unix epoch (what replicas share).
    expires_at_ms: u64,
    /// The same moment on this process's clock (tokio's, so tests can pause it).
    deadline: tokio::time::Instant,
    /// The entities it holds.
    pub tags: Vec<String>,
}

/// What Redis holds before the body: one JSON line.
#[derive(Serialize, Deserialize)]
struct Header {
    e: u64,
    p: bool,
    t: Vec<String>,
}

impl Entry {
    /// A value to keep for `ttl`.
    pub fn new(body: Bytes, private: bool, ttl: Duration, tags: Vec<String>) -> Self {
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        Self {
            body,
            private,
            expires_at_ms: now_ms().saturating_add(ttl_ms),
            deadline: tokio::time::Instant::now() + ttl,
            tags,
        }
    }

    /// Time left until it expires (zero when it has).
    pub fn remaining(&self) -> Duration {
        self.deadline
            .saturating_duration_since(tokio::time::Instant::now())
    }

    /// Whole seconds left (rounded down), for a `max-age`.
    pub fn remaining_secs(&self) -> u32 {
        u32::try_from(self.remaining().as_secs()).unwrap_or(u32::MAX)
    }

    fn live(&self) -> bool {
        !self.remaining().is_zero()
    }

    fn encode(&self) -> Vec<u8> {
        let header = Header {
            e: self.expires_at_ms,
            p: self.private,
            t: self.tags.clone(),
        };
        let mut out = serde_json::to_vec(&header).unwrap_or_default();
        out.push(b'\n');
        out.extend_from_slice(&self.body);
        out
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let split = bytes.iter().position(|b| *b == b'\n')?;
        let header: Header = serde_json::from_slice(&bytes[..split]).ok()?;
        let left = Duration::from_millis(header.e.saturating_sub(now_ms()));
        Some(Self {
            body: Bytes::copy_from_slice(&bytes[split + 1..]),
            private: header.p,
            expires_at_ms: header.e,
            deadline: tokio::time::Instant::now() + left,
            tags: header.t,
        })
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Expires each in-process entry at its own time.
struct ExpireAt;

impl moka::Expiry<Key, Arc<Entry>> for ExpireAt {
    fn expire_after_create(
        &self,
        _key: &Key,
        entry: &Arc<Entry>,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(entry.remaining())
    }
}

/// Tag → keys of the in-process entries holding it.
type TagIndex = HashMap<String, HashSet<Key>>;

/// A two-tier store.
pub struct Tiered {
    /// Before every Redis key of this store (`tessera:response:`).
    prefix: String,
    local: moka::sync::Cache<Key, Arc<Entry>>,
    tags: Arc<Mutex<TagIndex>>,
    /// Tags invalidated recently, and when.
    invalidated: Mutex<HashMap<String, Instant>>,
    redis: Option<Arc<RedisLink>>,
}

impl std::fmt::Debug for Tiered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tiered")
            .field("prefix", &self.prefix)
            .field("redis", &self.redis.is_some())
            .finish_non_exhaustive()
    }
}

impl Tiered {
    /// A store whose Redis keys start with `prefix`: `max_bytes` in process, and Redis
    /// through `redis` when given.
    pub fn new(prefix: &str, max_bytes: u64, redis: Option<Arc<RedisLink>>) -> Self {
        let tags: Arc<Mutex<TagIndex>> = Arc::default();
        let index = tags.clone();
        let local = moka::sync::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|_, entry: &Arc<Entry>| {
                let tags: usize = entry.tags.iter().map(|t| t.len() + 32).sum();
                u32::try_from(entry.body.len() + tags + 96).unwrap_or(u32::MAX)
            })
            .expire_after(ExpireAt)
            .eviction_listener(move |key: Arc<Key>, entry: Arc<Entry>, cause| {
                // A replaced entry's key is already indexed under its successor's tags:
                // unindexing it would hide the successor from invalidation.
                if cause == moka::notification::RemovalCause::Replaced {
                    return;
                }
                let mut index = index
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                for tag in &entry.tags {
                    if let Some(keys) = index.get_mut(tag) {
                        keys.remove(&*key);
                        if keys.is_empty() {
                            index.remove(tag);
                        }
                    }
                }
            })
            .build();
        Self {
            prefix: prefix.to_owned(),
            local,
            tags,
            invalidated: Mutex::new(HashMap::new()),
            redis,
        }
    }

    /// The first of `keys` that holds a live entry: in process, else in Redis (then
    /// kept in process too).
    pub async fn get(&self, keys: &[Key]) -> Option<Arc<Entry>> {
        self.get_many(&[keys.to_vec()]).await.pop().flatten()
    }

    /// [`Tiered::get`] for many values at once: one Redis round trip for all that are
    /// not in process.
    pub async fn get_many(&self, candidates: &[Vec<Key>]) -> Vec<Option<Arc<Entry>>> {
        let mut found: Vec<Option<Arc<Entry>>> = candidates
            .iter()
            .map(|keys| {
                keys.iter()
                    .find_map(|key| self.local.get(key).filter(|e| e.live()))
            })
            .collect();
        let Some(redis) = &self.redis else {
            return found;
        };
        let asked: Vec<(usize, Key)> = candidates
            .iter()
            .enumerate()
            .filter(|(i, _)| found[*i].is_none())
            .flat_map(|(i, keys)| keys.iter().map(move |k| (i, *k)))
            .collect();
        if asked.is_empty() {
            return found;
        }
        let names: Vec<String> = asked.iter().map(|(_, k)| self.entry_key(k)).collect();
        let mut connection = redis.connection();
        let answers: Vec<Option<Vec<u8>>> = if names.len() == 1 {
            match redis
                .run(connection.get::<_, Option<Vec<u8>>>(&names[0]))
                .await
            {
                Some(one) => vec![one],
                None => return found,
            }
        } else {
            match redis.run(connection.mget(&names)).await {
                Some(all) => all,
                None => return found,
            }
        };
        for ((i, key), bytes) in asked.into_iter().zip(answers) {
            if found[i].is_some() {
                continue;
            }
            let Some(entry) = bytes.as_deref().and_then(Entry::decode) else {
                continue;
            };
            if !entry.live() {
                continue;
            }
            let entry = Arc::new(entry);
            self.keep_local(key, entry.clone());
            found[i] = Some(entry);
        }
        found
    }

    /// Stores `entry` under `key` in both tiers, unless one of its tags was
    /// invalidated after `computed_at` (the value may predate the change).
    pub async fn put(&self, key: Key, entry: Entry, computed_at: Instant) -> bool {
        if self.invalidated_since(&entry.tags, computed_at) {
            return false;
        }
        let ttl_ms = u64::try_from(entry.remaining().as_millis()).unwrap_or(u64::MAX);
        if ttl_ms == 0 {
            return false;
        }
        let entry = Arc::new(entry);
        self.keep_local(key, entry.clone());
        let Some(redis) = &self.redis else {
            return true;
        };
        let name = self.entry_key(&key);
        let member = hex(&key);
        let mut pipe = redis::pipe();
        pipe.cmd("SET")
            .arg(&name)
            .arg(entry.encode())
            .arg("PX")
            .arg(ttl_ms)
            .ignore();
        // A tag's set lives as long as its longest-lived entry (`NX` then `GT`:
        // Redis 7.0 or later).
        for tag in &entry.tags {
            let set = self.tag_key(tag);
            pipe.cmd("SADD").arg(&set).arg(&member).ignore();
            pipe.cmd("PEXPIRE").arg(&set).arg(ttl_ms).arg("NX").ignore();
            pipe.cmd("PEXPIRE").arg(&set).arg(ttl_ms).arg("GT").ignore();
        }
        let mut connection = redis.connection();
        redis
            .run(pipe.query_async::<()>(&mut connection))
            .await
            .is_some()
    }

    /// Drops every entry tagged with one of `tags`, here and in Redis (other replicas
    /// hear of it through [`publish`]). The number of Redis entries deleted.
    pub async fn invalidate(&self, tags: &[String]) -> u64 {
        self.drop_local(tags);
        let Some(redis) = &self.redis else {
            return 0;
        };
        let script = redis::Script::new(
            r"local n = 0
              for _, tag in ipairs(KEYS) do
                for _, member in ipairs(redis.call('SMEMBERS', tag)) do
                  n = n + redis.call('DEL', ARGV[1] .. member)
                end
                redis.call('DEL', tag)
              end
              return n",
        );
        let mut invocation = script.prepare_invoke();
        for tag in tags {
            invocation.key(self.tag_key(tag));
        }
        invocation.arg(&self.prefix);
        let mut connection = redis.connection();
        redis
            .run(invocation.invoke_async(&mut connection))
            .await
            .unwrap_or(0)
    }

    /// Drops the in-process entries tagged with one of `tags`, and remembers the
    /// invalidation for [`Tiered::put`].
    pub fn drop_local(&self, tags: &[String]) {
        let now = Instant::now();
        {
            let mut invalidated = self
                .invalidated
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            invalidated.retain(|_, at| now.duration_since(*at) < REMEMBER_INVALIDATIONS);
            for tag in tags {
                invalidated.insert(tag.clone(), now);
            }
        }
        let keys: Vec<Key> = {
            let mut index = self
                .tags
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            tags.iter()
                .filter_map(|tag| index.remove(tag))
                .flatten()
                .collect()
        };
        for key in keys {
            self.local.invalidate(&key);
        }
    }

    /// Empties the in-process tier.
    pub fn clear_local(&self) {
        self.local.invalidate_all();
        self.local.run_pending_tasks();
    }

    /// Entries held in process now.
    pub fn local_len(&self) -> u64 {
        self.local.run_pending_tasks();
        self.local.entry_count()
    }

    /// The Redis link, if any.
    pub fn redis(&self) -> Option<&Arc<RedisLink>> {
        self.redis.as_ref()
    }

    fn keep_local(&self, key: Key, entry: Arc<Entry>) {
        {
            let mut index = self
                .tags
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for tag in &entry.tags {
                index.entry(tag.clone()).or_default().insert(key);
            }
        }
        self.local.insert(key, entry);
    }

    fn invalidated_since(&self, tags: &[String], since: Instant) -> bool {
        let invalidated = self
            .invalidated
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tags.iter()
            .any(|tag| invalidated.get(tag).is_some_and(|at| *at >= since))
    }

    fn entry_key(&self, key: &Key) -> String {
        format!("{}{}", self.prefix, hex(key))
    }

    fn tag_key(&self, tag: &str) -> String {
        format!("{}tag:{tag}", self.prefix)
    }
}

/// Tells every replica listening on `channel` that `tags` were invalidated: how many
/// listened (this one included), or none when Redis could not be told.
pub async fn publish(redis: &RedisLink, channel: &str, tags: &[String]) -> Option<u64> {
    let message = serde_json::to_string(tags).unwrap_or_default();
    let mut connection = redis.connection();
    redis
        .run(connection.publish::<_, _, u64>(channel, message))
        .await
}

/// What else keeps copies that invalidations must reach (the API keys an authenticator
/// exchanged, say): called with the tags of every invalidation, this replica's and
/// other replicas', and with `None` when some may have been missed.
pub type InvalidationHook = Arc<dyn Fn(Option<&[String]>) + Send + Sync>;

/// The hooks of one set of caches, added to while it runs.
pub type Hooks = Arc<std::sync::RwLock<Vec<InvalidationHook>>>;

/// Calls every hook with `tags`.
pub fn run_hooks(hooks: &Hooks, tags: Option<&[String]>) {
    let hooks = hooks
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for hook in hooks.iter() {
        hook(tags);
    }
}

/// Listens on `channel` for invalidations published by any replica and drops the
/// matching in-process entries of `stores`, and tells `hooks`; re-subscribes after a
/// lost connection (emptying the in-process tiers and telling the hooks, since messages
/// may have been missed meanwhile). Runs until the process ends.
pub fn listen(redis: Arc<RedisLink>, channel: String, stores: Vec<Arc<Tiered>>, hooks: Hooks) {
    tokio::spawn(async move {
        let mut connected_before = false;
        loop {
            match subscribe(&redis, &channel).await {
                Ok(mut pubsub) => {
                    if connected_before {
                        for store in &stores {
                            store.clear_local();
                        }
                        run_hooks(&hooks, None);
                    }
                    connected_before = true;
                    let mut messages = pubsub.on_message();
                    while let Some(message) = messages.next().await {
                        let Ok(payload) = message.get_payload::<String>() else {
                            continue;
                        };
                        let Ok(tags) = serde_json::from_str::<Vec<String>>(&payload) else {
                            continue;
                        };
                        for store in &stores {
                            store.drop_local(&tags);
                        }
                        run_hooks(&hooks, Some(&tags));
                    }
                    redis.failed("the invalidation subscription was lost");
                }
                Err(err) => redis.failed(&format!("cannot subscribe to invalidations: {err}")),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

async fn subscribe(redis: &RedisLink, channel: &str) -> redis::RedisResult<redis::aio::PubSub> {
    let mut pubsub =
        tokio::time::timeout(Duration::from_secs(2), redis.client().get_async_pubsub())
            .await
            .map_err(|_| {
                redis::RedisError::from((redis::ErrorKind::Io, "connecting timed out"))
            })??;
    pubsub.subscribe(channel).await?;
    Ok(pubsub)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(body: &str, tags: &[&str], ttl_ms: u64) -> Entry {
        Entry::new(
            Bytes::from(body.to_owned()),
            false,
            Duration::from_millis(ttl_ms),
            tags.iter().map(|t| (*t).to_owned()).collect(),
        )
    }

    #[tokio::test]
    async fn entries_round_trip_through_their_redis_encoding() {
        let e = entry(
            "{\"data\":{\"a\":\"x\\ny\"}}",
            &["Entry:{\"id\":\"1\"}", "Entry"],
            5_000,
        );
        let back = Entry::decode(&e.encode()).expect("decodes");
        assert_eq!(
            (&back.body, back.private, &back.tags),
            (&e.body, e.private, &e.tags)
        );
        assert!(back.remaining() <= e.remaining() + Duration::from_millis(1));
        assert!(back.remaining() > Duration::from_millis(4_000));
        assert_eq!(Entry::decode(b"not an entry"), None);
    }

    #[tokio::test]
    async fn invalidating_a_tag_drops_its_entries_and_refuses_stale_stores() {
        let store = Tiered::new("test:", 1 << 20, None);
        let before = Instant::now();
        assert!(
            store
                .put([1; 32], entry("a", &["T:1", "T"], 60_000), before)
                .await
        );
        assert!(
            store
                .put([2; 32], entry("b", &["T:2", "T"], 60_000), before)
                .await
        );
        assert!(store.get(&[[1; 32]]).await.is_some());
        store.invalidate(&["T:1".to_owned()]).await;
        assert!(store.get(&[[1; 32]]).await.is_none());
        assert_eq!(
            store.get(&[[1; 32], [2; 32]]).await.map(|e| e.body.clone()),
            Some(Bytes::from("b"))
        );
        // A value computed before the invalidation is not stored after it.
        assert!(
            !store
                .put([1; 32], entry("a", &["T:1"], 60_000), before)
                .await
        );
        assert!(
            store
                .put([1; 32], entry("a", &["T:1"], 60_000), Instant::now())
                .await
        );
        store.invalidate(&["T".to_owned()]).await;
        assert!(store.get(&[[2; 32]]).await.is_none());
    }

    #[tokio::test]
    async fn a_replaced_entry_is_still_found_by_its_tags() {
        let store = Tiered::new("test:", 1 << 20, None);
        let now = Instant::now();
        assert!(
            store
                .put([1; 32], entry("old", &["T:1"], 60_000), now)
                .await
        );
        assert!(
            store
                .put([1; 32], entry("new", &["T:1"], 60_000), now)
                .await
        );
        store.local.run_pending_tasks();
        store.invalidate(&["T:1".to_owned()]).await;
        assert!(
            store.get(&[[1; 32]]).await.is_none(),
            "the replacement went with its tag"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn entries_expire_at_their_own_time() {
        let store = Tiered::new("test:", 1 << 20, None);
        store
            .put([1; 32], entry("short", &[], 30_000), Instant::now())
            .await;
        store
            .put([2; 32], entry("long", &[], 120_000), Instant::now())
            .await;
        tokio::time::advance(Duration::from_secs(29)).await;
        let short = store.get(&[[1; 32]]).await.expect("still there");
        assert_eq!(short.remaining_secs(), 1);
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(store.get(&[[1; 32]]).await.is_none(), "expired at 30 s");
        assert!(store.get(&[[2; 32]]).await.is_some());
    }
}
