//! Input and payload types.

use async_graphql::{InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use crate::{
    entity::entry::{Category, Kind, Visibility},
    graphql::entry::CodexEntry,
    service::{
        entries::{EntryUpdate, NewEntry},
        validation::Step,
    },
};

/// A step of a practice.
#[derive(InputObject)]
pub struct PracticeStepInput {
    /// What to do (1–500 characters; line breaks and tabs allowed, `\r\n` kept as `\n`).
    pub instruction: String,
    /// The catalogue exercise the step is, by slug (e.g. `back-squat`), if it is one.
    pub exercise_slug: Option<String>,
}

impl From<PracticeStepInput> for Step {
    fn from(i: PracticeStepInput) -> Self {
        Step {
            instruction: i.instruction,
            exercise_slug: i.exercise_slug,
        }
    }
}

/// A new codex entry.
#[derive(InputObject)]
pub struct CreateCodexEntryInput {
    /// Title (1–160 characters).
    pub title: String,
    /// The text, in Markdown (1–50 000 characters).
    pub body: String,
    /// The shelf.
    pub category: Category,
    /// Up to 10 tags: letters, digits and `-`.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Who may read it.
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
    /// An article (to read) or a practice (to do); it cannot change later.
    #[graphql(default_with = "Kind::Article")]
    pub kind: Kind,
    /// How many minutes the practice takes (1–240): required for a practice, refused
    /// for an article.
    pub duration_minutes: Option<i32>,
    /// The practice's steps, in order (at most 30); refused for an article.
    #[graphql(default)]
    pub steps: Vec<PracticeStepInput>,
}

impl From<CreateCodexEntryInput> for NewEntry {
    fn from(i: CreateCodexEntryInput) -> Self {
        NewEntry {
            title: i.title,
            body: i.body,
            category: i.category,
            tags: i.tags,
            visibility: i.visibility,
            kind: i.kind,
            minutes: i.duration_minutes,
            steps: i.steps.into_iter().map(Step::from).collect(),
        }
    }
}

/// Entry changes; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateCodexEntryInput {
    /// New title.
    pub title: Option<String>,
    /// New Markdown text.
    pub body: Option<String>,
    /// New shelf.
    pub category: Option<Category>,
    /// New tags, replacing the old ones.
    pub tags: Option<Vec<String>>,
    /// New visibility.
    pub visibility: Option<Visibility>,
    /// New duration of a practice, in minutes (1–240); refused for an article.
    pub duration_minutes: Option<i32>,
    /// New steps of a practice, replacing the old ones (at most 30); refused for an
    /// article.
    pub steps: Option<Vec<PracticeStepInput>>,
}

impl From<UpdateCodexEntryInput> for EntryUpdate {
    fn from(i: UpdateCodexEntryInput) -> Self {
        EntryUpdate {
            title: i.title,
            body: i.body,
            category: i.category,
            tags: i.tags,
            visibility: i.visibility,
            minutes: i.duration_minutes,
            steps: i
                .steps
                .map(|steps| steps.into_iter().map(Step::from).collect()),
        }
    }
}

/// Everything the codex holds about the caller.
#[derive(SimpleObject)]
pub struct CodexDataExport {
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// Every entry the caller wrote, oldest first, private and deleted ones included.
    pub entries: Vec<CodexEntry>,
}

/// What erasing the caller's codex entries did.
#[derive(SimpleObject)]
pub struct CodexDataErasure {
    /// Entries hidden from every query and search.
    pub entries: u64,
}
