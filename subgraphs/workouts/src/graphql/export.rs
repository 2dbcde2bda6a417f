//! Payloads of the GDPR export and erasure.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};

use crate::{
    graphql::{
        plan::{PlanAssignment, WorkoutPlan},
        workout::Workout,
    },
    service::privacy::{Erased, Export},
};

/// Everything the workouts domain holds about the caller.
#[derive(SimpleObject)]
pub struct WorkoutDataExport {
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// The caller's workouts with their sets, oldest first.
    pub workouts: Vec<Workout>,
    /// The plans the caller wrote, with their sessions.
    pub plans: Vec<WorkoutPlan>,
    /// The plan assignments the caller is part of, as coach or athlete.
    pub assignments: Vec<PlanAssignment>,
}

impl From<Export> for WorkoutDataExport {
    fn from(export: Export) -> Self {
        Self {
            exported_at: export.exported_at,
            workouts: export.workouts.into_iter().map(Workout).collect(),
            plans: export.plans.into_iter().map(WorkoutPlan).collect(),
            assignments: export.assignments.into_iter().map(PlanAssignment).collect(),
        }
    }
}

/// What erasing the caller's training data removed.
#[derive(SimpleObject)]
pub struct WorkoutDataErasure {
    /// Workouts hidden from every query.
    pub workouts: u64,
    /// Plans hidden from every query.
    pub plans: u64,
    /// Plan assignments removed.
    pub assignments: u64,
}

impl From<Erased> for WorkoutDataErasure {
    fn from(erased: Erased) -> Self {
        Self {
            workouts: erased.workouts,
            plans: erased.plans,
            assignments: erased.assignments,
        }
    }
}
