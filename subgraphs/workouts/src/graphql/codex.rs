//! The codex's entries (articles and practices), to which this subgraph added the
//! catalogue exercises each is about. The field is moving to the codex, which ships
//! the catalogue and names an entry's exercises itself without a second fetch: the codex
//! takes it over with a progressive `@override` (label `codex-exercises`), and this
//! subgraph answers for it only while the router has that label off. It goes from here
//! once the label has been on everywhere.
//!
//! Each kind is named here: federation refuses an `@override` of a field an
//! `@interfaceObject` adds, so the `CodexEntry` interface object this subgraph used
//! before gave way to its two kinds. The title the field needs is the codex's
//! (`@external`), sent by the router in the representation (`@requires`).

use async_graphql::{Context, ID, Object, Result, ResultExt};
use uuid::Uuid;

use crate::{
    graphql::{context::loaders, exercise::Exercise},
    service::catalogue,
};

/// A codex entry as this subgraph knows it: its id, and its title when a field needs
/// it.
#[derive(Clone)]
pub struct Entry {
    id: Uuid,
    title: Option<String>,
}

impl Entry {
    /// The entry `id`, with its `title` when the router sent it.
    pub fn new(id: Uuid, title: Option<String>) -> Self {
        Self { id, title }
    }

    /// The catalogue exercises its title names.
    async fn exercises(&self, ctx: &Context<'_>) -> Result<Vec<Exercise>> {
        let ids = catalogue::named_in(self.title.as_deref().unwrap_or_default());
        let mut found = loaders(ctx)
            .exercises
            .load_many(ids.iter().copied())
            .await
            .extend()?;
        Ok(ids
            .iter()
            .filter_map(|id| found.remove(id))
            .map(Exercise)
            .collect())
    }
}

/// An article of the codex (owned by the codex subgraph).
#[derive(Clone)]
pub struct CodexArticle(pub Entry);

/// A practice of the codex (owned by the codex subgraph).
#[derive(Clone)]
pub struct CodexPractice(pub Entry);

/// Each kind's fields here: its key, the title it needs, and the field moving away.
macro_rules! codex_kind {
    ($(#[$meta:meta])* $kind:ident) => {
        $(#[$meta])*
        #[Object]
        impl $kind {
            /// Stable identifier (a UUIDv7).
            async fn id(&self) -> ID {
                ID(self.0.id.to_string())
            }

            /// Title.
            #[graphql(external)]
            async fn title(&self) -> &str {
                self.0.title.as_deref().unwrap_or_default()
            }

            /// The catalogue exercises the entry is about: those its title names as whole words
            /// (`A beginner's guide to the back squat` is about the back squat), in catalogue
            /// order; empty when it names none. Open to whoever may read the entry.
            #[graphql(requires = "title", tag = "partner")]
            async fn exercises(&self, ctx: &Context<'_>) -> Result<Vec<Exercise>> {
                self.0.exercises(ctx).await
            }
        }
    };
}

codex_kind! {
    /// An article of the codex: something to read. Public articles are readable by
    /// everyone, partners included; private ones by their author only.
    CodexArticle
}

codex_kind! {
    /// A practice of the codex: something to do, step by step, in a given number of
    /// minutes. Public practices are readable by everyone, partners included; private
    /// ones by their author only.
    CodexPractice
}
