//! sea-orm models of the workouts domain.

pub mod assignment;
pub mod exercise;
pub mod plan;
pub mod plan_target;
pub mod workout;
pub mod workout_set;
