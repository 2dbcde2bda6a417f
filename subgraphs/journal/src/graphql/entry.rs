//! The `JournalEntry` type, and `Workout`: a reference the workouts subgraph resolves.

use async_graphql::{Enum, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::{
    entity::entry::{self, Mood},
    graphql::user::User,
};

/// An entry as GraphQL shows it.
#[derive(Clone)]
pub struct JournalEntry(pub entry::Model);

tessera_kit::connection!(
    JournalEntryConnection,
    JournalEntryEdge,
    JournalEntry,
    "A page of journal entries, oldest first."
);

/// Who may read an entry besides its author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum JournalVisibility {
    /// The author alone.
    Private,
    /// The author and the coach they shared it with.
    SharedWithCoach,
}

/// A workout of the workouts subgraph, which resolves its fields; the journal knows
/// only its id.
#[derive(SimpleObject, Clone)]
#[graphql(unresolvable)]
pub struct Workout {
    /// The workout's id.
    pub id: ID,
}

/// A page of an athlete's journal: how they felt, in their own words. Private to the
/// author unless shared with their coach.
#[Object]
impl JournalEntry {
    /// Stable identifier (a UUIDv7).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Who wrote it.
    async fn author(&self) -> User {
        User::new(self.0.author_id, None)
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The text, in Markdown.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// How the author felt.
    async fn mood(&self) -> Mood {
        self.0.mood
    }

    /// The author's energy, 1 (drained) to 5 (full of energy).
    async fn energy(&self) -> i32 {
        self.0.energy
    }

    /// Tags, lowercase, in the order written.
    async fn tags(&self) -> Vec<String> {
        self.0.tags()
    }

    /// The workout the entry is about, if any.
    async fn workout(&self) -> Option<Workout> {
        self.0.workout_id.map(|id| Workout {
            id: ID(id.to_string()),
        })
    }

    /// Private, or shared with a coach.
    async fn visibility(&self) -> JournalVisibility {
        match self.0.shared_with_coach_id {
            Some(_) => JournalVisibility::SharedWithCoach,
            None => JournalVisibility::Private,
        }
    }

    /// The coach the entry is shared with, if any.
    async fn shared_with_coach(&self) -> Option<User> {
        self.0.shared_with_coach_id.map(|id| User::new(id, None))
    }

    /// When it was written.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When it was deleted (only in the author's data export and restore results).
    async fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }
}
