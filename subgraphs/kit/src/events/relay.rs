//! Publishing a domain's outbox: oldest first, each event marked relayed once the bus
//! took it. A crash between publishing and marking publishes it again (consumers
//! deduplicate); a crash before publishing loses nothing. On PostgreSQL, replicas
//! relaying the same outbox skip each other's rows (`FOR UPDATE SKIP LOCKED`); SQLite
//! has one process per file.

use std::time::Duration;

use chrono::{SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait, sea_query::Expr,
};
use tokio::task::JoinHandle;

use super::{
    Bus, EventsConfig,
    entity::{outbox, processed},
    outbox::{APPENDED, envelope_of},
};

/// How often relayed events and processed-event records past `kept_days` are removed.
const HOUSEKEEPING: Duration = Duration::from_secs(3600);

/// The relay of one domain's outbox.
#[derive(Clone, Debug)]
pub struct Relay {
    producer: &'static str,
    db: DatabaseConnection,
    bus: Bus,
    config: EventsConfig,
}

impl Relay {
    /// Relays `db`'s outbox (domain `producer`) onto `bus`.
    pub fn new(
        producer: &'static str,
        db: DatabaseConnection,
        bus: Bus,
        config: EventsConfig,
    ) -> Self {
        Self {
            producer,
            db,
            bus,
            config,
        }
    }

    /// Relays for ever: at once when this process appends, else every `relay_poll_ms`.
    pub fn spawn(self) -> JoinHandle<()> {
        let mut appended = APPENDED.subscribe();
        tokio::spawn(async move {
            let mut housekept = tokio::time::Instant::now();
            let mut woken = false;
            loop {
                let mut relayed = self.relay_logged().await;
                // An append wakes the relay before its transaction commits: look again
                // shortly, before falling back to the poll.
                let mut settle = Duration::from_millis(1);
                while woken && relayed == Some(0) && settle <= Duration::from_millis(16) {
                    tokio::time::sleep(settle).await;
                    relayed = self.relay_logged().await;
                    settle *= 2;
                }
                if relayed.is_some_and(|n| n as u64 >= self.config.batch) {
                    woken = false;
                    continue;
                }
                if housekept.elapsed() >= HOUSEKEEPING {
                    housekept = tokio::time::Instant::now();
                    if let Err(err) = self.housekeep().await {
                        tracing::warn!(producer = self.producer, %err, "events: housekeeping failed");
                    }
                }
                woken = tokio::select! {
                    changed = appended.changed() => changed.is_ok(),
                    () = tokio::time::sleep(self.config.relay_poll()) => false,
                };
            }
        })
    }

    async fn relay_logged(&self) -> Option<usize> {
        match self.relay_once().await {
            Ok(n) => Some(n),
            Err(err) => {
                tracing::warn!(producer = self.producer, %err, "events: relaying failed; trying again");
                None
            }
        }
    }

    /// Publishes up to `batch` waiting events, oldest first, stopping at the first the
    /// bus does not take; returns how many were relayed.
    pub async fn relay_once(&self) -> Result<usize, String> {
        let waiting = || {
            outbox::Entity::find()
                .filter(outbox::Column::RelayedAt.is_null())
                .filter(outbox::Column::Producer.eq(self.producer))
                .order_by_asc(outbox::Column::Id)
                .limit(self.config.batch)
        };
        if self.db.get_database_backend() == DbBackend::Postgres {
            let txn = self.db.begin().await.map_err(|e| e.to_string())?;
            let rows = waiting()
                .lock_with_behavior(
                    sea_orm::sea_query::LockType::Update,
                    sea_orm::sea_query::LockBehavior::SkipLocked,
                )
                .all(&txn)
                .await
                .map_err(|e| e.to_string())?;
            let (relayed, failed) = self.publish(&rows).await;
            mark_relayed(&txn, &rows[..relayed]).await?;
            txn.commit().await.map_err(|e| e.to_string())?;
            failed.map_or(Ok(relayed), Err)
        } else {
            let rows = waiting().all(&self.db).await.map_err(|e| e.to_string())?;
            let (relayed, failed) = self.publish(&rows).await;
            mark_relayed(&self.db, &rows[..relayed]).await?;
            failed.map_or(Ok(relayed), Err)
        }
    }

    /// Publishes `rows` in order, at once; how many went (all or none), and why not.
    async fn publish(&self, rows: &[outbox::Model]) -> (usize, Option<String>) {
        let events: Vec<_> = rows.iter().map(envelope_of).collect();
        if let Err(why) = self.bus.publish_all(&events).await {
            return (0, Some(why));
        }
        for row in rows {
            metrics::counter!("tessera_events_published_total", "producer" => self.producer, "family" => row.family.clone()).increment(1);
            let lag = (Utc::now() - row.occurred_at).to_std().unwrap_or_default();
            metrics::histogram!("tessera_events_relay_lag_seconds", "producer" => self.producer)
                .record(lag.as_secs_f64());
        }
        (rows.len(), None)
    }

    /// Removes relayed events and processed-event records older than `kept_days`.
    pub async fn housekeep(&self) -> Result<u64, String> {
        let before = Utc::now() - chrono::Duration::days(i64::from(self.config.kept_days));
        let relayed = outbox::Entity::delete_many()
            .filter(outbox::Column::RelayedAt.lt(before))
            .exec(&self.db)
            .await
            .map_err(|e| e.to_string())?
            .rows_affected;
        let processed = processed::Entity::delete_many()
            .filter(processed::Column::ProcessedAt.lt(before))
            .exec(&self.db)
            .await
            .map_err(|e| e.to_string())?
            .rows_affected;
        Ok(relayed + processed)
    }
}

async fn mark_relayed(db: &impl ConnectionTrait, rows: &[outbox::Model]) -> Result<(), String> {
    if rows.is_empty() {
        return Ok(());
    }
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::RelayedAt,
            Expr::value(Utc::now().trunc_subsecs(6)),
        )
        .filter(outbox::Column::Id.is_in(rows.iter().map(|r| r.id)))
        .exec(db)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}
