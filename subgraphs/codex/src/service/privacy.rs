//! GDPR: the export of every entry the caller wrote (private and deleted ones
//! included), and the erasure of their entries (soft: hidden from every query and
//! search at once).

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use tessera_kit::{error::ServiceError, privacy::OwnedRows};
use uuid::Uuid;

use crate::{entity::entry, service::access::Access};

/// Entries belong to their author; erasing one also stamps `updated_at`.
const ENTRIES: OwnedRows<entry::Entity> = OwnedRows {
    owner: entry::Column::AuthorId,
    order: entry::Column::Id,
    deleted_at: entry::Column::DeletedAt,
    updated_at: Some(entry::Column::UpdatedAt),
};

/// Every entry the caller wrote, oldest first.
pub async fn export(
    db: &impl ConnectionTrait,
    access: &Access,
) -> Result<Vec<entry::Model>, ServiceError> {
    ENTRIES.export(db, access.require()?).await
}

/// Soft-deletes every live entry of the caller; returns how many.
pub async fn erase(
    db: &impl ConnectionTrait,
    access: &Access,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    ENTRIES.erase(db, access.require()?, now).await
}

/// Soft-deletes every live entry of `owner` (after their account was deleted); returns
/// how many.
pub async fn erase_owner(
    db: &impl ConnectionTrait,
    owner: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    ENTRIES.erase(db, owner, now).await
}
