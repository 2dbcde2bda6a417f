//! Entity resolution: `User` by `id` (with `timezone` when a `@requires` field needs
//! it), and `JournalEntry` by `id` for callers who may read it.

use async_graphql::{Context, ID, Object, Result, ResultExt};
use uuid::Uuid;

use crate::graphql::{
    context::{access, loaders},
    entry::JournalEntry,
    user::User,
};

/// `_entities` resolvers.
#[derive(Default)]
pub struct JournalEntities;

#[Object]
impl JournalEntities {
    /// `User` by its key `id`; `timezone` comes along when the router resolves a field
    /// that requires it. `null` for a malformed id.
    #[graphql(entity)]
    async fn find_user_by_id(
        &self,
        #[graphql(key)] id: ID,
        timezone: Option<String>,
    ) -> Option<User> {
        Uuid::parse_str(id.as_str())
            .ok()
            .map(|id| User::new(id, timezone))
    }

    /// `JournalEntry` by its key `id`; `null` when unknown, deleted or not the caller's
    /// to read.
    #[graphql(entity)]
    async fn find_journal_entry_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<JournalEntry>> {
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
            .map(JournalEntry))
    }
}
