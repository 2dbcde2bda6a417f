//! `User`, the users domain's entity, extended with training: plans, workouts,
//! assignments and progress statistics. This subgraph knows only the id; every other
//! field of `User` comes from the users subgraph.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result, ResultExt, SimpleObject};
use chrono::{DateTime, Duration, Utc};
use tessera_kit::{error::ServiceError, pagination::PageArgs};
use uuid::Uuid;

use crate::{
    graphql::{
        context::{access, loaders, now},
        exercise::Exercise,
        plan::{PlanAssignment, PlanAssignmentConnection, WorkoutPlan, WorkoutPlanConnection},
        workout::{Workout, WorkoutConnection},
    },
    service::{progress::Window, sessions::Range, validation},
};

/// A user as this subgraph knows them: by id.
#[derive(Clone)]
pub struct User {
    id: Uuid,
}

impl User {
    /// The user `id`.
    pub fn new(id: Uuid) -> Self {
        Self { id }
    }
}

/// A person on the platform (owned by the users subgraph). Here: their training plans,
/// workouts and progress.
#[Object]
impl User {
    /// Stable identifier (a UUIDv7), the same in every domain.
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// The user's workouts scheduled in `[from, to)`, in calendar-entry order. Visible to
    /// the athlete, their coaches and administrators. At most 100 per page.
    #[allow(clippy::too_many_arguments, reason = "Relay arguments plus filters")]
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn workouts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only workouts scheduled at or after this time.")] from: Option<
            DateTime<Utc>,
        >,
        #[graphql(desc = "Only workouts scheduled before this time.")] to: Option<DateTime<Utc>>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "How many from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "How many from the end (at most 100).")] last: Option<i32>,
    ) -> Result<Option<WorkoutConnection>> {
        access(ctx).check_athlete(self.id).extend()?;
        let range = Range { from, to }.checked().extend()?;
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page()
        .extend()?;
        let rows = loaders(ctx)
            .workout_pages
            .load_one((self.id, (range, page.clone())))
            .await
            .extend()?
            .unwrap_or_default();
        Ok(Some(page.connection(rows, |w| w.id, Workout).into()))
    }

    /// The plans this user wrote as a coach, oldest first. Visible to the coach and to
    /// administrators. At most 100 per page.
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn workout_plans(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Also list archived plans.", default = false)] include_archived: bool,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "How many from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "How many from the end (at most 100).")] last: Option<i32>,
    ) -> Result<Option<WorkoutPlanConnection>> {
        let access = access(ctx);
        access.require().extend()?;
        if !access.may_see_plan_of(self.id) {
            return Err(ServiceError::Forbidden(
                "only the coach and administrators may list a coach's plans".to_owned(),
            )
            .extend());
        }
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page()
        .extend()?;
        let rows = loaders(ctx)
            .plan_pages
            .load_one((self.id, (include_archived, page.clone())))
            .await
            .extend()?
            .unwrap_or_default();
        Ok(Some(page.connection(rows, |p| p.id, WorkoutPlan).into()))
    }

    /// The plans assigned to this user as an athlete, oldest first. Visible to the
    /// athlete, their coaches and administrators.
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn plan_assignments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "How many from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "How many from the end (at most 100).")] last: Option<i32>,
    ) -> Result<Option<PlanAssignmentConnection>> {
        access(ctx).check_athlete(self.id).extend()?;
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page()
        .extend()?;
        let rows = loaders(ctx)
            .assignment_pages
            .load_one((self.id, page.clone()))
            .await
            .extend()?
            .unwrap_or_default();
        Ok(Some(page.connection(rows, |a| a.id, PlanAssignment).into()))
    }

    /// Training statistics over the last `weeks` weeks (personal records are all-time).
    /// Visible to the athlete, their coaches and administrators.
    ///
    /// Part of the paid plans: the `premium` policy (a premium or pro caller).
    #[graphql(directive = tessera_kit::directives::policy::apply(vec![vec!["premium".to_owned()]]), directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many weeks back from now (1–52).", default = 8)] weeks: i32,
    ) -> Result<Option<ProgressStats>> {
        access(ctx).check_athlete(self.id).extend()?;
        let weeks = validation::within("weeks", weeks, 1..=52).extend()?;
        let until = now(ctx);
        let window = Window {
            since: until - Duration::weeks(i64::from(weeks)),
            until,
        };
        let stats = loaders(ctx)
            .stats
            .load_one((self.id, window))
            .await
            .extend()?
            .unwrap_or_default();
        Ok(Some(ProgressStats {
            since: window.since,
            until: window.until,
            weekly_volume: stats
                .weekly_volume
                .iter()
                .map(|w| WeekVolume {
                    week_start: w.week_start.and_time(chrono::NaiveTime::MIN).and_utc(),
                    volume_kg: w.volume_kg,
                    sets: w.sets,
                })
                .collect(),
            scheduled_workouts: stats.scheduled,
            completed_workouts: stats.completed,
            adherence_rate: stats.adherence_rate(),
            personal_records: stats
                .personal_records
                .iter()
                .map(|r| PersonalRecord {
                    exercise_id: r.exercise_id,
                    weight_kg: r.weight_kg,
                    reps: r.reps,
                })
                .collect(),
        }))
    }
}

/// An athlete's training statistics, computed by the database.
#[derive(SimpleObject)]
pub struct ProgressStats {
    /// Start of the window (inclusive).
    pub since: DateTime<Utc>,
    /// End of the window (exclusive): the time of the request.
    pub until: DateTime<Utc>,
    /// Volume per week with completed training, oldest first.
    pub weekly_volume: Vec<WeekVolume>,
    /// Workouts scheduled in the window.
    pub scheduled_workouts: i64,
    /// Of those, how many were completed.
    pub completed_workouts: i64,
    /// Completed ÷ scheduled (0–1); `null` when nothing was scheduled.
    pub adherence_rate: Option<f64>,
    /// The best set per exercise, all-time, in catalogue order.
    pub personal_records: Vec<PersonalRecord>,
}

/// Training volume of one week.
#[derive(SimpleObject)]
pub struct WeekVolume {
    /// Monday 00:00 UTC of the week.
    pub week_start: DateTime<Utc>,
    /// Sum of reps × weight in kilograms of the week's completed workouts.
    pub volume_kg: f64,
    /// Sets logged in those workouts.
    pub sets: i64,
}

/// The best an athlete ever did on one exercise.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PersonalRecord {
    #[graphql(skip)]
    pub exercise_id: Uuid,
    /// Heaviest weight of any set, in kilograms.
    pub weight_kg: f64,
    /// Most repetitions in one set, at any weight.
    pub reps: i64,
}

#[async_graphql::ComplexObject]
impl PersonalRecord {
    /// The exercise.
    async fn exercise(&self, ctx: &Context<'_>) -> Result<Option<Exercise>> {
        Ok(loaders(ctx)
            .exercises
            .load_one(self.exercise_id)
            .await
            .extend()?
            .map(Exercise))
    }
}
