//! `event_outbox`: the events a domain's changes caused, written in the change's own
//! transaction and relayed afterwards (`relayed_at`). `event_processed`: the events a
//! consumer's handler committed, by id, so a second delivery changes nothing.
//! `event_dead_letters`: events a handler could not take, with the reason, until an
//! administrator replays them (in users, also every other domain's, as reported).
//! Domains sharing one database (the embedded default may) share these tables: every
//! row names its producer or consumer. The tables are created by the first domain's
//! migration and dropped by the last one's rollback.
//!
//! `coaching_severed`: coaching links users ended, so a coach's access token still
//! naming the athlete opens nothing of theirs in any domain (a new link removes it).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every domain's bookkeeping table.
const BOOKKEEPING: [&str; 5] = [
    "seaql_migrations_users",
    "seaql_migrations_workouts",
    "seaql_migrations_notifications",
    "seaql_migrations_journal",
    "seaql_migrations_codex",
];

/// Whether another domain in this database still has this migration applied (during a
/// rollback the rolling-back domain's own record is still there: more than one).
async fn shared_with_another_domain(manager: &SchemaManager<'_>) -> Result<bool, DbErr> {
    let db = manager.get_connection();
    let mut holders = 0;
    for table in BOOKKEEPING {
        if !manager.has_table(table).await? {
            continue;
        }
        let found = db
            .query_one_raw(sea_orm::Statement::from_string(
                manager.get_database_backend(),
                format!(
                    "SELECT COUNT(*) AS n FROM {table} WHERE version = 'm20261208_000001_events'"
                ),
            ))
            .await?;
        let n: i64 = found.map_or(Ok(0), |row| row.try_get("", "n"))?;
        holders += n;
    }
    Ok(holders > 1)
}

#[derive(DeriveIden)]
enum EventOutbox {
    Table,
    Id,
    Family,
    Kind,
    Version,
    Aggregate,
    Producer,
    OccurredAt,
    Payload,
    RelayedAt,
}

#[derive(DeriveIden)]
enum EventProcessed {
    Table,
    Consumer,
    EventId,
    ProcessedAt,
}

#[derive(DeriveIden)]
enum CoachingSevered {
    Table,
    CoachId,
    AthleteId,
    SeveredAt,
}

#[derive(DeriveIden)]
enum EventDeadLetters {
    Table,
    Id,
    Consumer,
    EventId,
    Kind,
    Envelope,
    Error,
    Attempts,
    DeadAt,
    ReplayRequestedAt,
    ReplayedAt,
    ReplayError,
}

fn ts<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn ts_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .if_not_exists()
                    .table(EventOutbox::Table)
                    .col(
                        ColumnDef::new(EventOutbox::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(EventOutbox::Family)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(EventOutbox::Kind).string_len(64).not_null())
                    .col(ColumnDef::new(EventOutbox::Version).integer().not_null())
                    .col(
                        ColumnDef::new(EventOutbox::Aggregate)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EventOutbox::Producer)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ts(EventOutbox::OccurredAt))
                    .col(ColumnDef::new(EventOutbox::Payload).text().not_null())
                    .col(ts_null(EventOutbox::RelayedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("event_outbox_relayed_idx")
                    .table(EventOutbox::Table)
                    .col(EventOutbox::RelayedAt)
                    .col(EventOutbox::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .if_not_exists()
                    .table(EventProcessed::Table)
                    .col(
                        ColumnDef::new(EventProcessed::Consumer)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(EventProcessed::EventId).uuid().not_null())
                    .col(ts(EventProcessed::ProcessedAt))
                    .primary_key(
                        Index::create()
                            .col(EventProcessed::Consumer)
                            .col(EventProcessed::EventId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("event_processed_at_idx")
                    .table(EventProcessed::Table)
                    .col(EventProcessed::ProcessedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .if_not_exists()
                    .table(EventDeadLetters::Table)
                    .col(
                        ColumnDef::new(EventDeadLetters::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(EventDeadLetters::Consumer)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(EventDeadLetters::EventId).uuid().not_null())
                    .col(
                        ColumnDef::new(EventDeadLetters::Kind)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(EventDeadLetters::Envelope).text().not_null())
                    .col(ColumnDef::new(EventDeadLetters::Error).text().not_null())
                    .col(
                        ColumnDef::new(EventDeadLetters::Attempts)
                            .integer()
                            .not_null(),
                    )
                    .col(ts(EventDeadLetters::DeadAt))
                    .col(ts_null(EventDeadLetters::ReplayRequestedAt))
                    .col(ts_null(EventDeadLetters::ReplayedAt))
                    .col(ColumnDef::new(EventDeadLetters::ReplayError).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("event_dead_letters_consumer_idx")
                    .table(EventDeadLetters::Table)
                    .col(EventDeadLetters::Consumer)
                    .col(EventDeadLetters::DeadAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .if_not_exists()
                    .table(CoachingSevered::Table)
                    .col(ColumnDef::new(CoachingSevered::CoachId).uuid().not_null())
                    .col(ColumnDef::new(CoachingSevered::AthleteId).uuid().not_null())
                    .col(ts(CoachingSevered::SeveredAt))
                    .primary_key(
                        Index::create()
                            .col(CoachingSevered::CoachId)
                            .col(CoachingSevered::AthleteId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if shared_with_another_domain(manager).await? {
            return Ok(());
        }
        for table in [
            CoachingSevered::Table.into_iden(),
            EventDeadLetters::Table.into_iden(),
            EventProcessed::Table.into_iden(),
            EventOutbox::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
