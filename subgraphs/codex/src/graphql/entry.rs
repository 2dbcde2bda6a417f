//! The `CodexEntry` type and the search result connection.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result, ResultExt};
use chrono::{DateTime, Utc};
use tessera_kit::error::ServiceError;

use crate::{
    entity::entry::{self, Category, Visibility},
    graphql::{
        context::{access, loaders},
        user::User,
    },
};

/// An entry as GraphQL shows it.
#[derive(Clone)]
pub struct CodexEntry(pub entry::Model);

tessera_kit::connection!(
    CodexEntryConnection,
    CodexEntryEdge,
    CodexEntry,
    "A page of codex entries, oldest first."
);

tessera_kit::connection!(
    CodexSearchConnection,
    CodexSearchEdge,
    CodexEntry,
    "A page of search results, most relevant first."
);

/// An article or practice of the codex. Public entries are readable by everyone,
/// partners included; private ones by their author only.
#[Object(tag = "partner")]
impl CodexEntry {
    /// Stable identifier (a UUIDv7).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Who wrote it.
    async fn author(&self) -> User {
        User::new(self.0.author_id)
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The text, in Markdown.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The shelf it sits on.
    async fn category(&self) -> Category {
        self.0.category
    }

    /// Tags, lowercase, in the order written.
    async fn tags(&self) -> Vec<String> {
        self.0.tags()
    }

    /// Who may read it.
    async fn visibility(&self) -> Visibility {
        self.0.visibility
    }

    /// When it first became public, if it did.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }

    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Public entries sharing its tags, most shared tags first (at most 20).
    async fn related_entries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1–20).", default = 5)] first: i32,
    ) -> Result<Vec<CodexEntry>> {
        let limit = usize::try_from(first)
            .ok()
            .filter(|n| (1..=20).contains(n))
            .ok_or_else(|| {
                ServiceError::invalid(
                    "first",
                    format!("`first` must be between 1 and 20 (got {first})"),
                )
                .extend()
            })?;
        let ids = loaders(ctx)
            .related
            .load_one((self.0.id, limit))
            .await
            .extend()?
            .unwrap_or_default();
        let mut found = loaders(ctx)
            .entries
            .load_many(ids.iter().copied())
            .await
            .extend()?;
        let access = access(ctx);
        Ok(ids
            .iter()
            .filter_map(|id| found.remove(id))
            .filter(|e| access.may_read(e))
            .map(CodexEntry)
            .collect())
    }
}
