//! Articles and practices: an entry's kind (`article` for every entry written before),
//! and for a practice the minutes it takes to do.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CodexEntries {
    Table,
    Kind,
    Minutes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(CodexEntries::Table)
                    .add_column(
                        ColumnDef::new(CodexEntries::Kind)
                            .string_len(16)
                            .not_null()
                            .default("article"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CodexEntries::Table)
                    .add_column(ColumnDef::new(CodexEntries::Minutes).integer().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [CodexEntries::Minutes, CodexEntries::Kind] {
            manager
                .alter_table(
                    Table::alter()
                        .table(CodexEntries::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
