//! A user's quiet hours: local minutes of the day, in the zone recorded with them.

use sea_orm::entity::prelude::*;

/// A row of `quiet_hours`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "quiet_hours")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// Start, minutes after local midnight (inclusive).
    pub start_minute: i32,
    /// End, minutes after local midnight (exclusive); before `start` when the quiet
    /// hours span midnight.
    pub end_minute: i32,
    /// The IANA zone the worker evaluates them in.
    pub timezone: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
