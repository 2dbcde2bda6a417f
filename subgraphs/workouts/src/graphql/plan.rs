//! The `WorkoutPlan`, its sessions and targets, and `PlanAssignment`.

use async_graphql::{Context, ID, Object, Result, ResultExt, SimpleObject};
use chrono::{DateTime, Utc};

use crate::{
    entity::{assignment, plan, plan_target},
    graphql::{context::loaders, exercise::Exercise, user::User},
};

/// A plan as GraphQL shows it.
#[derive(Clone)]
pub struct WorkoutPlan(pub plan::Model);

tessera_kit::connection!(
    WorkoutPlanConnection,
    WorkoutPlanEdge,
    WorkoutPlan,
    "A page of training plans, oldest first."
);

/// A coach's training plan: weeks of sessions, each a list of exercises with targets.
/// Visible to its coach, the athletes it is assigned to and administrators.
#[Object]
impl WorkoutPlan {
    /// Stable identifier (a UUIDv7).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Title, e.g. `Strength base`.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// What the plan trains for.
    async fn goal(&self) -> &str {
        &self.0.goal
    }

    /// Length in weeks.
    async fn weeks(&self) -> i32 {
        self.0.weeks
    }

    /// The coach who wrote it.
    async fn coach(&self) -> User {
        User::new(self.0.coach_id)
    }

    /// When it was archived (no new assignments), if it was.
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Its sessions in calendar order (week, then day).
    async fn sessions(&self, ctx: &Context<'_>) -> Result<Vec<PlanSession>> {
        let targets = loaders(ctx)
            .targets
            .load_one((self.0.id, ()))
            .await
            .extend()?
            .unwrap_or_default();
        let mut sessions: Vec<PlanSession> = Vec::new();
        for target in targets {
            match sessions.last_mut() {
                Some(s) if s.week == target.week && s.day == target.day => {
                    s.exercises.push(ExerciseTarget(target));
                }
                _ => sessions.push(PlanSession {
                    week: target.week,
                    day: target.day,
                    exercises: vec![ExerciseTarget(target)],
                }),
            }
        }
        Ok(sessions)
    }
}

/// One training day of a plan.
#[derive(SimpleObject)]
pub struct PlanSession {
    /// Week of the plan, from 1.
    pub week: i32,
    /// Day of the week: 1 (Monday) to 7 (Sunday).
    pub day: i32,
    /// Its exercises, in order.
    pub exercises: Vec<ExerciseTarget>,
}

/// What to do of one exercise in a session.
pub struct ExerciseTarget(pub plan_target::Model);

/// One exercise of a session, with its targets.
#[Object]
impl ExerciseTarget {
    /// The exercise.
    async fn exercise(&self, ctx: &Context<'_>) -> Result<Option<Exercise>> {
        Ok(loaders(ctx)
            .exercises
            .load_one(self.0.exercise_id)
            .await
            .extend()?
            .map(Exercise))
    }

    /// Sets to do.
    async fn sets(&self) -> i32 {
        self.0.sets
    }

    /// Repetitions per set.
    async fn reps(&self) -> i32 {
        self.0.reps
    }

    /// Load per repetition in kilograms, if the plan sets one.
    async fn weight_kg(&self) -> Option<f64> {
        self.0.weight_kg
    }
}

/// An assignment as GraphQL shows it.
#[derive(Clone)]
pub struct PlanAssignment(pub assignment::Model);

tessera_kit::connection!(
    PlanAssignmentConnection,
    PlanAssignmentEdge,
    PlanAssignment,
    "A page of plan assignments, oldest first."
);

/// A coach gave an athlete one of their plans; its sessions went into the athlete's
/// calendar as workouts.
#[Object]
impl PlanAssignment {
    /// Stable identifier (a UUIDv7).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The plan (`null` once its coach erased it).
    async fn plan(&self, ctx: &Context<'_>) -> Result<Option<WorkoutPlan>> {
        Ok(loaders(ctx)
            .plans
            .load_one(self.0.plan_id)
            .await
            .extend()?
            .map(WorkoutPlan))
    }

    /// The coach who assigned it.
    async fn coach(&self) -> User {
        User::new(self.0.coach_id)
    }

    /// The athlete who follows it.
    async fn athlete(&self) -> User {
        User::new(self.0.athlete_id)
    }

    /// When week 1, day 1 falls.
    async fn starts_at(&self) -> DateTime<Utc> {
        self.0.starts_at
    }

    /// When the coach assigned it.
    async fn assigned_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
