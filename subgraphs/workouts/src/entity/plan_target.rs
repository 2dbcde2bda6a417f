//! One exercise of one session of a plan, with its targets. A session is the targets
//! sharing a `(week, day)`.

use sea_orm::entity::prelude::*;

/// A row of `plan_targets`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_targets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    /// 1-based week of the plan.
    pub week: i32,
    /// 1 (Monday) – 7 (Sunday).
    pub day: i32,
    /// Order within the session.
    pub position: i32,
    pub exercise_id: Uuid,
    pub sets: i32,
    pub reps: i32,
    pub weight_kg: Option<f64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
