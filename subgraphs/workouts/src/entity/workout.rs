//! An athlete's training session: scheduled (perhaps from a plan), then completed.
//! Soft-deleted when the athlete erases their data.

use sea_orm::entity::prelude::*;

/// A row of `workouts`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workouts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub athlete_id: Uuid,
    /// The coach whose plan scheduled it, if any.
    pub coach_id: Option<Uuid>,
    pub plan_id: Option<Uuid>,
    pub title: String,
    pub scheduled_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
    pub duration_seconds: Option<i32>,
    pub created_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
