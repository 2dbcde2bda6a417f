//! Root mutation fields.

use async_graphql::{Context, ID, Object, Result, ResultExt};
use chrono::{DateTime, Utc};

use crate::{
    graphql::{
        context::{access, db, now, uuid_arg},
        export::{WorkoutDataErasure, WorkoutDataExport},
        inputs::{
            CreateWorkoutPlanInput, LogSetInput, ScheduleWorkoutInput, UpdateWorkoutPlanInput,
        },
        plan::{PlanAssignment, WorkoutPlan},
        workout::{Workout, WorkoutSet},
    },
    service::{plans, privacy, sessions},
};

/// Root mutation type.
#[derive(Default)]
pub struct Mutation;

/// Changes to plans and workouts, and the caller's training data (GDPR).
#[Object]
impl Mutation {
    /// Creates a plan authored by the calling coach. Each invalid value is a
    /// `BAD_USER_INPUT` error whose `extensions.field` names the input field.
    ///
    /// Needs the `plans:write` scope (coaches and administrators); the router refuses it to others.
    #[graphql(requires_scopes = "plans:write")]
    async fn create_workout_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan with its sessions.")] input: CreateWorkoutPlanInput,
    ) -> Result<WorkoutPlan> {
        let access = access(ctx);
        let plan = plans::create(db(ctx), access, input.into_new_plan()?, now(ctx))
            .await
            .extend()?;
        Ok(WorkoutPlan(plan))
    }

    /// Changes the title or goal of one of the caller's plans.
    ///
    /// Needs the `plans:write` scope (coaches and administrators); the router refuses it to others.
    #[graphql(requires_scopes = "plans:write")]
    async fn update_workout_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan's id.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateWorkoutPlanInput,
    ) -> Result<WorkoutPlan> {
        let id = uuid_arg(&id, "id")?;
        let access = access(ctx);
        let plan = plans::update(db(ctx), access, id, input.into(), now(ctx))
            .await
            .extend()?;
        Ok(WorkoutPlan(plan))
    }

    /// Archives one of the caller's plans: it stays readable and takes no new
    /// assignments.
    ///
    /// Needs the `plans:write` scope (coaches and administrators); the router refuses it to others.
    #[graphql(requires_scopes = "plans:write")]
    async fn archive_workout_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan's id.")] id: ID,
    ) -> Result<WorkoutPlan> {
        let id = uuid_arg(&id, "id")?;
        let access = access(ctx);
        let plan = plans::archive(db(ctx), access, id, now(ctx))
            .await
            .extend()?;
        Ok(WorkoutPlan(plan))
    }

    /// Assigns one of the caller's plans to an athlete; every session of the plan is
    /// scheduled in the athlete's calendar from `startsAt`.
    ///
    /// Needs the `plans:write` scope (coaches and administrators); the router refuses it to others.
    #[graphql(requires_scopes = "plans:write")]
    async fn assign_workout_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan's id.")] plan_id: ID,
        #[graphql(desc = "The athlete's user id.")] athlete_id: ID,
        #[graphql(desc = "When week 1, day 1 falls.")] starts_at: DateTime<Utc>,
    ) -> Result<PlanAssignment> {
        let plan_id = uuid_arg(&plan_id, "planId")?;
        let athlete_id = uuid_arg(&athlete_id, "athleteId")?;
        let access = access(ctx);
        let (assignment, _) =
            plans::assign(db(ctx), access, plan_id, athlete_id, starts_at, now(ctx))
                .await
                .extend()?;
        Ok(PlanAssignment(assignment))
    }

    /// Puts a workout in the caller's calendar, or in the calendar of an athlete the
    /// caller coaches.
    async fn schedule_workout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The workout.")] input: ScheduleWorkoutInput,
    ) -> Result<Workout> {
        let access = access(ctx);
        let workout = sessions::schedule(db(ctx), access, input.into_new_workout()?, now(ctx))
            .await
            .extend()?;
        Ok(Workout(workout))
    }

    /// Logs a set on one of the caller's workouts.
    async fn log_set(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The workout's id.")] workout_id: ID,
        #[graphql(desc = "The set.")] input: LogSetInput,
    ) -> Result<WorkoutSet> {
        let workout_id = uuid_arg(&workout_id, "workoutId")?;
        let access = access(ctx);
        let set = sessions::log_set(db(ctx), access, workout_id, input.into_new_set()?, now(ctx))
            .await
            .extend()?;
        Ok(WorkoutSet(set))
    }

    /// Marks one of the caller's workouts completed now. Completing twice is a
    /// `CONFLICT`.
    async fn complete_workout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The workout's id.")] workout_id: ID,
        #[graphql(desc = "How long it took, in seconds.")] duration_seconds: Option<i32>,
    ) -> Result<Workout> {
        let workout_id = uuid_arg(&workout_id, "workoutId")?;
        let access = access(ctx);
        let workout = sessions::complete(db(ctx), access, workout_id, duration_seconds, now(ctx))
            .await
            .extend()?;
        Ok(Workout(workout))
    }

    /// Everything this domain holds about the caller, for download (GDPR data export).
    async fn export_my_workout_data(&self, ctx: &Context<'_>) -> Result<WorkoutDataExport> {
        let access = access(ctx);
        let export = privacy::export(db(ctx), access, now(ctx)).await.extend()?;
        Ok(export.into())
    }

    /// Erases the caller's training data (GDPR): their workouts and plans disappear from
    /// every query at once; plan assignments they are part of are removed.
    async fn delete_my_workout_data(&self, ctx: &Context<'_>) -> Result<WorkoutDataErasure> {
        let access = access(ctx);
        let erased = privacy::erase(db(ctx), access, now(ctx)).await.extend()?;
        Ok(erased.into())
    }
}
