//! `CodexEntry`, the codex's entity interface (articles and practices), seen from the
//! training side as one object type (`@interfaceObject`): this subgraph adds to every
//! entry, whatever its kind, the catalogue exercises it is about. It needs the entry's
//! title, which the codex owns (`@external`), and gets it from the router in the
//! representation (`@requires`).

use async_graphql::{Context, ID, Object, Result, ResultExt};
use uuid::Uuid;

use crate::{
    graphql::{context::loaders, exercise::Exercise},
    service::catalogue,
};

/// A codex entry as this subgraph knows it: its id, and its title when a field needs
/// it.
#[derive(Clone)]
pub struct CodexEntry {
    id: Uuid,
    title: Option<String>,
}

impl CodexEntry {
    /// The entry `id`, with its `title` when the router sent it.
    pub fn new(id: Uuid, title: Option<String>) -> Self {
        Self { id, title }
    }
}

/// An article or a practice of the codex (owned by the codex subgraph). Here: the
/// exercises of the catalogue it is about.
#[Object(interface_object)]
impl CodexEntry {
    /// Stable identifier (a UUIDv7), as the codex gives it.
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Title, owned by the codex; this subgraph reads it to find the exercises.
    #[graphql(external)]
    async fn title(&self) -> &str {
        self.title.as_deref().unwrap_or_default()
    }

    /// The catalogue exercises the entry is about: those its title names as whole words
    /// (`A beginner's guide to the back squat` is about the back squat), in catalogue
    /// order; empty when it names none. Open to whoever may read the entry.
    #[graphql(requires = "title", tag = "partner")]
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
