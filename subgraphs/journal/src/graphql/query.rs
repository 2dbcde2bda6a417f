//! Root query fields.

use async_graphql::{Context, ID, Object, Result, ResultExt};

use crate::{
    graphql::{
        context::{access, db, uuid_arg},
        entry::JournalEntry,
    },
    service::entries,
};

/// Reading journal entries.
#[derive(Default)]
pub struct JournalQuery;

/// The root query type of the journal subgraph.
#[Object]
impl JournalQuery {
    /// An entry by id, or `null` when there is none the caller may read.
    async fn journal_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry's id.")] id: ID,
    ) -> Result<Option<JournalEntry>> {
        let id = uuid_arg(&id, "id")?;
        Ok(entries::by_id(db(ctx), &access(ctx), id)
            .await
            .extend()?
            .map(JournalEntry))
    }
}
