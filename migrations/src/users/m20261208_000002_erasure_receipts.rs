//! `erasure_requests`: a deleted account's erasure, with the hash of the receipt token
//! the person was given (removed when the account is purged). `erasure_receipts`: when
//! each domain confirmed it erased the account's rows (one row per account and domain),
//! what the person (with the token) and administrators see.
//!
//! It also announces every coaching link made before events existed (a
//! `coaching.linked` event each, in the outbox), so the domains that keep who coaches
//! whom learn them once.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, Statement},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ErasureRequests {
    Table,
    UserId,
    TokenHash,
    RequestedAt,
}

#[derive(DeriveIden)]
enum ErasureReceipts {
    Table,
    UserId,
    Domain,
    ConfirmedAt,
    Detail,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ErasureRequests::Table)
                    .col(
                        ColumnDef::new(ErasureRequests::UserId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ErasureRequests::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(ErasureRequests::RequestedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ErasureReceipts::Table)
                    .col(ColumnDef::new(ErasureReceipts::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(ErasureReceipts::Domain)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ErasureReceipts::ConfirmedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ErasureReceipts::Detail).text().not_null())
                    .primary_key(
                        Index::create()
                            .col(ErasureReceipts::UserId)
                            .col(ErasureReceipts::Domain),
                    )
                    .to_owned(),
            )
            .await?;
        announce_links(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The announcements stay: they were true.
        manager
            .drop_table(Table::drop().table(ErasureReceipts::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ErasureRequests::Table).to_owned())
            .await
    }
}

/// One `coaching.linked` event (version 1) per existing link, in the outbox.
async fn announce_links(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let links = db
        .query_all_raw(Statement::from_string(
            manager.get_database_backend(),
            "SELECT coach_id, athlete_id FROM coach_athletes",
        ))
        .await?;
    let now = chrono::Utc::now();
    for link in links {
        let coach: uuid::Uuid = link.try_get("", "coach_id")?;
        let athlete: uuid::Uuid = link.try_get("", "athlete_id")?;
        let payload = format!(r#"{{"coachId":"{coach}","athleteId":"{athlete}"}}"#);
        let insert = Query::insert()
            .into_table(Alias::new("event_outbox"))
            .columns([
                Alias::new("id"),
                Alias::new("family"),
                Alias::new("kind"),
                Alias::new("version"),
                Alias::new("aggregate"),
                Alias::new("producer"),
                Alias::new("occurred_at"),
                Alias::new("payload"),
            ])
            .values_panic([
                uuid::Uuid::now_v7().into(),
                "coaching".into(),
                "coaching.linked".into(),
                1.into(),
                athlete.to_string().into(),
                "users".into(),
                now.into(),
                payload.into(),
            ])
            .to_owned();
        manager.exec_stmt(insert).await?;
    }
    Ok(())
}
