//! The outbox: one row per notification and channel, written in the notification's
//! transaction, advanced by the delivery worker.

use sea_orm::entity::prelude::*;

use super::kinds::{Channel, DeliveryStatus};

/// A row of `deliveries`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub notification_id: Uuid,
    pub recipient_id: Uuid,
    pub channel: Channel,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// Why it was skipped or failed.
    pub detail: Option<String>,
    /// Not to be delivered before (quiet hours, retry back-off).
    pub not_before: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
