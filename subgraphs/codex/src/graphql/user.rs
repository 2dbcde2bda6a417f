//! `User`, the users domain's entity, extended with the codex entries they wrote.

use async_graphql::{Context, ID, Object, Result, ResultExt};
use tessera_kit::pagination::PageArgs;
use uuid::Uuid;

use crate::graphql::{
    context::{access, loaders},
    entry::{CodexEntry, CodexEntryConnection, shown},
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

/// A person on the platform (owned by the users subgraph). Here: what they wrote in the
/// codex.
#[Object]
impl User {
    /// Stable identifier (a UUIDv7), the same in every domain.
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// The codex entries the user wrote, oldest first: public ones for everyone, private
    /// ones too for the author. At most 100 per page.
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(300), None, None))]
    async fn codex_entries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "How many from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "How many from the end (at most 100).")] last: Option<i32>,
    ) -> Result<Option<CodexEntryConnection>> {
        let with_private = access(ctx).is(self.id);
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page()
        .extend()?;
        let rows = loaders(ctx)
            .entry_pages
            .load_one((self.id, (with_private, page.clone())))
            .await
            .extend()?
            .unwrap_or_default();
        Ok(Some(
            page.connection(rows, |e| e.id, |e| CodexEntry::from(shown(ctx, e)))
                .into(),
        ))
    }
}
