//! One logged set of a workout.

use sea_orm::entity::prelude::*;

/// A row of `workout_sets`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "workout_sets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub workout_id: Uuid,
    pub exercise_id: Uuid,
    pub reps: i32,
    pub weight_kg: f64,
    /// Rate of perceived exertion, 1–10.
    pub rpe: Option<f64>,
    pub duration_seconds: Option<i32>,
    pub logged_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
