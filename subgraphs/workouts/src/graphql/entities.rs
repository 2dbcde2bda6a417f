//! Entity resolution: how the router turns a representation into an object here.
//!
//! - `User` by `id`: a stub (the users subgraph owns the person); its training fields
//!   check access when they resolve.
//! - `Exercise` by `id` or by `slug`: two keys, so a partner integration that knows
//!   only slugs can still join.
//! - `Workout` by `id`: what the journal's entries link to; `null` for workouts the
//!   caller may not see.
//! - `CodexArticle` and `CodexPractice` by `id`, with the `title` `exercises` requires:
//!   stubs, since whether the caller may read the entry was decided by the codex, which
//!   the router asked first.

use async_graphql::{Context, ID, Object, Result, ResultExt};
use uuid::Uuid;

use crate::{
    graphql::{
        codex::{CodexArticle, CodexPractice, Entry},
        context::{access, db, loaders},
        exercise::Exercise,
        user::User,
        workout::Workout,
    },
    service::catalogue,
};

/// `_entities` resolvers.
#[derive(Default)]
pub struct WorkoutEntities;

#[Object]
impl WorkoutEntities {
    /// `User` by its key `id`; `null` for a malformed id.
    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        Uuid::parse_str(id.as_str()).ok().map(User::new)
    }

    /// `Exercise` by its key `id`.
    #[graphql(entity)]
    async fn find_exercise_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Exercise>> {
        let Ok(id) = Uuid::parse_str(id.as_str()) else {
            return Ok(None);
        };
        Ok(loaders(ctx)
            .exercises
            .load_one(id)
            .await
            .extend()?
            .map(Exercise))
    }

    /// `Exercise` by its key `slug`.
    #[graphql(entity)]
    async fn find_exercise_by_slug(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> Result<Option<Exercise>> {
        Ok(catalogue::by_slug(db(ctx), &slug)
            .await
            .extend()?
            .map(Exercise))
    }

    /// `CodexArticle` by its key `id`, with the `title` a `@requires` field needs;
    /// `null` for a malformed id.
    #[graphql(entity)]
    async fn find_codex_article_by_id(
        &self,
        #[graphql(key)] id: ID,
        title: Option<String>,
    ) -> Option<CodexArticle> {
        entry(&id, title).map(CodexArticle)
    }

    /// `CodexPractice` by its key `id`, with the `title` a `@requires` field needs;
    /// `null` for a malformed id.
    #[graphql(entity)]
    async fn find_codex_practice_by_id(
        &self,
        #[graphql(key)] id: ID,
        title: Option<String>,
    ) -> Option<CodexPractice> {
        entry(&id, title).map(CodexPractice)
    }

    /// `Workout` by its key `id`; `null` when unknown, deleted or not the caller's to see.
    #[graphql(entity)]
    async fn find_workout_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Workout>> {
        let Ok(id) = Uuid::parse_str(id.as_str()) else {
            return Ok(None);
        };
        let access = access(ctx);
        Ok(loaders(ctx)
            .workouts
            .load_one(id)
            .await
            .extend()?
            .filter(|w| access.may_see_athlete(w.athlete_id))
            .map(Workout))
    }
}

/// A codex entry by its `id` (`None` when malformed), with its `title` if sent.
fn entry(id: &ID, title: Option<String>) -> Option<Entry> {
    Uuid::parse_str(id.as_str())
        .ok()
        .map(|id| Entry::new(id, title))
}
