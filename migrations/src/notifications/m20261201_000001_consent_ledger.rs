//! The consent ledger: the pseudonymised evidence of consent an erasure leaves behind
//! (see `tessera_notifications::service::ledger`). No user id, only a one-way hash of it;
//! each row carries the time after which the purge removes it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ConsentLedger {
    Table,
    Id,
    SubjectHash,
    Channel,
    Granted,
    Source,
    RecordedAt,
    RetainUntil,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ConsentLedger::Table)
                    .col(
                        ColumnDef::new(ConsentLedger::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ConsentLedger::SubjectHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ConsentLedger::Channel)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ConsentLedger::Granted).boolean().not_null())
                    .col(
                        ColumnDef::new(ConsentLedger::Source)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ts(ConsentLedger::RecordedAt))
                    .col(ts(ConsentLedger::RetainUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("consent_ledger_subject_idx")
                    .table(ConsentLedger::Table)
                    .col(ConsentLedger::SubjectHash)
                    .col(ConsentLedger::RecordedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("consent_ledger_retain_until_idx")
                    .table(ConsentLedger::Table)
                    .col(ConsentLedger::RetainUntil)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConsentLedger::Table).to_owned())
            .await
    }
}
