//! Events between domains: a domain's change and the events it causes commit together
//! in the domain's outbox; a relay publishes them; each consuming domain's handler
//! takes them, at least once, and idempotently.
//!
//! ```text
//! change + outbox::append ──commit──▶ event_outbox ──relay──▶ bus ──▶ Consumer::process
//!                                                         │           handler + event_processed
//!                                     Redis Streams (redis.url)      ──commit──▶ ack
//!                                     or in process (embedded)       │ fails: retried, then
//!                                                                    ▼ event_dead_letters
//! ```
//!
//! - [`catalogue`]: every event, one Rust type each, with its kind, version and family
//!   (the stream it travels on). `docs/events.md` lists producers and consumers.
//! - [`outbox`]: appending an event in the change's transaction.
//! - [`relay`]: publishing the outbox, oldest first, and marking what was published.
//! - [`consumer`]: a consuming domain's [`Handler`] run in a transaction with the
//!   processed-events check; retries with backoff; dead letters and their replay.
//! - [`bus`]: the transports, Redis Streams (one stream per family, a consumer group
//!   per consuming domain, pending events claimed from a dead replica) or in process.
//! - [`severing`]: a coaching link ended takes effect in every domain at once.
//! - [`erasure`]: a domain erasing a deleted account's rows and confirming it.
//! - [`live`]: a family's events as subscriptions follow them.
//! - [`entity`]: the tables every domain keeps.
//! - [`config`]: the `[events]` settings.

pub mod bus;
pub mod catalogue;
pub mod config;
pub mod consumer;
pub mod entity;
pub mod erasure;
pub mod live;
pub mod outbox;
pub mod relay;
pub mod severing;

use std::{future::Future, pin::Pin, sync::Arc};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use uuid::Uuid;

pub use self::{
    bus::Bus,
    config::EventsConfig,
    consumer::{Consumer, Outcome},
};

/// The stream an event travels on: consumers subscribe to families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// Accounts: deleted.
    Account,
    /// Who coaches whom: linked, unlinked.
    Coaching,
    /// Training: sessions completed, plans assigned.
    Training,
    /// The journal: entries shared with a coach.
    Journal,
    /// Inboxes: notifications arriving and read (live updates).
    Inbox,
    /// Erasure confirmed by a domain.
    Erasure,
    /// The event system's own: dead letters reported, replays asked for and done.
    Operations,
}

impl Family {
    /// Every family.
    pub const ALL: [Self; 7] = [
        Self::Account,
        Self::Coaching,
        Self::Training,
        Self::Journal,
        Self::Inbox,
        Self::Erasure,
        Self::Operations,
    ];

    /// Its name: the last part of its stream's key.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Coaching => "coaching",
            Self::Training => "training",
            Self::Journal => "journal",
            Self::Inbox => "inbox",
            Self::Erasure => "erasure",
            Self::Operations => "operations",
        }
    }

    /// The family named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// One event type: its payload is the type itself (serde), its kind and version travel
/// in the [`Envelope`].
pub trait Event: Serialize + DeserializeOwned {
    /// `family.what_happened`, e.g. `account.deleted`.
    const KIND: &'static str;
    /// Bumped when the payload changes incompatibly; a consumer refuses versions it does
    /// not know (dead letter, never a guess).
    const VERSION: u32;
    /// The stream it travels on.
    const FAMILY: Family;

    /// The id of what it concerns (an account, a workout).
    fn aggregate(&self) -> String;
}

/// An event as it is stored, published and handled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// Unique; consumers deduplicate by it.
    pub id: Uuid,
    /// [`Event::KIND`].
    pub kind: String,
    /// [`Event::VERSION`] of the producer.
    pub version: u32,
    /// [`Family::name`].
    pub family: String,
    /// [`Event::aggregate`].
    pub aggregate: String,
    /// The subgraph that produced it.
    pub producer: String,
    /// When the change committed (its transaction's clock).
    pub occurred_at: DateTime<Utc>,
    /// The event itself.
    pub payload: serde_json::Value,
}

impl Envelope {
    /// `event` from `producer`, at `now`, with a new id.
    pub fn new<E: Event>(producer: &str, event: &E, now: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::now_v7(),
            kind: E::KIND.to_owned(),
            version: E::VERSION,
            family: E::FAMILY.name().to_owned(),
            aggregate: event.aggregate(),
            producer: producer.to_owned(),
            occurred_at: now,
            payload: serde_json::to_value(event).unwrap_or_default(),
        }
    }

    /// The payload as `E`, refused (for a dead letter, with the reason) when the kind is
    /// another, the version one this build does not know, or the payload does not fit.
    pub fn decode<E: Event>(&self) -> Result<E, HandleError> {
        if self.kind != E::KIND {
            return Err(HandleError::Rejected(format!(
                "expected a `{}` event, got `{}`",
                E::KIND,
                self.kind
            )));
        }
        if self.version != E::VERSION {
            return Err(HandleError::Rejected(format!(
                "`{}` version {} is not known here (this build reads version {})",
                self.kind,
                self.version,
                E::VERSION
            )));
        }
        serde_json::from_value(self.payload.clone()).map_err(|err| {
            HandleError::Rejected(format!("the `{}` payload is malformed: {err}", self.kind))
        })
    }

    /// The family it names, if known.
    pub fn family(&self) -> Option<Family> {
        Family::from_name(&self.family)
    }
}

/// Why a handler did not take an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandleError {
    /// It never will (unknown version, malformed payload, a rule it breaks): dead-lettered
    /// at once, never retried.
    #[error("rejected: {0}")]
    Rejected(String),
    /// It might next time (a database error, a lock): retried with backoff, then
    /// dead-lettered.
    #[error("failed: {0}")]
    Failed(String),
}

impl From<DbErr> for HandleError {
    fn from(err: DbErr) -> Self {
        Self::Failed(err.to_string())
    }
}

impl From<crate::error::ServiceError> for HandleError {
    fn from(err: crate::error::ServiceError) -> Self {
        Self::Failed(err.to_string())
    }
}

/// A boxed future a [`Handler`] returns.
pub type Handled<'a> = Pin<Box<dyn Future<Output = Result<(), HandleError>> + Send + 'a>>;

/// A consuming domain's reactions: called in a transaction of the domain's database that
/// commits together with the record that the event was processed. Writing to the
/// domain's own outbox in `txn` (an erasure confirmed) publishes in the same commit.
pub trait Handler: Send + Sync + 'static {
    /// The kinds it reacts to (the families it subscribes to follow from them); other
    /// events are acknowledged untouched.
    fn kinds(&self) -> &[&'static str];

    /// Reacts to `event` in `txn`.
    fn handle<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> Handled<'a>;
}

/// A consuming domain's reactions.
#[derive(Clone)]
pub struct Reactions {
    /// Its handler.
    pub handler: Arc<dyn Handler>,
    /// Whether it also stops honouring ended coaching links at once ([`severing`]):
    /// every domain that serves a coach their athletes' data does.
    pub severs_coaching_links: bool,
}

/// How the subgraphs of a process take part in events: the bus they share and the
/// settings (cheap to clone).
#[derive(Clone, Debug)]
pub struct Wiring {
    /// Where events go.
    pub bus: Bus,
    /// How.
    pub config: EventsConfig,
}

impl Wiring {
    /// In process (the embedded default), or on Redis Streams at `redis_url`.
    pub fn new(redis_url: Option<&str>, config: EventsConfig) -> Result<Self, String> {
        let bus = match redis_url {
            Some(url) => Bus::redis(url, config.clone())?,
            None => Bus::local(),
        };
        Ok(Self { bus, config })
    }

    /// Lets events flow once every subgraph of the process started ([`Bus::open`]).
    pub fn open(&self) {
        self.bus.open();
    }

    /// Starts subgraph `name`'s relay over `db` and, given its `reactions`, its consumer.
    pub fn start(
        &self,
        name: &'static str,
        db: &DatabaseConnection,
        reactions: Option<Reactions>,
    ) -> Running {
        let relay =
            relay::Relay::new(name, db.clone(), self.bus.clone(), self.config.clone()).spawn();
        let consumer = reactions.map(|reactions| {
            let mut consumer =
                Consumer::new(name, db.clone(), reactions.handler, self.config.clone());
            if reactions.severs_coaching_links {
                consumer = consumer.severing_coaching_links();
            }
            self.bus.consume(Arc::new(consumer))
        });
        tracing::info!(subgraph = name, bus = ?self.bus, consumes = consumer.is_some(), "events: relaying the outbox");
        Running { relay, consumer }
    }
}

/// A subgraph's relay and consumer tasks.
#[derive(Debug)]
pub struct Running {
    relay: tokio::task::JoinHandle<()>,
    consumer: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops both at once, as a replica killed would (what it held stays pending).
    pub fn stop(&self) {
        self.relay.abort();
        if let Some(consumer) = &self.consumer {
            consumer.abort();
        }
    }
}
