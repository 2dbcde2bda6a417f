//! Removing for good the entries soft-deleted by their author (see
//! [`super::entries::delete`]) or by an erasure (see [`super::privacy::erase`]) once
//! their retention has passed. Until then the author can restore them.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use tessera_kit::{error::ServiceError, purge::Retention};

use crate::entity::entry;

/// Removes every entry soft-deleted at or before `retention.cutoff(now)`; returns how
/// many.
pub async fn purge_deleted(
    db: &impl ConnectionTrait,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    Ok(entry::Entity::delete_many()
        .filter(entry::Column::DeletedAt.lte(retention.cutoff(now)))
        .exec(db)
        .await?
        .rows_affected)
}
