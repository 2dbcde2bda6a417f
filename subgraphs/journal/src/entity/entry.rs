//! A journal entry. Soft-deleted rows (`deleted_at` set) are invisible to every query
//! except their author's restore.

use sea_orm::entity::prelude::*;

/// A row of `journal_entries`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "journal_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub author_id: Uuid,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub mood: Mood,
    /// 1 (drained) – 5 (full of energy).
    pub energy: i32,
    /// Normalised tags between commas: `,sleep,recovery,` (`,` when none).
    pub tags: String,
    /// A workout of the workouts domain this entry is about.
    pub workout_id: Option<Uuid>,
    /// The coach the author shared the entry with; `None`: private.
    pub shared_with_coach_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

impl Model {
    /// The entry's tags, in the order written.
    pub fn tags(&self) -> Vec<String> {
        self.tags
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// How the author felt, stored as 1–5 so the database can average it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "i32", db_type = "Integer")]
pub enum Mood {
    /// Very low.
    #[sea_orm(num_value = 1)]
    Awful,
    /// Low.
    #[sea_orm(num_value = 2)]
    Low,
    /// Neither good nor bad.
    #[sea_orm(num_value = 3)]
    Okay,
    /// Good.
    #[sea_orm(num_value = 4)]
    Good,
    /// Very good.
    #[sea_orm(num_value = 5)]
    Great,
}
