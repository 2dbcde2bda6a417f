//! Entity resolution: `User` by `id` (a stub), and codex entries by `id` for callers who
//! may read them: as the `CodexEntry` interface (what a subgraph that sees it as an
//! `@interfaceObject` sends, answered with the concrete kind) or as one of its kinds.

use async_graphql::{Context, ID, Object, Result, ResultExt};
use uuid::Uuid;

use crate::{
    entity::entry::{self, Kind},
    graphql::{
        context::{access, loaders},
        entry::{CodexArticle, CodexEntry, CodexPractice, shown},
        user::User,
    },
};

/// `_entities` resolvers.
#[derive(Default)]
pub struct CodexEntities;

/// The live entry `id` if the caller may read it.
async fn readable(ctx: &Context<'_>, id: &ID) -> Result<Option<entry::Model>> {
    let Ok(id) = Uuid::parse_str(id.as_str()) else {
        return Ok(None);
    };
    let access = access(ctx);
    Ok(loaders(ctx)
        .entries
        .load_one(id)
        .await
        .extend()?
        .filter(|e| access.may_read(e))
        .map(|e| shown(ctx, e)))
}

#[Object]
impl CodexEntities {
    /// `User` by its key `id`; `null` for a malformed id.
    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        Uuid::parse_str(id.as_str()).ok().map(User::new)
    }

    /// A `CodexEntry` by its key `id`, as its kind; `null` when unknown, deleted or
    /// private to someone else.
    #[graphql(entity)]
    async fn find_codex_entry_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<CodexEntry>> {
        Ok(readable(ctx, &id).await?.map(CodexEntry::from))
    }

    /// A `CodexArticle` by its key `id`; `null` as for `CodexEntry`, or when the entry
    /// is a practice.
    #[graphql(entity)]
    async fn find_codex_article_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<CodexArticle>> {
        Ok(readable(ctx, &id)
            .await?
            .filter(|e| e.kind == Kind::Article)
            .map(CodexArticle))
    }

    /// A `CodexPractice` by its key `id`; `null` as for `CodexEntry`, or when the entry
    /// is an article.
    #[graphql(entity)]
    async fn find_codex_practice_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<CodexPractice>> {
        Ok(readable(ctx, &id)
            .await?
            .filter(|e| e.kind == Kind::Practice)
            .map(CodexPractice))
    }
}
