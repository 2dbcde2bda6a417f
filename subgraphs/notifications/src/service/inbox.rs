//! The inbox: a recipient's notifications, unread counts, marking read, and the
//! delivery status of each notification per channel.

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use tessera_kit::{
    error::ServiceError,
    events::{catalogue::NotificationsRead, outbox},
    pagination::Page,
};
use uuid::Uuid;

use crate::{
    entity::{delivery, kinds::Channel, notification},
    reactions::PRODUCER,
    service::access::Access,
};

/// A live notification the caller may read (its recipient, or an administrator).
pub async fn by_id(
    db: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
) -> Result<Option<notification::Model>, ServiceError> {
    access.require()?;
    let found = notification::Entity::find_by_id(id)
        .filter(notification::Column::DeletedAt.is_null())
        .one(db)
        .await?;
    Ok(found.filter(|n| access.check_owner(n.recipient_id).is_ok()))
}

/// Marks one of the caller's notifications read (again: keeps the first time).
pub async fn mark_read<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    access: &Access,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<notification::Model, ServiceError> {
    let me = access.require()?;
    let found = notification::Entity::find_by_id(id)
        .filter(notification::Column::DeletedAt.is_null())
        .filter(notification::Column::RecipientId.eq(me))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no notification {id} of yours")))?;
    if found.read_at.is_some() {
        return Ok(found);
    }
    let mut row: notification::ActiveModel = found.into();
    row.read_at = Set(Some(now.trunc_subsecs(6)));
    let txn = tessera_kit::db::begin_write(db).await?;
    let read = row.update(&txn).await?;
    read_by(&txn, me, 1, now).await?;
    txn.commit().await?;
    Ok(read)
}

/// Announces that `recipient` read `count` notifications (their unread count changed).
async fn read_by(
    txn: &impl ConnectionTrait,
    recipient: Uuid,
    count: u64,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    if count > 0 {
        let read = NotificationsRead {
            recipient_id: recipient,
            count,
        };
        outbox::append(txn, PRODUCER, &read, now).await?;
    }
    Ok(())
}

/// Marks every unread notification of the caller read; returns how many.
pub async fn mark_all_read<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    access: &Access,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    let me = access.require()?;
    let txn = tessera_kit::db::begin_write(db).await?;
    let count = notification::Entity::update_many()
        .col_expr(
            notification::Column::ReadAt,
            Expr::value(now.trunc_subsecs(6)),
        )
        .filter(notification::Column::RecipientId.eq(me))
        .filter(notification::Column::ReadAt.is_null())
        .filter(notification::Column::DeletedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    read_by(&txn, me, count, now).await?;
    txn.commit().await?;
    Ok(count)
}

/// One page of the live notifications of each of `recipients` (only unread ones when
/// asked), in one statement.
pub async fn of_recipients(
    db: &impl ConnectionTrait,
    recipients: &[Uuid],
    unread_only: bool,
    page: &Page,
) -> Result<HashMap<Uuid, Vec<notification::Model>>, ServiceError> {
    let mut select = notification::Entity::find().filter(notification::Column::DeletedAt.is_null());
    if unread_only {
        select = select.filter(notification::Column::ReadAt.is_null());
    }
    Ok(page
        .load_per_parent(
            db,
            select,
            notification::Column::RecipientId,
            notification::Column::Id,
            recipients,
            |n| n.recipient_id,
        )
        .await?)
}

#[derive(Debug, FromQueryResult)]
struct Count {
    recipient_id: Uuid,
    unread: i64,
}

/// How many unread notifications each of `recipients` has (absent: none), in one
/// statement.
pub async fn unread_counts(
    db: &impl ConnectionTrait,
    recipients: &[Uuid],
) -> Result<HashMap<Uuid, i64>, ServiceError> {
    let rows = notification::Entity::find()
        .select_only()
        .column(notification::Column::RecipientId)
        .expr_as(Expr::col(notification::Column::Id).count(), "unread")
        .filter(notification::Column::RecipientId.is_in(recipients.iter().copied()))
        .filter(notification::Column::ReadAt.is_null())
        .filter(notification::Column::DeletedAt.is_null())
        .group_by(notification::Column::RecipientId)
        .into_model::<Count>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|c| (c.recipient_id, c.unread))
        .collect())
}

/// The deliveries of each of `notifications`, in channel order.
pub async fn deliveries_of(
    db: &impl ConnectionTrait,
    notifications: &[Uuid],
) -> Result<HashMap<Uuid, Vec<delivery::Model>>, ServiceError> {
    let rows = delivery::Entity::find()
        .filter(delivery::Column::NotificationId.is_in(notifications.iter().copied()))
        .order_by_asc(delivery::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<delivery::Model>> = HashMap::new();
    for row in rows {
        out.entry(row.notification_id).or_default().push(row);
    }
    for rows in out.values_mut() {
        rows.sort_by_key(|d| Channel::ALL.iter().position(|c| *c == d.channel));
    }
    Ok(out)
}

/// The delivery on `channel` of each of `notifications`, in one statement.
pub async fn deliveries_on(
    db: &impl ConnectionTrait,
    notifications: &[Uuid],
    channel: Channel,
) -> Result<HashMap<Uuid, delivery::Model>, ServiceError> {
    Ok(delivery::Entity::find()
        .filter(delivery::Column::NotificationId.is_in(notifications.iter().copied()))
        .filter(delivery::Column::Channel.eq(channel))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.notification_id, d))
        .collect())
}
