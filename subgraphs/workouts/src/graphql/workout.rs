//! The `Workout` and `WorkoutSet` types.

use async_graphql::{Context, Enum, ID, Object, Result, ResultExt};
use chrono::{DateTime, Utc};

use crate::{
    entity::{workout, workout_set},
    graphql::{
        context::{loaders, now},
        exercise::Exercise,
        plan::WorkoutPlan,
        user::User,
    },
};

/// A workout as GraphQL shows it.
#[derive(Clone)]
pub struct Workout(pub workout::Model);

tessera_kit::connection!(
    WorkoutConnection,
    WorkoutEdge,
    Workout,
    "A page of workouts, in the order they were put in the calendar."
);

/// Where a workout stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum WorkoutStatus {
    /// In the calendar, not done yet, still ahead.
    Scheduled,
    /// Done.
    Completed,
    /// Its time passed without it being completed.
    Missed,
}

/// An athlete's training session: scheduled (by the athlete, or by a coach's plan),
/// then logged set by set and completed. Visible to the athlete, the coach who planned
/// for them and administrators.
#[Object]
impl Workout {
    /// Stable identifier (a UUIDv7).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// What the session is, e.g. `Strength base · week 1, day 1`.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The athlete who trains.
    async fn athlete(&self) -> User {
        User::new(self.0.athlete_id)
    }

    /// The coach whose plan scheduled it, if any.
    async fn coach(&self) -> Option<User> {
        self.0.coach_id.map(User::new)
    }

    /// The plan it comes from, if any (and if the plan still exists).
    async fn plan(&self, ctx: &Context<'_>) -> Result<Option<WorkoutPlan>> {
        let Some(id) = self.0.plan_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)
            .plans
            .load_one(id)
            .await
            .extend()?
            .map(WorkoutPlan))
    }

    /// When it is (or was) scheduled.
    async fn scheduled_at(&self) -> DateTime<Utc> {
        self.0.scheduled_at
    }

    /// When the athlete completed it, if they did.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }

    /// How long it took, in seconds, if the athlete said so.
    async fn duration_seconds(&self) -> Option<i32> {
        self.0.duration_seconds
    }

    /// Scheduled, completed or missed, as of this request.
    async fn status(&self, ctx: &Context<'_>) -> WorkoutStatus {
        match self.0.completed_at {
            Some(_) => WorkoutStatus::Completed,
            None if self.0.scheduled_at < now(ctx) => WorkoutStatus::Missed,
            None => WorkoutStatus::Scheduled,
        }
    }

    /// The sets logged, in logging order.
    async fn sets(&self, ctx: &Context<'_>) -> Result<Vec<WorkoutSet>> {
        Ok(loaders(ctx)
            .sets
            .load_one((self.0.id, ()))
            .await
            .extend()?
            .unwrap_or_default()
            .into_iter()
            .map(WorkoutSet)
            .collect())
    }

    /// Total volume: the sum of reps × weight over the logged sets, in kilograms.
    async fn volume_kg(&self, ctx: &Context<'_>) -> Result<f64> {
        let sets = loaders(ctx)
            .sets
            .load_one((self.0.id, ()))
            .await
            .extend()?
            .unwrap_or_default();
        Ok(sets.iter().map(|s| f64::from(s.reps) * s.weight_kg).sum())
    }
}

/// One logged set as GraphQL shows it.
#[derive(Clone)]
pub struct WorkoutSet(pub workout_set::Model);

/// One set of one exercise, as the athlete logged it.
#[Object]
impl WorkoutSet {
    /// Stable identifier (a UUIDv7).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The exercise.
    async fn exercise(&self, ctx: &Context<'_>) -> Result<Option<Exercise>> {
        Ok(loaders(ctx)
            .exercises
            .load_one(self.0.exercise_id)
            .await
            .extend()?
            .map(Exercise))
    }

    /// Repetitions done.
    async fn reps(&self) -> i32 {
        self.0.reps
    }

    /// Load per repetition in kilograms (0 for bodyweight).
    async fn weight_kg(&self) -> f64 {
        self.0.weight_kg
    }

    /// Rate of perceived exertion, 1–10, if logged.
    async fn rpe(&self) -> Option<f64> {
        self.0.rpe
    }

    /// Time under work in seconds, for timed sets.
    async fn duration_seconds(&self) -> Option<i32> {
        self.0.duration_seconds
    }

    /// When it was logged.
    async fn logged_at(&self) -> DateTime<Utc> {
        self.0.logged_at
    }
}
