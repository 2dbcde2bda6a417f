//! Appending events to a domain's outbox, in the transaction of the change that
//! caused them: both commit, or neither.

use std::sync::LazyLock;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, IntoActiveModel};
use tokio::sync::watch;

use super::{Envelope, Event, entity::outbox};

/// Moved on by every append, so a relay looks at once rather than at its next poll
/// (each relay sees every change, even one made while it was busy).
pub(crate) static APPENDED: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::Sender::new(0));

/// Writes `event` from `producer` into the outbox in `txn` (the change's transaction),
/// at `now`; returns its envelope.
pub async fn append<E: Event>(
    txn: &impl ConnectionTrait,
    producer: &str,
    event: &E,
    now: DateTime<Utc>,
) -> Result<Envelope, DbErr> {
    let envelope = Envelope::new(producer, event, now.trunc_subsecs(6));
    insert(txn, &envelope).await?;
    Ok(envelope)
}

/// Writes `events` from `producer` into the outbox in `txn`, in one statement (a send to
/// a hundred recipients announces a hundred notifications).
pub async fn append_all<E: Event>(
    txn: &impl ConnectionTrait,
    producer: &str,
    events: &[E],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    let now = now.trunc_subsecs(6);
    outbox::Entity::insert_many(
        events
            .iter()
            .map(|e| row_of(&Envelope::new(producer, e, now)).into_active_model()),
    )
    .exec_without_returning(txn)
    .await?;
    APPENDED.send_modify(|n| *n = n.wrapping_add(1));
    Ok(())
}

/// Writes `envelope` as it is (its id kept: a second write of the same event changes
/// nothing).
pub async fn insert(txn: &impl ConnectionTrait, envelope: &Envelope) -> Result<(), DbErr> {
    outbox::Entity::insert(row_of(envelope).into_active_model())
        .on_conflict_do_nothing_on([outbox::Column::Id])
        .exec_without_returning(txn)
        .await?;
    APPENDED.send_modify(|n| *n = n.wrapping_add(1));
    Ok(())
}

/// The row holding `envelope`.
fn row_of(envelope: &Envelope) -> outbox::Model {
    outbox::Model {
        id: envelope.id,
        family: envelope.family.clone(),
        kind: envelope.kind.clone(),
        version: i32::try_from(envelope.version).unwrap_or(i32::MAX),
        aggregate: envelope.aggregate.clone(),
        producer: envelope.producer.clone(),
        occurred_at: envelope.occurred_at,
        payload: envelope.payload.to_string(),
        relayed_at: None,
    }
}

/// The envelope a row holds.
pub fn envelope_of(row: &outbox::Model) -> Envelope {
    Envelope {
        id: row.id,
        kind: row.kind.clone(),
        version: u32::try_from(row.version).unwrap_or(0),
        family: row.family.clone(),
        aggregate: row.aggregate.clone(),
        producer: row.producer.clone(),
        occurred_at: row.occurred_at,
        payload: serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null),
    }
}
