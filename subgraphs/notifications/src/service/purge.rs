//! Removing for good the notifications soft-deleted by an erasure (see
//! [`super::privacy::erase`]) once their retention has passed, with their deliveries.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
};
use tessera_kit::{
    error::ServiceError,
    purge::{Retention, expired},
};

use crate::entity::{delivery, notification};

/// Removes every notification soft-deleted at or before `retention.cutoff(now)` and its
/// deliveries, in one transaction; returns how many notifications.
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
    delivery::Entity::delete_many()
        .filter(
            delivery::Column::NotificationId.in_subquery(expired::<notification::Entity>(
                notification::Column::Id,
                notification::Column::DeletedAt,
                cutoff,
            )),
        )
        .exec(&txn)
        .await?;
    let purged = notification::Entity::delete_many()
        .filter(notification::Column::DeletedAt.lte(cutoff))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(purged)
}
