//! A practice's steps, in order: what to do, and the catalogue exercise it is, if any
//! (by slug: the catalogue ships with every service, see `tessera_kit::catalogue`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CodexEntries {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CodexPracticeSteps {
    Table,
    EntryId,
    Position,
    Instruction,
    ExerciseSlug,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CodexPracticeSteps::Table)
                    .col(
                        ColumnDef::new(CodexPracticeSteps::EntryId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CodexPracticeSteps::Position)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CodexPracticeSteps::Instruction)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CodexPracticeSteps::ExerciseSlug)
                            .string_len(64)
                            .null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(CodexPracticeSteps::EntryId)
                            .col(CodexPracticeSteps::Position),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("codex_practice_steps_entry_fk")
                            .from(CodexPracticeSteps::Table, CodexPracticeSteps::EntryId)
                            .to(CodexEntries::Table, CodexEntries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CodexPracticeSteps::Table).to_owned())
            .await
    }
}
