//! A coach's training plan. Archived plans stay readable but take no new assignments;
//! soft-deleted ones (the coach erased their data) are invisible.

use sea_orm::entity::prelude::*;

/// A row of `workout_plans`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workout_plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The authoring coach (a user id).
    pub coach_id: Uuid,
    pub title: String,
    pub goal: String,
    /// Length in weeks (1–52).
    pub weeks: i32,
    pub archived_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
