//! Codex entries, their tags, and full-text search.
//!
//! Search is backend-specific on purpose, and only here:
//! - PostgreSQL: a stored generated `tsvector` column (`simple` configuration: no
//!   stemming, no stop words) with a GIN index.
//! - SQLite: an FTS5 table (`unicode61` tokenizer, likewise no stemming) kept in step by
//!   triggers, so every write path — service, demo seed, a manual fix — updates it.
//!
//! Both find the same entries for the same terms (tokens matched by prefix); the order
//! of results is computed by the service with the same portable SQL on both.
//! `codex_entry_tags` holds one row per tag, so "related entries by tags" is one join.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CodexEntries {
    Table,
    Id,
    AuthorId,
    Title,
    Body,
    Category,
    Tags,
    Visibility,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum CodexEntryTags {
    Table,
    EntryId,
    Tag,
}

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE codex_fts USING fts5(entry_id UNINDEXED, title, body, tags, tokenize = 'unicode61')",
    "CREATE TRIGGER codex_fts_insert AFTER INSERT ON codex_entries BEGIN \
       INSERT INTO codex_fts (entry_id, title, body, tags) VALUES (new.id, new.title, new.body, new.tags); \
     END",
    "CREATE TRIGGER codex_fts_update AFTER UPDATE OF title, body, tags ON codex_entries BEGIN \
       DELETE FROM codex_fts WHERE entry_id = old.id; \
       INSERT INTO codex_fts (entry_id, title, body, tags) VALUES (new.id, new.title, new.body, new.tags); \
     END",
    "CREATE TRIGGER codex_fts_delete AFTER DELETE ON codex_entries BEGIN \
       DELETE FROM codex_fts WHERE entry_id = old.id; \
     END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS codex_fts_delete",
    "DROP TRIGGER IF EXISTS codex_fts_update",
    "DROP TRIGGER IF EXISTS codex_fts_insert",
    "DROP TABLE IF EXISTS codex_fts",
];

const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE codex_entries ADD COLUMN search tsvector GENERATED ALWAYS AS \
       (to_tsvector('simple', title || ' ' || tags || ' ' || body)) STORED",
    "CREATE INDEX codex_entries_search_idx ON codex_entries USING GIN (search)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let ts = |col: CodexEntries| {
            ColumnDef::new(col)
                .timestamp_with_time_zone()
                .not_null()
                .to_owned()
        };
        let ts_null = |col: CodexEntries| {
            ColumnDef::new(col)
                .timestamp_with_time_zone()
                .null()
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(CodexEntries::Table)
                    .col(
                        ColumnDef::new(CodexEntries::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(CodexEntries::AuthorId).uuid().not_null())
                    .col(
                        ColumnDef::new(CodexEntries::Title)
                            .string_len(160)
                            .not_null(),
                    )
                    .col(ColumnDef::new(CodexEntries::Body).text().not_null())
                    .col(
                        ColumnDef::new(CodexEntries::Category)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CodexEntries::Tags)
                            .string_len(400)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CodexEntries::Visibility)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ts_null(CodexEntries::PublishedAt))
                    .col(ts(CodexEntries::CreatedAt))
                    .col(ts(CodexEntries::UpdatedAt))
                    .col(ts_null(CodexEntries::DeletedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("codex_entries_author_idx")
                    .table(CodexEntries::Table)
                    .col(CodexEntries::AuthorId)
                    .col(CodexEntries::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CodexEntryTags::Table)
                    .col(ColumnDef::new(CodexEntryTags::EntryId).uuid().not_null())
                    .col(
                        ColumnDef::new(CodexEntryTags::Tag)
                            .string_len(32)
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(CodexEntryTags::EntryId)
                            .col(CodexEntryTags::Tag),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("codex_entry_tags_entry_fk")
                            .from(CodexEntryTags::Table, CodexEntryTags::EntryId)
                            .to(CodexEntries::Table, CodexEntries::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("codex_entry_tags_tag_idx")
                    .table(CodexEntryTags::Table)
                    .col(CodexEntryTags::Tag)
                    .col(CodexEntryTags::EntryId)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let statements = match db.get_database_backend() {
            DbBackend::Postgres => POSTGRES_UP,
            _ => SQLITE_UP,
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == DbBackend::Sqlite {
            for sql in SQLITE_DOWN {
                db.execute_unprepared(sql).await?;
            }
        }
        manager
            .drop_table(Table::drop().table(CodexEntryTags::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CodexEntries::Table).to_owned())
            .await
    }
}
