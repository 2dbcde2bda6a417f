//! Root query fields.

use async_graphql::{Context, ID, Object, Result, ResultExt};
use tessera_kit::pagination::PageArgs;

use crate::{
    entity::exercise::MuscleGroup,
    graphql::{
        context::{access, db, uuid_arg},
        exercise::{Exercise, ExerciseConnection},
        plan::WorkoutPlan,
        workout::Workout,
    },
    service::{catalogue, plans, sessions},
};

/// Finding exercises, plans and workouts.
#[derive(Default)]
pub struct WorkoutQuery;

/// The root query type of the workouts subgraph.
#[Object]
impl WorkoutQuery {
    /// The exercise catalogue, in catalogue order, optionally only exercises training a
    /// muscle group. Open to everyone, partners included. At most 100 per page.
    #[graphql(tag = "partner", directive = tessera_kit::directives::cache_control::apply(Some(3600), None, None))]
    async fn exercises(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only exercises training this muscle group.")] muscle_group: Option<
            MuscleGroup,
        >,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "How many from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "How many from the end (at most 100).")] last: Option<i32>,
    ) -> Result<ExerciseConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page()
        .extend()?;
        let rows = catalogue::list(db(ctx), muscle_group, &page)
            .await
            .extend()?;
        Ok(page.connection(rows, |e| e.id, Exercise).into())
    }

    /// A catalogue exercise by its slug (e.g. `back-squat`), or `null`.
    #[graphql(tag = "partner", directive = tessera_kit::directives::cache_control::apply(Some(3600), None, None))]
    async fn exercise(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The exercise's slug.")] slug: String,
    ) -> Result<Option<Exercise>> {
        Ok(catalogue::by_slug(db(ctx), &slug)
            .await
            .extend()?
            .map(Exercise))
    }

    /// A workout by id, or `null` when there is none the caller may see.
    async fn workout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The workout's id.")] id: ID,
    ) -> Result<Option<Workout>> {
        let id = uuid_arg(&id, "id")?;
        let access = access(ctx);
        Ok(sessions::by_id(db(ctx), access, id)
            .await
            .extend()?
            .map(Workout))
    }

    /// A plan by id, or `null` when there is none the caller may see (its coach, the
    /// athletes it is assigned to and administrators may).
    async fn workout_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan's id.")] id: ID,
    ) -> Result<Option<WorkoutPlan>> {
        let id = uuid_arg(&id, "id")?;
        let access = access(ctx);
        Ok(plans::visible(db(ctx), access, id)
            .await
            .extend()?
            .map(WorkoutPlan))
    }
}
