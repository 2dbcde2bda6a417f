//! The transports: Redis Streams when `redis.url` is set, in process otherwise.
//!
//! **Redis**: each family is a stream, `{namespace}:{family}`; each consuming domain a
//! consumer group on the streams of its families, each replica a consumer in the group
//! (so one replica takes each event). An event is acknowledged (`XACK`) once its handler
//! committed or it was dead-lettered; one whose consumer's database was unavailable stays
//! pending, and every replica claims (`XAUTOCLAIM`) what stayed pending longer than
//! `claim_after_ms` — a replica that died holding events has them finished by another,
//! and one that lost its database has them taken again when it returns. Dead letters are
//! also added to `{namespace}:dead-letters`. A new group starts from the stream's
//! beginning: a domain deployed later catches up on what is still kept.
//!
//! **In process**: the relay hands each event to every consumer that wants it and waits
//! for their outcome; the outbox row is marked relayed only when none found its database
//! unavailable, so nothing is lost and a duplicate changes nothing.

use std::{
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use redis::{
    AsyncCommands, AsyncConnectionConfig,
    aio::{ConnectionManager, MultiplexedConnection},
    streams::{
        StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamReadOptions, StreamReadReply,
    },
};
use tokio::{
    sync::{OnceCell, broadcast, watch},
    task::JoinHandle,
};
use uuid::Uuid;

use super::{Consumer, Envelope, EventsConfig, Family, Outcome};

/// How long a read waits on the streams for new events.
const BLOCK: Duration = Duration::from_secs(1);

/// Where events go (cheap to clone).
#[derive(Clone)]
pub enum Bus {
    /// In process.
    Local(Arc<LocalBus>),
    /// Redis Streams.
    Redis(Arc<RedisBus>),
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Local(_) => f.write_str("Bus::Local"),
            Self::Redis(bus) => write!(f, "Bus::Redis({})", bus.config.namespace),
        }
    }
}

impl Bus {
    /// The in-process bus for every subgraph of this process, closed until
    /// [`Bus::open`].
    pub fn local() -> Self {
        Self::Local(Arc::new(LocalBus {
            consumers: RwLock::default(),
            open: watch::Sender::new(false),
            taps: Taps::default(),
        }))
    }

    /// Lets events flow on the in-process bus (nothing to do on Redis, where a consumer
    /// group starting later still reads what was published before it).
    pub fn open(&self) {
        if let Self::Local(bus) = self {
            bus.open.send_replace(true);
        }
    }

    /// Redis Streams at `url` (connected on first use, and again after a failure).
    pub fn redis(url: &str, config: EventsConfig) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| e.to_string())?;
        Ok(Self::Redis(Arc::new(RedisBus {
            client,
            conn: OnceCell::new(),
            config,
            taps: Taps::default(),
        })))
    }

    /// Publishes `event`; `Err` when it may not have reached every consumer (it is
    /// published again later).
    pub async fn publish(&self, event: &Envelope) -> Result<(), String> {
        self.publish_all(std::slice::from_ref(event)).await
    }

    /// Publishes `events`, in order, at once (one round trip to Redis; in process, each
    /// consumer takes them in one transaction when it can); `Err` when they may not all
    /// have reached every consumer (they are published again later).
    pub async fn publish_all(&self, events: &[Envelope]) -> Result<(), String> {
        if events.is_empty() {
            return Ok(());
        }
        match self {
            Self::Local(bus) => bus.publish_all(events).await,
            Self::Redis(bus) => bus.publish_all(events).await,
        }
    }

    /// Every event of `family` published from now on, on whichever replica it was
    /// published, for live fan-out (subscriptions): in process as the relay publishes it,
    /// on Redis from the tail of the family's stream (one reader per process and family).
    /// A receiver that falls behind misses events (`Lagged`) and never holds the bus.
    /// On Redis, the first tap of a family waits (at most 2 s) until the tail knows where
    /// the stream ends, so nothing published after this returns is missed.
    pub async fn tap(&self, family: Family) -> broadcast::Receiver<Arc<Envelope>> {
        match self {
            Self::Local(bus) => bus.taps.receiver(family).0,
            Self::Redis(bus) => {
                let (receiver, fresh) = bus.taps.receiver(family);
                let mut ready = bus.taps.ready(family);
                if fresh {
                    tokio::spawn(bus.clone().tail(family));
                }
                let _ = tokio::time::timeout(Duration::from_secs(2), ready.wait_for(|r| *r)).await;
                receiver
            }
        }
    }

    /// Starts `consumer` taking events; the handle stops it when aborted (in process:
    /// the consumer is taken off the bus when the returned task ends).
    pub fn consume(&self, consumer: Arc<Consumer>) -> JoinHandle<()> {
        match self {
            Self::Local(bus) => {
                bus.subscribe(consumer.clone());
                let bus = bus.clone();
                tokio::spawn(async move {
                    let _off = Unsubscribe { bus, consumer };
                    std::future::pending::<()>().await;
                })
            }
            Self::Redis(bus) => tokio::spawn(bus.clone().consume(consumer)),
        }
    }
}

/// The live taps of one process: a broadcast channel per family.
#[derive(Default)]
struct Taps {
    senders: std::sync::Mutex<std::collections::HashMap<Family, broadcast::Sender<Arc<Envelope>>>>,
    /// Per family: whether the Redis tail knows where to read from.
    ready: std::sync::Mutex<std::collections::HashMap<Family, watch::Sender<bool>>>,
}

/// Events a tap holds for a receiver that has not read them yet; beyond, it lags.
const TAP_BUFFER: usize = 1024;

impl Taps {
    /// A receiver of `family`, and whether its channel is new.
    fn receiver(&self, family: Family) -> (broadcast::Receiver<Arc<Envelope>>, bool) {
        let mut senders = self
            .senders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match senders.get(&family) {
            Some(sender) => (sender.subscribe(), false),
            None => {
                let (sender, receiver) = broadcast::channel(TAP_BUFFER);
                senders.insert(family, sender);
                (receiver, true)
            }
        }
    }

    fn ready(&self, family: Family) -> watch::Receiver<bool> {
        let mut ready = self
            .ready
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        ready
            .entry(family)
            .or_insert_with(|| watch::Sender::new(false))
            .subscribe()
    }

    fn mark_ready(&self, family: Family) {
        let mut ready = self
            .ready
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        ready
            .entry(family)
            .or_insert_with(|| watch::Sender::new(false))
            .send_replace(true);
    }

    fn send(&self, event: &Envelope) {
        let Some(family) = event.family() else {
            return;
        };
        let senders = self
            .senders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(sender) = senders.get(&family) {
            // No receiver now: nobody is watching; nothing to keep.
            let _ = sender.send(Arc::new(event.clone()));
        }
    }
}

/// Consumers of this process. Closed until [`Bus::open`]: a process starting several
/// subgraphs opens it once all of them consume, so none misses an event another
/// published while it was starting.
pub struct LocalBus {
    consumers: RwLock<Vec<Arc<Consumer>>>,
    open: watch::Sender<bool>,
    taps: Taps,
}

struct Unsubscribe {
    bus: Arc<LocalBus>,
    consumer: Arc<Consumer>,
}

impl Drop for Unsubscribe {
    fn drop(&mut self) {
        if let Ok(mut consumers) = self.bus.consumers.write() {
            consumers.retain(|c| !Arc::ptr_eq(c, &self.consumer));
        }
    }
}

impl LocalBus {
    fn subscribe(&self, consumer: Arc<Consumer>) {
        if let Ok(mut consumers) = self.consumers.write() {
            consumers.push(consumer);
        }
    }

    async fn publish_all(&self, events: &[Envelope]) -> Result<(), String> {
        let mut open = self.open.subscribe();
        if open.wait_for(|open| *open).await.is_err() {
            return Err("the bus is gone".to_owned());
        }
        let consumers: Vec<Arc<Consumer>> =
            self.consumers.read().map(|c| c.clone()).unwrap_or_default();
        for consumer in consumers {
            let wanted: Vec<Envelope> = events
                .iter()
                .filter(|e| consumer.wants(e))
                .cloned()
                .collect();
            if wanted.is_empty() {
                continue;
            }
            for outcome in consumer.process_all(&wanted).await {
                if let Outcome::Unavailable(why) = outcome {
                    return Err(format!("{}: {why}", consumer.name()));
                }
            }
        }
        for event in events {
            self.taps.send(event);
        }
        Ok(())
    }
}

/// Redis Streams.
pub struct RedisBus {
    client: redis::Client,
    conn: OnceCell<ConnectionManager>,
    config: EventsConfig,
    taps: Taps,
}

impl RedisBus {
    fn key(&self, family: &str) -> String {
        format!("{}:{family}", self.config.namespace)
    }

    /// The shared connection for publishing and acknowledging.
    async fn conn(&self) -> Result<ConnectionManager, String> {
        self.conn
            .get_or_try_init(|| ConnectionManager::new(self.client.clone()))
            .await
            .cloned()
            .map_err(|e| format!("Redis: {e}"))
    }

    async fn publish_all(&self, events: &[Envelope]) -> Result<(), String> {
        let mut conn = self.conn().await?;
        let mut pipe = redis::pipe();
        for event in events {
            let body = serde_json::to_string(event).map_err(|e| e.to_string())?;
            pipe.xadd_maxlen(
                self.key(&event.family),
                redis::streams::StreamMaxlen::Approx(self.config.stream_max_len),
                "*",
                &[("event", body)],
            );
        }
        let _: Vec<String> = pipe
            .query_async(&mut conn)
            .await
            .map_err(|e| format!("Redis: {e}"))?;
        Ok(())
    }

    /// A connection of its own for blocking reads (one would hold up every other
    /// command on a shared one), waiting longer than a read blocks.
    async fn reading_connection(&self) -> Result<MultiplexedConnection, redis::RedisError> {
        self.client
            .get_multiplexed_async_connection_with_config(
                &AsyncConnectionConfig::new()
                    .set_response_timeout(Some(BLOCK + Duration::from_secs(5))),
            )
            .await
    }

    /// Reads the tail of `family`'s stream for ever (reconnecting), handing each event to
    /// the process's tap.
    async fn tail(self: Arc<Self>, family: Family) {
        let key = self.key(family.name());
        let mut last: Option<String> = None;
        loop {
            let mut read = match self.reading_connection().await {
                Ok(read) => read,
                Err(err) => {
                    tracing::warn!(family = family.name(), %err, "events: Redis unreachable for the live tail; retrying in 1 s");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            let mut from = match last.clone() {
                Some(from) => from,
                None => {
                    // Where the stream ends now: the tail reads what comes after.
                    let newest: Result<redis::streams::StreamRangeReply, _> =
                        read.xrevrange_count(&key, "+", "-", 1).await;
                    match newest {
                        Ok(newest) => newest
                            .ids
                            .first()
                            .map_or_else(|| "0-0".to_owned(), |e| e.id.clone()),
                        Err(err) => {
                            tracing::warn!(family = family.name(), %err, "events: the live tail cannot find the stream's end; retrying");
                            tokio::time::sleep(Duration::from_millis(200)).await;
                            continue;
                        }
                    }
                }
            };
            self.taps.mark_ready(family);
            loop {
                let options = StreamReadOptions::default()
                    .count(usize::try_from(self.config.batch).unwrap_or(100))
                    .block(usize::try_from(BLOCK.as_millis()).unwrap_or(1000));
                let reply: Result<StreamReadReply, _> =
                    read.xread_options(&[&key], &[&from], &options).await;
                match reply {
                    Ok(reply) => {
                        for entry in reply.keys.into_iter().flat_map(|k| k.ids) {
                            from.clone_from(&entry.id);
                            let raw: Option<String> = entry.get("event");
                            if let Some(event) = raw
                                .as_deref()
                                .and_then(|raw| serde_json::from_str::<Envelope>(raw).ok())
                            {
                                self.taps.send(&event);
                            }
                        }
                    }
                    Err(err) => {
                        last = Some(from.clone());
                        tracing::warn!(family = family.name(), %err, "events: reading the live tail failed; reconnecting");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        break;
                    }
                }
            }
        }
    }

    /// Reads `consumer`'s families as a member of its group, for ever (reconnecting).
    async fn consume(self: Arc<Self>, consumer: Arc<Consumer>) {
        let group = consumer.name();
        let me = format!("{group}-{}", Uuid::now_v7().simple());
        let keys: Vec<String> = consumer
            .families()
            .into_iter()
            .map(|f| self.key(f.name()))
            .collect();
        let claim_every = self.config.claim_after() / 2;
        loop {
            let mut read = match self.reading_connection().await {
                Ok(read) => read,
                Err(err) => {
                    tracing::warn!(consumer = group, %err, "events: Redis unreachable; retrying in 1 s");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Err(err) = self.groups(&mut read, &keys, group).await {
                tracing::warn!(consumer = group, %err, "events: cannot create the consumer groups; retrying in 1 s");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            let mut claimed_at: Option<Instant> = None;
            loop {
                if claimed_at.is_none_or(|at| at.elapsed() >= claim_every) {
                    claimed_at = Some(Instant::now());
                    if let Err(err) = self.claim(&mut read, &keys, &consumer, &me).await {
                        tracing::warn!(consumer = group, %err, "events: claiming pending events failed");
                        break;
                    }
                }
                let options = StreamReadOptions::default()
                    .group(group, &me)
                    .count(usize::try_from(self.config.batch).unwrap_or(100))
                    .block(usize::try_from(BLOCK.as_millis()).unwrap_or(1000));
                let ids = vec![">"; keys.len()];
                let reply: Result<StreamReadReply, _> =
                    read.xread_options(&keys, &ids, &options).await;
                match reply {
                    Ok(reply) => {
                        for stream in reply.keys {
                            self.take_all(&stream.key, stream.ids, &consumer).await;
                        }
                    }
                    Err(err) => {
                        tracing::warn!(consumer = group, %err, "events: reading the streams failed; reconnecting");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        break;
                    }
                }
            }
        }
    }

    async fn groups(
        &self,
        conn: &mut MultiplexedConnection,
        keys: &[String],
        group: &str,
    ) -> Result<(), String> {
        for key in keys {
            let created: Result<(), redis::RedisError> =
                conn.xgroup_create_mkstream(key, group, "0").await;
            if let Err(err) = created
                && err.code() != Some("BUSYGROUP")
            {
                return Err(err.to_string());
            }
        }
        Ok(())
    }

    /// Takes over what stayed pending with any replica longer than `claim_after_ms`.
    async fn claim(
        &self,
        conn: &mut MultiplexedConnection,
        keys: &[String],
        consumer: &Arc<Consumer>,
        me: &str,
    ) -> Result<(), String> {
        let idle = usize::try_from(self.config.claim_after_ms).unwrap_or(usize::MAX);
        for key in keys {
            let mut start = "0-0".to_owned();
            loop {
                let reply: StreamAutoClaimReply = conn
                    .xautoclaim_options(
                        key,
                        consumer.name(),
                        me,
                        idle,
                        &start,
                        StreamAutoClaimOptions::default()
                            .count(usize::try_from(self.config.batch).unwrap_or(100)),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                if !reply.claimed.is_empty() {
                    tracing::info!(
                        consumer = consumer.name(),
                        stream = key,
                        count = reply.claimed.len(),
                        "events: claimed pending events"
                    );
                    metrics::counter!("tessera_events_claimed_total", "consumer" => consumer.name()).increment(reply.claimed.len() as u64);
                }
                self.take_all(key, reply.claimed, consumer).await;
                if reply.next_stream_id == "0-0" {
                    break;
                }
                start = reply.next_stream_id;
            }
        }
        Ok(())
    }

    /// Handles the entries read from stream `key` (together when it can) and
    /// acknowledges each unless its consumer's database was unavailable.
    async fn take_all(&self, key: &str, entries: Vec<StreamId>, consumer: &Arc<Consumer>) {
        if entries.is_empty() {
            return;
        }
        let mut events = Vec::with_capacity(entries.len());
        let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(entries.len());
        for entry in &entries {
            let raw: Option<String> = entry.get("event");
            let event = raw
                .as_deref()
                .ok_or_else(|| "the stream entry has no `event` field".to_owned())
                .and_then(|raw| {
                    serde_json::from_str::<Envelope>(raw)
                        .map_err(|e| format!("the event's envelope is malformed: {e}"))
                });
            match event {
                Ok(event) if consumer.wants(&event) => {
                    events.push(event);
                    outcomes.push(None);
                }
                Ok(_) => outcomes.push(Some(Outcome::Ignored)),
                Err(why) => {
                    let stand_in = Envelope {
                        id: Uuid::now_v7(),
                        kind: "(malformed)".to_owned(),
                        version: 0,
                        family: key.rsplit(':').next().unwrap_or_default().to_owned(),
                        aggregate: entry.id.clone(),
                        producer: "(unknown)".to_owned(),
                        occurred_at: chrono::Utc::now(),
                        payload: serde_json::Value::String(raw.unwrap_or_default()),
                    };
                    outcomes.push(Some(consumer.park_malformed(&stand_in, &why).await));
                }
            }
        }
        let mut handled = consumer.process_all(&events).await.into_iter();
        let outcomes: Vec<Outcome> = outcomes
            .into_iter()
            .map(|o| o.or_else(|| handled.next()).unwrap_or(Outcome::Ignored))
            .collect();
        let Ok(mut conn) = self.conn().await else {
            return;
        };
        let mut acked = Vec::new();
        for (entry, outcome) in entries.iter().zip(&outcomes) {
            match outcome {
                Outcome::Unavailable(_) => continue,
                Outcome::DeadLettered(why) => {
                    self.dead_letter(&mut conn, key, entry, consumer, why).await
                }
                _ => {}
            }
            acked.push(entry.id.as_str());
        }
        if acked.is_empty() {
            return;
        }
        let done: Result<i64, _> = conn.xack(key, consumer.name(), &acked).await;
        if let Err(err) = done {
            tracing::warn!(%err, stream = key, "events: acknowledging failed; the events will be claimed and deduplicated");
        }
    }

    /// Adds a dead letter to `{namespace}:dead-letters` (best effort: the consumer's
    /// table holds it anyway).
    async fn dead_letter(
        &self,
        conn: &mut ConnectionManager,
        key: &str,
        entry: &StreamId,
        consumer: &Arc<Consumer>,
        why: &str,
    ) {
        let dead = format!("{}:dead-letters", self.config.namespace);
        let raw: Option<String> = entry.get("event");
        let fields = [
            ("consumer", consumer.name().to_owned()),
            ("stream", key.to_owned()),
            ("entry", entry.id.clone()),
            ("event", raw.unwrap_or_default()),
            ("error", why.to_owned()),
        ];
        let added: Result<String, _> = conn
            .xadd_maxlen(
                &dead,
                redis::streams::StreamMaxlen::Approx(self.config.stream_max_len),
                "*",
                &fields,
            )
            .await;
        if let Err(err) = added {
            tracing::warn!(%err, "events: the dead-letter stream did not take the event");
        }
    }
}
