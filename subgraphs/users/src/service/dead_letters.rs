//! Dead letters of every consuming domain, for administrators: each consumer parks an
//! event it cannot take in its own database and reports it ([`DeadLettered`]); this
//! domain keeps the reports in its `event_dead_letters` (its own dead letters are there
//! already), asks the consumer to take one again ([`ReplayRequested`]), and records the
//! outcome it reports ([`DeadLetterReplayed`]).

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use tessera_kit::{
    error::ServiceError,
    events::{
        HandleError,
        catalogue::{DeadLetterReplayed, DeadLettered, ReplayRequested},
        entity::dead_letter,
        outbox,
    },
};
use uuid::Uuid;

use crate::service::{access::Access, erasure::PRODUCER};

/// Keeps a consumer's report of a dead letter (a second report changes nothing).
pub async fn reported(
    txn: &impl ConnectionTrait,
    report: &DeadLettered,
    now: DateTime<Utc>,
) -> Result<(), HandleError> {
    let row = dead_letter::Model {
        id: report.dead_letter_id,
        consumer: report.consumer.clone(),
        event_id: report.event.id,
        kind: report.event.kind.chars().take(64).collect(),
        envelope: serde_json::to_string(&report.event).unwrap_or_default(),
        error: report.error.clone(),
        attempts: i32::try_from(report.attempts).unwrap_or(i32::MAX),
        dead_at: now.trunc_subsecs(6),
        replay_requested_at: None,
        replayed_at: None,
        replay_error: None,
    };
    dead_letter::Entity::insert(row.into_active_model())
        .on_conflict_do_nothing_on([dead_letter::Column::Id])
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// Records how a replay went.
pub async fn replayed(
    txn: &impl ConnectionTrait,
    report: &DeadLetterReplayed,
    now: DateTime<Utc>,
) -> Result<(), HandleError> {
    let Some(row) = dead_letter::Entity::find_by_id(report.dead_letter_id)
        .one(txn)
        .await?
    else {
        return Err(HandleError::Failed(format!(
            "no dead letter {} reported yet",
            report.dead_letter_id
        )));
    };
    let mut row = row.into_active_model();
    if report.error.is_none() {
        row.replayed_at = Set(Some(now.trunc_subsecs(6)));
    }
    row.replay_error = Set(report.error.clone());
    row.update(txn).await?;
    Ok(())
}

/// Which dead letters to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Of this consumer only.
    pub consumer: Option<String>,
    /// Only those not yet taken (replayed successfully).
    pub open_only: bool,
    /// How many, newest first (1 to 500).
    pub first: u64,
}

/// Dead letters, newest first (administrators only).
pub async fn list(
    db: &impl ConnectionTrait,
    access: &Access,
    filter: &Filter,
) -> Result<Vec<dead_letter::Model>, ServiceError> {
    require_admin(access)?;
    if !(1..=500).contains(&filter.first) {
        return Err(ServiceError::invalid("first", "must be between 1 and 500"));
    }
    let mut query = dead_letter::Entity::find()
        .order_by_desc(dead_letter::Column::DeadAt)
        .order_by_desc(dead_letter::Column::Id)
        .limit(filter.first);
    if let Some(consumer) = &filter.consumer {
        query = query.filter(dead_letter::Column::Consumer.eq(consumer.as_str()));
    }
    if filter.open_only {
        query = query.filter(dead_letter::Column::ReplayedAt.is_null());
    }
    Ok(query.all(db).await?)
}

/// Asks the consumer holding dead letter `id` to take it again (administrators only);
/// `CONFLICT` when it was taken already.
pub async fn request_replay<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    access: &Access,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<dead_letter::Model, ServiceError> {
    let admin = require_admin(access)?;
    let now = now.trunc_subsecs(6);
    let txn = tessera_kit::db::begin_write(db).await?;
    let row = dead_letter::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no dead letter {id}")))?;
    if row.replayed_at.is_some() {
        return Err(ServiceError::Conflict {
            field: Some("id".to_owned()),
            message: "this dead letter was taken already".to_owned(),
        });
    }
    let asked = ReplayRequested {
        dead_letter_id: id,
        consumer: row.consumer.clone(),
        requested_by: Some(admin),
    };
    let mut row = row.into_active_model();
    row.replay_requested_at = Set(Some(now));
    let row = row.update(&txn).await?;
    outbox::append(&txn, PRODUCER, &asked, now).await?;
    txn.commit().await?;
    Ok(row)
}

fn require_admin(access: &Access) -> Result<Uuid, ServiceError> {
    let me = access.require()?.id;
    if !access.is_admin() {
        return Err(ServiceError::Forbidden(
            "only administrators may see and replay dead letters".to_owned(),
        ));
    }
    Ok(me)
}
