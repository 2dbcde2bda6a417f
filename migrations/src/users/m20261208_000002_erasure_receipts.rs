//! `erasure_requests`: a deleted account's erasure, with the hash of the receipt token
//! the person was given (removed when the account is purged). `erasure_receipts`: when
//! each domain confirmed it erased the account's rows (one row per account and domain),
//! what the person (with the token) and administrators see.

use sea_orm_migration::prelude::*;

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
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ErasureReceipts::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ErasureRequests::Table).to_owned())
            .await
    }
}
