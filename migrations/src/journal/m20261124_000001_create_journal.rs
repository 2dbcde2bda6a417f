//! Journal entries.
//!
//! `tags` holds the normalised tags between commas (`,sleep,recovery,`), so a tag filter
//! is one `LIKE '%,tag,%'` on both backends and an entry stays one row (entity batches
//! and pages stay one statement). `shared_with_coach_id` is the coach the author shared
//! the entry with (`NULL`: private). User and workout ids point into other domains and
//! carry no foreign keys.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum JournalEntries {
    Table,
    Id,
    AuthorId,
    Title,
    Body,
    Mood,
    Energy,
    Tags,
    WorkoutId,
    SharedWithCoachId,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(JournalEntries::Table)
                    .col(
                        ColumnDef::new(JournalEntries::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(JournalEntries::AuthorId).uuid().not_null())
                    .col(
                        ColumnDef::new(JournalEntries::Title)
                            .string_len(120)
                            .not_null(),
                    )
                    .col(ColumnDef::new(JournalEntries::Body).text().not_null())
                    .col(ColumnDef::new(JournalEntries::Mood).integer().not_null())
                    .col(ColumnDef::new(JournalEntries::Energy).integer().not_null())
                    .col(
                        ColumnDef::new(JournalEntries::Tags)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(ColumnDef::new(JournalEntries::WorkoutId).uuid().null())
                    .col(
                        ColumnDef::new(JournalEntries::SharedWithCoachId)
                            .uuid()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(JournalEntries::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(JournalEntries::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(JournalEntries::DeletedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        // An author's journal, page by page.
        manager
            .create_index(
                Index::create()
                    .name("journal_entries_author_idx")
                    .table(JournalEntries::Table)
                    .col(JournalEntries::AuthorId)
                    .col(JournalEntries::Id)
                    .to_owned(),
            )
            .await?;
        // What athletes shared with a coach.
        manager
            .create_index(
                Index::create()
                    .name("journal_entries_coach_idx")
                    .table(JournalEntries::Table)
                    .col(JournalEntries::SharedWithCoachId)
                    .col(JournalEntries::AuthorId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JournalEntries::Table).to_owned())
            .await
    }
}
