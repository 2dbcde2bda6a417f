//! A codex entry. The full-text index (PostgreSQL `search` column, SQLite `codex_fts`)
//! is maintained by the database and is not part of the model.

use sea_orm::entity::prelude::*;

/// A row of `codex_entries`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "codex_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub author_id: Uuid,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub category: Category,
    /// Normalised tags between commas (`,sleep,recovery,`); also one row each in
    /// `codex_entry_tags`.
    pub tags: String,
    pub visibility: Visibility,
    /// An article (read) or a practice (done).
    pub kind: Kind,
    /// How many minutes a practice takes to do; `None` for an article.
    pub minutes: Option<i32>,
    /// When it first became public.
    pub published_at: Option<DateTimeUtc>,
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

/// The shelf an entry sits on.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(name = "CodexCategory", tag = "partner")]
pub enum Category {
    /// Programming and methods of training.
    #[sea_orm(string_value = "training")]
    Training,
    /// Lifting and movement technique.
    #[sea_orm(string_value = "technique")]
    Technique,
    /// Eating and drinking for training.
    #[sea_orm(string_value = "nutrition")]
    Nutrition,
    /// Sleep, rest and recovery practices.
    #[sea_orm(string_value = "recovery")]
    Recovery,
    /// Motivation, focus and habits.
    #[sea_orm(string_value = "mindset")]
    Mindset,
}

/// Who may read an entry.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(name = "CodexVisibility")]
pub enum Visibility {
    /// Everyone, partners included.
    #[sea_orm(string_value = "public")]
    Public,
    /// Its author only.
    #[sea_orm(string_value = "private")]
    Private,
}

/// What an entry is: something to read or something to do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(name = "CodexEntryKind", tag = "partner")]
pub enum Kind {
    /// Something to read: explanation, research, advice.
    #[sea_orm(string_value = "article")]
    Article,
    /// Something to do, step by step, in a given number of minutes: a routine, a
    /// checklist, an exercise of the mind.
    #[sea_orm(string_value = "practice")]
    Practice,
}
