//! Entity resolution: `User` by `id` (a stub), and `CodexEntry` by `id` for callers who
//! may read it.

use async_graphql::{Context, ID, Object, Result, ResultExt};
use uuid::Uuid;

use crate::graphql::{
    context::{access, loaders},
    entry::CodexEntry,
    user::User,
};

/// `_entities` resolvers.
#[derive(Default)]
pub struct CodexEntities;

#[Object]
impl CodexEntities {
    /// `User` by its key `id`; `null` for a malformed id.
    #[graphql(entity)]
    async fn find_user_by_id(&self, id: ID) -> Option<User> {
        Uuid::parse_str(id.as_str()).ok().map(User::new)
    }

    /// `CodexEntry` by its key `id`; `null` when unknown, deleted or private to someone
    /// else.
    #[graphql(entity)]
    async fn find_codex_entry_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<CodexEntry>> {
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
            .map(CodexEntry))
    }
}
