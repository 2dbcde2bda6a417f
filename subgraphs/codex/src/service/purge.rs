//! Removing for good the entries soft-deleted by their author (see
//! [`super::entries::delete`]) or by an erasure (see [`super::privacy::erase`]) once
//! their retention has passed, with their tags and steps. On SQLite the search index follows by
//! trigger; on PostgreSQL it is a column of the row.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
};
use tessera_kit::{
    error::ServiceError,
    purge::{Retention, expired},
};

use crate::entity::{entry, step, tag};

/// Removes every entry soft-deleted at or before `retention.cutoff(now)`, its tags and steps,
/// in one transaction; returns how many entries.
pub async fn purge_deleted<C>(
    db: &C,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let cutoff = retention.cutoff(now);
    let txn = tessera_kit::db::begin_write(db).await?;
    // Children first (see `expired`).
    let gone = || expired::<entry::Entity>(entry::Column::Id, entry::Column::DeletedAt, cutoff);
    tag::Entity::delete_many()
        .filter(tag::Column::EntryId.in_subquery(gone()))
        .exec(&txn)
        .await?;
    step::Entity::delete_many()
        .filter(step::Column::EntryId.in_subquery(gone()))
        .exec(&txn)
        .await?;
    let purged = entry::Entity::delete_many()
        .filter(entry::Column::DeletedAt.lte(cutoff))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(purged)
}
