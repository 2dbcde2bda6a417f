//! GDPR: the export of every entry the caller wrote (private and deleted ones
//! included), and the erasure of their entries (soft: hidden from every query and
//! search at once).

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use tessera_kit::error::ServiceError;

use crate::{entity::entry, service::access::Access};

/// Every entry the caller wrote, oldest first.
pub async fn export(
    db: &impl ConnectionTrait,
    access: &Access,
) -> Result<Vec<entry::Model>, ServiceError> {
    let me = access.require()?;
    Ok(entry::Entity::find()
        .filter(entry::Column::AuthorId.eq(me))
        .order_by_asc(entry::Column::Id)
        .all(db)
        .await?)
}

/// Soft-deletes every live entry of the caller; returns how many.
pub async fn erase(
    db: &impl ConnectionTrait,
    access: &Access,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    let me = access.require()?;
    let now = now.trunc_subsecs(6);
    Ok(entry::Entity::update_many()
        .col_expr(entry::Column::DeletedAt, Expr::value(now))
        .col_expr(entry::Column::UpdatedAt, Expr::value(now))
        .filter(entry::Column::AuthorId.eq(me))
        .filter(entry::Column::DeletedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}
