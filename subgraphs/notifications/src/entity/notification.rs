//! A notification to one recipient. Soft-deleted when the recipient erases their data.

use sea_orm::entity::prelude::*;

use super::kinds::NotificationKind;

/// A row of `notifications`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub recipient_id: Uuid,
    /// Who sent it; `None` for the platform.
    pub sender_id: Option<Uuid>,
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    /// A JSON object for the app (deep link, ids), as text.
    pub data: String,
    /// The sender's key for this send: a retry with the same key finds this row.
    pub idempotency_key: String,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
