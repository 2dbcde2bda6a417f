//! A consuming domain: its [`Handler`] run in a transaction that also records the event
//! as processed, so a second delivery of the same event finds it and changes nothing.
//! A handler that fails is retried with backoff; one that refuses (or keeps failing) has
//! the event parked in `event_dead_letters` with the reason, reported to users
//! ([`DeadLettered`]) for administrators, and taken again when they ask
//! ([`ReplayRequested`]).

use std::{
    collections::{BTreeSet, HashSet},
    panic::AssertUnwindSafe,
    sync::Arc,
    time::Instant,
};

use chrono::{SubsecRound, Utc};
use futures_util::FutureExt;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
};
use tracing::Instrument;
use uuid::Uuid;

use super::{
    Envelope, Event, EventsConfig, Family, HandleError, Handler,
    catalogue::{self, DeadLetterReplayed, DeadLettered, ReplayRequested},
    entity::{dead_letter, processed},
    outbox, severing,
};
use crate::db::begin_write;

/// What became of one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The handler committed.
    Handled,
    /// Processed before: nothing changed.
    Duplicate,
    /// Not a kind this consumer reacts to.
    Ignored,
    /// Parked, with the reason.
    DeadLettered(String),
    /// The consumer's database could not be reached: not acknowledged, delivered again.
    Unavailable(String),
}

/// How a run of attempts ended without the handler committing.
struct Failure {
    error: String,
    attempts: u32,
    unavailable: bool,
}

/// One consuming domain (cheap to share: hold it in an `Arc`).
pub struct Consumer {
    name: &'static str,
    db: DatabaseConnection,
    handler: Arc<dyn Handler>,
    config: EventsConfig,
    severs: bool,
}

impl std::fmt::Debug for Consumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("name", &self.name)
            .field("kinds", &self.handler.kinds())
            .finish_non_exhaustive()
    }
}

impl Consumer {
    /// Domain `name` taking events with `handler` over its database `db`.
    pub fn new(
        name: &'static str,
        db: DatabaseConnection,
        handler: Arc<dyn Handler>,
        config: EventsConfig,
    ) -> Self {
        Self {
            name,
            db,
            handler,
            config,
            severs: false,
        }
    }

    /// Also records the coaching links users ends, so this domain's server stops
    /// honouring them at once ([`super::severing`]).
    #[must_use]
    pub fn severing_coaching_links(mut self) -> Self {
        self.severs = true;
        self
    }

    fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        let severing: &[&'static str] = if self.severs { &severing::KINDS } else { &[] };
        self.handler
            .kinds()
            .iter()
            .copied()
            .chain(severing.iter().copied())
    }

    /// Its name: its consumer group.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The families it reads: those of its kinds, and [`Family::Operations`] (replays of
    /// its dead letters are asked for there).
    pub fn families(&self) -> BTreeSet<Family> {
        self.kinds()
            .filter_map(catalogue::family_of)
            .chain([Family::Operations])
            .collect()
    }

    /// Whether `event` is for it.
    pub fn wants(&self, event: &Envelope) -> bool {
        event.kind == ReplayRequested::KIND || self.kinds().any(|kind| kind == event.kind)
    }

    /// Takes one delivery of `event`.
    pub async fn process(&self, event: &Envelope) -> Outcome {
        let span =
            tracing::info_span!("event", id = %event.id, kind = %event.kind, consumer = self.name);
        let outcome = async {
            if event.kind == ReplayRequested::KIND {
                return self.replay(event).await;
            }
            if !self.wants(event) {
                return Outcome::Ignored;
            }
            match self.attempts(event).await {
                Ok(true) => Outcome::Duplicate,
                Ok(false) => Outcome::Handled,
                Err(failure) if failure.unavailable => Outcome::Unavailable(failure.error),
                Err(failure) => self.dead_letter(event, failure).await,
            }
        }
        .instrument(span.clone())
        .await;
        self.record(event, &outcome, &span);
        outcome
    }

    /// Takes one delivery of each of `events`, in order, in one transaction when every
    /// handler takes its event at the first attempt (one commit for the lot: what keeps
    /// a busy stream's latency low); otherwise one by one, with retries and dead letters,
    /// as [`Consumer::process`]. One outcome per event.
    pub async fn process_all(&self, events: &[Envelope]) -> Vec<Outcome> {
        let batched = |e: &&Envelope| e.kind != ReplayRequested::KIND && self.wants(e);
        if events.iter().filter(batched).count() < 2 {
            let mut outcomes = Vec::with_capacity(events.len());
            for event in events {
                outcomes.push(self.process(event).await);
            }
            return outcomes;
        }
        let taken: Vec<&Envelope> = events.iter().filter(batched).collect();
        let seen = match self.attempt_batch(&taken).await {
            Ok(seen) => seen,
            Err(why) => {
                tracing::debug!(
                    consumer = self.name,
                    why,
                    count = taken.len(),
                    "events: a batch failed; taking its events one by one"
                );
                let mut outcomes = Vec::with_capacity(events.len());
                for event in events {
                    outcomes.push(self.process(event).await);
                }
                return outcomes;
            }
        };
        let mut outcomes = Vec::with_capacity(events.len());
        for event in events {
            let outcome = if event.kind == ReplayRequested::KIND {
                self.process(event).await
            } else if !self.wants(event) {
                Outcome::Ignored
            } else if seen.contains(&event.id) {
                Outcome::Duplicate
            } else {
                Outcome::Handled
            };
            if event.kind != ReplayRequested::KIND {
                let span = tracing::info_span!("event", id = %event.id, kind = %event.kind, consumer = self.name);
                self.record(event, &outcome, &span);
            }
            outcomes.push(outcome);
        }
        outcomes
    }

    /// One attempt at `events` in one transaction; the ids processed before.
    async fn attempt_batch(&self, events: &[&Envelope]) -> Result<HashSet<Uuid>, String> {
        let txn = begin_write(&self.db).await.map_err(|e| e.to_string())?;
        let seen: HashSet<Uuid> = processed::Entity::find()
            .select_only()
            .column(processed::Column::EventId)
            .filter(processed::Column::Consumer.eq(self.name))
            .filter(processed::Column::EventId.is_in(events.iter().map(|e| e.id)))
            .into_tuple::<Uuid>()
            .all(&txn)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .collect();
        let mut fresh = Vec::new();
        for event in events {
            if seen.contains(&event.id) || fresh.contains(&event.id) {
                continue;
            }
            self.handle_in(&txn, event).await.map_err(|e| match e {
                Attempt::Rejected(why) | Attempt::Failed(why) | Attempt::Unavailable(why) => why,
            })?;
            fresh.push(event.id);
        }
        if !fresh.is_empty() {
            let now = Utc::now().trunc_subsecs(6);
            processed::Entity::insert_many(fresh.iter().map(|id| {
                processed::Model {
                    consumer: self.name.to_owned(),
                    event_id: *id,
                    processed_at: now,
                }
                .into_active_model()
            }))
            .exec_without_returning(&txn)
            .await
            .map_err(|e| e.to_string())?;
        }
        txn.commit().await.map_err(|e| e.to_string())?;
        Ok(seen)
    }

    /// Counts and logs one outcome.
    fn record(&self, event: &Envelope, outcome: &Outcome, span: &tracing::Span) {
        let label = match outcome {
            Outcome::Handled => "handled",
            Outcome::Duplicate => "duplicate",
            Outcome::Ignored => "ignored",
            Outcome::DeadLettered(_) => "dead_lettered",
            Outcome::Unavailable(_) => "unavailable",
        };
        metrics::counter!("tessera_events_handled_total", "consumer" => self.name, "family" => event.family.clone(), "outcome" => label).increment(1);
        if *outcome == Outcome::Handled {
            let lag = (Utc::now() - event.occurred_at)
                .to_std()
                .unwrap_or_default();
            metrics::histogram!("tessera_events_handle_lag_seconds", "consumer" => self.name, "family" => event.family.clone()).record(lag.as_secs_f64());
        }
        span.in_scope(|| match outcome {
            Outcome::DeadLettered(why) => tracing::error!(why, "event dead-lettered"),
            Outcome::Unavailable(why) => tracing::warn!(
                why,
                "event not taken: the database is unavailable; it will be delivered again"
            ),
            Outcome::Handled => tracing::debug!("event handled"),
            Outcome::Duplicate | Outcome::Ignored => {}
        });
    }

    /// Runs the handler until it commits, refuses, or has failed `max_attempts` times.
    /// `Ok(true)`: processed before.
    async fn attempts(&self, event: &Envelope) -> Result<bool, Failure> {
        let mut backoff = self.config.retry_backoff();
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            let result = self.attempt(event).await;
            tracing::debug!(attempt, took = ?started.elapsed(), ok = result.is_ok(), "attempt");
            let (error, unavailable) = match result {
                Ok(duplicate) => return Ok(duplicate),
                Err(Attempt::Rejected(error)) => {
                    return Err(Failure {
                        error,
                        attempts: attempt,
                        unavailable: false,
                    });
                }
                Err(Attempt::Failed(error)) => (error, false),
                Err(Attempt::Unavailable(error)) => (error, true),
            };
            metrics::counter!("tessera_events_handler_failures_total", "consumer" => self.name, "family" => event.family.clone()).increment(1);
            tracing::warn!(attempt, error, "event handler failed");
            if attempt >= self.config.max_attempts {
                return Err(Failure {
                    error,
                    attempts: attempt,
                    unavailable,
                });
            }
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
            attempt += 1;
        }
    }

    /// One attempt: in one transaction, the processed check, the handler, the record.
    async fn attempt(&self, event: &Envelope) -> Result<bool, Attempt> {
        let txn = begin_write(&self.db)
            .await
            .map_err(|e| Attempt::Unavailable(e.to_string()))?;
        let seen = processed::Entity::find_by_id((self.name.to_owned(), event.id))
            .one(&txn)
            .await
            .map_err(|e| Attempt::Unavailable(e.to_string()))?;
        if seen.is_some() {
            return Ok(true);
        }
        self.handle_in(&txn, event).await?;
        mark_processed(&txn, self.name, event.id)
            .await
            .map_err(|e| Attempt::Failed(e.to_string()))?;
        txn.commit()
            .await
            .map_err(|e| Attempt::Failed(e.to_string()))?;
        Ok(false)
    }

    /// Runs the handlers of `event` in `txn` (a panic is a failure).
    async fn handle_in(&self, txn: &DatabaseTransaction, event: &Envelope) -> Result<(), Attempt> {
        let handling = async {
            if self.severs && severing::KINDS.contains(&event.kind.as_str()) {
                severing::handle(txn, event).await?;
            }
            if self.handler.kinds().contains(&event.kind.as_str()) {
                self.handler.handle(txn, event).await?;
            }
            Ok::<(), HandleError>(())
        };
        AssertUnwindSafe(handling)
            .catch_unwind()
            .await
            .map_err(|panic| {
                let why = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Attempt::Failed(format!("the handler panicked: {why}"))
            })?
            .map_err(|e| match e {
                HandleError::Rejected(why) => Attempt::Rejected(why),
                HandleError::Failed(why) => Attempt::Failed(why),
            })
    }

    /// Parks what arrived as an event but could not be read as one (`stand_in` holds
    /// the raw text), with the reason.
    pub(crate) async fn park_malformed(&self, stand_in: &Envelope, why: &str) -> Outcome {
        metrics::counter!("tessera_events_handled_total", "consumer" => self.name, "family" => stand_in.family.clone(), "outcome" => "dead_lettered").increment(1);
        tracing::error!(consumer = self.name, why, "a malformed event dead-lettered");
        self.dead_letter(
            stand_in,
            Failure {
                error: why.to_owned(),
                attempts: 1,
                unavailable: false,
            },
        )
        .await
    }

    /// Parks `event` with `failure`'s reason (once: a second delivery of an event already
    /// parked is not parked again) and reports it to users.
    async fn dead_letter(&self, event: &Envelope, failure: Failure) -> Outcome {
        match self.park(event, &failure).await {
            Ok(()) => Outcome::DeadLettered(failure.error),
            Err(err) => {
                Outcome::Unavailable(format!("{} (and parking it failed: {err})", failure.error))
            }
        }
    }

    async fn park(&self, event: &Envelope, failure: &Failure) -> Result<(), sea_orm::DbErr> {
        let txn = begin_write(&self.db).await?;
        let parked = dead_letter::Entity::find()
            .filter(dead_letter::Column::Consumer.eq(self.name))
            .filter(dead_letter::Column::EventId.eq(event.id))
            .filter(dead_letter::Column::ReplayedAt.is_null())
            .one(&txn)
            .await?;
        if parked.is_some() {
            return Ok(());
        }
        let now = Utc::now().trunc_subsecs(6);
        let id = Uuid::now_v7();
        dead_letter::Model {
            id,
            consumer: self.name.to_owned(),
            event_id: event.id,
            kind: event.kind.chars().take(64).collect(),
            envelope: serde_json::to_string(event).unwrap_or_default(),
            error: failure.error.clone(),
            attempts: i32::try_from(failure.attempts).unwrap_or(i32::MAX),
            dead_at: now,
            replay_requested_at: None,
            replayed_at: None,
            replay_error: None,
        }
        .into_active_model()
        .insert(&txn)
        .await?;
        // Reports about reports are not reported again: a loop could never end.
        if !is_operations_report(&event.kind) {
            let report = DeadLettered {
                dead_letter_id: id,
                consumer: self.name.to_owned(),
                event: event.clone(),
                error: failure.error.clone(),
                attempts: failure.attempts,
            };
            outbox::append(&txn, self.name, &report, now).await?;
        }
        txn.commit().await
    }

    /// An administrator asked for a dead letter to be taken again: if it is this
    /// consumer's and not taken yet, the handler runs again with fresh attempts; the
    /// outcome is kept on the dead letter and reported to users.
    async fn replay(&self, request: &Envelope) -> Outcome {
        let Ok(asked) = request.decode::<ReplayRequested>() else {
            return Outcome::Ignored;
        };
        if asked.consumer != self.name {
            return Outcome::Ignored;
        }
        let row = match dead_letter::Entity::find_by_id(asked.dead_letter_id)
            .filter(dead_letter::Column::Consumer.eq(self.name))
            .one(&self.db)
            .await
        {
            Ok(row) => row,
            Err(err) => return Outcome::Unavailable(err.to_string()),
        };
        let Some(row) = row.filter(|r| r.replayed_at.is_none()) else {
            return Outcome::Duplicate;
        };
        let result = match serde_json::from_str::<Envelope>(&row.envelope) {
            Ok(parked) => self.attempts(&parked).await,
            Err(err) => Err(Failure {
                error: format!("the parked event does not parse: {err}"),
                attempts: 1,
                unavailable: false,
            }),
        };
        if let Err(failure) = &result
            && failure.unavailable
        {
            return Outcome::Unavailable(failure.error.clone());
        }
        let error = result.err().map(|f| f.error);
        match self.replayed(request, row, error.clone()).await {
            Ok(()) => match error {
                None => Outcome::Handled,
                Some(why) => Outcome::DeadLettered(why),
            },
            Err(err) => Outcome::Unavailable(err.to_string()),
        }
    }

    async fn replayed(
        &self,
        request: &Envelope,
        row: dead_letter::Model,
        error: Option<String>,
    ) -> Result<(), sea_orm::DbErr> {
        let now = Utc::now().trunc_subsecs(6);
        let txn = begin_write(&self.db).await?;
        let id = row.id;
        let mut row = row.into_active_model();
        if error.is_none() {
            row.replayed_at = Set(Some(now));
        }
        row.replay_error = Set(error.clone());
        row.update(&txn).await?;
        let report = DeadLetterReplayed {
            dead_letter_id: id,
            consumer: self.name.to_owned(),
            error,
        };
        outbox::append(&txn, self.name, &report, now).await?;
        mark_processed(&txn, self.name, request.id).await?;
        txn.commit().await
    }
}

enum Attempt {
    Rejected(String),
    Failed(String),
    Unavailable(String),
}

/// Whether `kind` is the event system reporting on itself.
fn is_operations_report(kind: &str) -> bool {
    kind == DeadLettered::KIND || kind == DeadLetterReplayed::KIND
}

async fn mark_processed(
    txn: &impl ConnectionTrait,
    consumer: &str,
    event: Uuid,
) -> Result<(), sea_orm::DbErr> {
    processed::Model {
        consumer: consumer.to_owned(),
        event_id: event,
        processed_at: Utc::now().trunc_subsecs(6),
    }
    .into_active_model()
    .insert(txn)
    .await
    .map(|_| ())
}
