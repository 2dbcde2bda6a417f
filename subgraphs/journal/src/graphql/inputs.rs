//! Input types.

use async_graphql::{ID, InputObject, MaybeUndefined, Result};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    entity::entry::Mood,
    graphql::context::uuid_arg,
    service::entries::{EntryFilter, EntryUpdate, NewEntry},
};

/// Conditions on a journal list; every given one must hold.
#[derive(InputObject, Default)]
pub struct JournalEntryFilter {
    /// Entries with this tag.
    pub tag: Option<String>,
    /// Entries with this mood.
    pub mood: Option<Mood>,
    /// Entries written at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Entries written before this time.
    pub to: Option<DateTime<Utc>>,
}

impl JournalEntryFilter {
    /// The service's filter.
    pub fn into_filter(self) -> EntryFilter {
        EntryFilter {
            tag: self.tag,
            mood: self.mood,
            from: self.from,
            to: self.to,
        }
    }
}

/// A new journal entry.
#[derive(InputObject)]
pub struct CreateJournalEntryInput {
    /// Title (1–120 characters).
    pub title: String,
    /// The text, in Markdown (at most 20 000 characters).
    #[graphql(default)]
    pub body: String,
    /// How the author feels.
    pub mood: Mood,
    /// The author's energy, 1 to 5.
    pub energy: i32,
    /// Up to 10 tags: letters, digits and `-`.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// The workout the entry is about.
    pub workout_id: Option<ID>,
    /// Share the entry with this coach; private when absent. Only one of the author's
    /// coaches can read it, and only while they coach the author.
    pub share_with_coach_id: Option<ID>,
}

impl CreateJournalEntryInput {
    /// The service's input.
    pub fn into_new_entry(self) -> Result<NewEntry> {
        Ok(NewEntry {
            title: self.title,
            body: self.body,
            mood: self.mood,
            energy: self.energy,
            tags: self.tags,
            workout_id: opt_id(self.workout_id.as_ref(), "workoutId")?,
            share_with_coach_id: opt_id(self.share_with_coach_id.as_ref(), "shareWithCoachId")?,
        })
    }
}

/// Entry changes; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateJournalEntryInput {
    /// New title.
    pub title: Option<String>,
    /// New Markdown text.
    pub body: Option<String>,
    /// New mood.
    pub mood: Option<Mood>,
    /// New energy.
    pub energy: Option<i32>,
    /// New tags, replacing the old ones.
    pub tags: Option<Vec<String>>,
    /// New workout link; `null` removes it.
    pub workout_id: MaybeUndefined<ID>,
    /// Share with this coach; `null` makes the entry private.
    pub share_with_coach_id: MaybeUndefined<ID>,
}

impl UpdateJournalEntryInput {
    /// The service's input.
    pub fn into_update(self) -> Result<EntryUpdate> {
        Ok(EntryUpdate {
            title: self.title,
            body: self.body,
            mood: self.mood,
            energy: self.energy,
            tags: self.tags,
            workout_id: maybe_id(self.workout_id, "workoutId")?,
            share_with_coach_id: maybe_id(self.share_with_coach_id, "shareWithCoachId")?,
        })
    }
}

fn opt_id(id: Option<&ID>, field: &str) -> Result<Option<Uuid>> {
    id.map(|id| uuid_arg(id, field)).transpose()
}

fn maybe_id(id: MaybeUndefined<ID>, field: &str) -> Result<Option<Option<Uuid>>> {
    Ok(match id {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(id) => Some(Some(uuid_arg(&id, field)?)),
    })
}
