//! Input types.

use async_graphql::{ID, InputObject, Result};
use chrono::{DateTime, Utc};

use crate::{
    graphql::context::uuid_arg,
    service::{
        plans::{NewPlan, NewTarget, PlanUpdate},
        sessions::{NewSet, NewWorkout},
    },
};

/// A new training plan.
#[derive(InputObject)]
pub struct CreateWorkoutPlanInput {
    /// Title (1–120 characters).
    pub title: String,
    /// What the plan trains for (at most 500 characters).
    #[graphql(default)]
    pub goal: String,
    /// Length in weeks (1–52).
    pub weeks: i32,
    /// The training days, each with its exercises.
    pub sessions: Vec<PlanSessionInput>,
}

/// One training day of a new plan.
#[derive(InputObject)]
pub struct PlanSessionInput {
    /// Week of the plan, from 1 to the plan's length.
    pub week: i32,
    /// Day of the week: 1 (Monday) to 7 (Sunday).
    pub day: i32,
    /// Its exercises, in order.
    pub exercises: Vec<ExerciseTargetInput>,
}

/// One exercise of a session, with its targets.
#[derive(InputObject)]
pub struct ExerciseTargetInput {
    /// A catalogue exercise's id.
    pub exercise_id: ID,
    /// Sets to do (1–20).
    pub sets: i32,
    /// Repetitions per set (1–100).
    pub reps: i32,
    /// Load per repetition in kilograms (0–1000), if any.
    pub weight_kg: Option<f64>,
}

impl CreateWorkoutPlanInput {
    /// The service's input.
    pub fn into_new_plan(self) -> Result<NewPlan> {
        let mut targets = Vec::new();
        for session in self.sessions {
            for exercise in session.exercises {
                targets.push(NewTarget {
                    week: session.week,
                    day: session.day,
                    exercise_id: uuid_arg(&exercise.exercise_id, "exerciseId")?,
                    sets: exercise.sets,
                    reps: exercise.reps,
                    weight_kg: exercise.weight_kg,
                });
            }
        }
        Ok(NewPlan {
            title: self.title,
            goal: self.goal,
            weeks: self.weeks,
            targets,
        })
    }
}

/// Plan changes; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateWorkoutPlanInput {
    /// New title.
    pub title: Option<String>,
    /// New goal.
    pub goal: Option<String>,
}

impl From<UpdateWorkoutPlanInput> for PlanUpdate {
    fn from(input: UpdateWorkoutPlanInput) -> Self {
        PlanUpdate {
            title: input.title,
            goal: input.goal,
        }
    }
}

/// A workout to put in a calendar.
#[derive(InputObject)]
pub struct ScheduleWorkoutInput {
    /// Whose calendar: the caller's own, or an athlete the caller coaches.
    pub athlete_id: ID,
    /// What it is (1–120 characters).
    pub title: String,
    /// When.
    pub scheduled_at: DateTime<Utc>,
}

impl ScheduleWorkoutInput {
    /// The service's input.
    pub fn into_new_workout(self) -> Result<NewWorkout> {
        Ok(NewWorkout {
            athlete_id: uuid_arg(&self.athlete_id, "athleteId")?,
            title: self.title,
            scheduled_at: self.scheduled_at,
        })
    }
}

/// A set to log.
#[derive(InputObject)]
pub struct LogSetInput {
    /// A catalogue exercise's id.
    pub exercise_id: ID,
    /// Repetitions done (0–1000).
    pub reps: i32,
    /// Load per repetition in kilograms (0–1000; 0 for bodyweight).
    #[graphql(default)]
    pub weight_kg: f64,
    /// Rate of perceived exertion, 1–10 in steps of 0.5.
    pub rpe: Option<f64>,
    /// Time under work in seconds, for timed sets.
    pub duration_seconds: Option<i32>,
}

impl LogSetInput {
    /// The service's input.
    pub fn into_new_set(self) -> Result<NewSet> {
        Ok(NewSet {
            exercise_id: uuid_arg(&self.exercise_id, "exerciseId")?,
            reps: self.reps,
            weight_kg: self.weight_kg,
            rpe: self.rpe,
            duration_seconds: self.duration_seconds,
        })
    }
}
