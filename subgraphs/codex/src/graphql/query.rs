//! Root query fields.

use async_graphql::{Context, ID, Object, Result, ResultExt};
use tessera_kit::pagination::{PageInfo, Paged};

use crate::{
    graphql::{
        context::{access, db, uuid_arg},
        entry::{CodexEntry, CodexSearchConnection, shown},
    },
    service::{
        entries,
        search::{self, DEFAULT_FIRST},
    },
};

/// Reading and searching the codex.
#[derive(Default)]
pub struct CodexQuery;

/// The root query type of the codex subgraph.
#[Object]
impl CodexQuery {
    /// An entry by id, or `null` when there is none the caller may read.
    #[graphql(tag = "partner", directive = tessera_kit::directives::cache_control::apply(Some(300), None, None))]
    async fn codex_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry's id.")] id: ID,
    ) -> Result<Option<CodexEntry>> {
        let id = uuid_arg(&id, "id")?;
        Ok(entries::by_id(db(ctx), &access(ctx), id)
            .await
            .extend()?
            .map(|e| CodexEntry::from(shown(ctx, e))))
    }

    /// Full-text search over the entries the caller may read: every word of `query`
    /// must occur (as a word prefix) in the title, tags or body. Most relevant first —
    /// title matches weigh most, then tags, then body — oldest first among equals.
    #[graphql(tag = "partner", directive = tessera_kit::directives::cache_control::apply(Some(60), None, None))]
    async fn codex_search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Words to find, e.g. `sleep recovery`.")] query: String,
        #[graphql(desc = "How many results (at most 100; 10 when absent).")] first: Option<i32>,
        #[graphql(desc = "Results after this cursor.")] after: Option<String>,
    ) -> Result<CodexSearchConnection> {
        let mut hits = search::search(db(ctx), &access(ctx), &query, first, after.as_deref())
            .await
            .extend()?;
        let limit = first
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(usize::try_from(DEFAULT_FIRST).unwrap_or(10));
        let more = hits.len() > limit;
        hits.truncate(limit);
        let edges: Vec<(String, CodexEntry)> = hits
            .into_iter()
            .map(|h| {
                (
                    search::encode(h.score, h.entry.id),
                    CodexEntry::from(shown(ctx, h.entry)),
                )
            })
            .collect();
        let page_info = PageInfo {
            has_previous_page: after.is_some(),
            has_next_page: more,
            start_cursor: edges.first().map(|(c, _)| c.clone()),
            end_cursor: edges.last().map(|(c, _)| c.clone()),
        };
        Ok(Paged { edges, page_info }.into())
    }
}
