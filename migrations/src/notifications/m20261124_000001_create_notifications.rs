//! Notifications, their delivery outbox, devices, preferences, quiet hours, consents,
//! and which coaches an athlete accepts messages from.
//!
//! `(sender_id, idempotency_key, recipient_id)` is unique: a retried send finds the rows
//! of the first attempt instead of creating new ones, and two racing retries cannot both
//! insert. Deliveries are the outbox: written in the notification's transaction, claimed
//! by a worker (`pending` → `sending`) with a conditional update, so several replicas can
//! run the worker without delivering twice. User ids point into the users domain and
//! carry no foreign keys.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    RecipientId,
    SenderId,
    Kind,
    Title,
    Body,
    Data,
    IdempotencyKey,
    CreatedAt,
    ReadAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    NotificationId,
    RecipientId,
    Channel,
    Status,
    Attempts,
    Detail,
    NotBefore,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
    UserId,
    Platform,
    Token,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NotificationPreferences {
    Table,
    UserId,
    Kind,
    Channel,
    Enabled,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum QuietHours {
    Table,
    UserId,
    StartMinute,
    EndMinute,
    Timezone,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Consents {
    Table,
    Id,
    UserId,
    Channel,
    Granted,
    RecordedAt,
}

#[derive(DeriveIden)]
enum CoachContacts {
    Table,
    AthleteId,
    CoachId,
    CreatedAt,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn ts_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(*col);
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(
                        ColumnDef::new(Notifications::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Notifications::RecipientId).uuid().not_null())
                    .col(ColumnDef::new(Notifications::SenderId).uuid().null())
                    .col(
                        ColumnDef::new(Notifications::Kind)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Notifications::Title)
                            .string_len(120)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Notifications::Body).text().not_null())
                    .col(ColumnDef::new(Notifications::Data).text().not_null())
                    .col(
                        ColumnDef::new(Notifications::IdempotencyKey)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ts(Notifications::CreatedAt))
                    .col(ts_null(Notifications::ReadAt))
                    .col(ts_null(Notifications::DeletedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "notifications_recipient_idx",
                Notifications::Table,
                &["recipient_id", "id"],
            ))
            .await?;
        manager
            .create_index(
                index(
                    "notifications_idempotency_key",
                    Notifications::Table,
                    &["sender_id", "idempotency_key", "recipient_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .col(
                        ColumnDef::new(Deliveries::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Deliveries::NotificationId).uuid().not_null())
                    .col(ColumnDef::new(Deliveries::RecipientId).uuid().not_null())
                    .col(
                        ColumnDef::new(Deliveries::Channel)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Deliveries::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Deliveries::Attempts).integer().not_null())
                    .col(ColumnDef::new(Deliveries::Detail).string_len(300).null())
                    .col(ts(Deliveries::NotBefore))
                    .col(ts(Deliveries::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("deliveries_notification_fk")
                            .from(Deliveries::Table, Deliveries::NotificationId)
                            .to(Notifications::Table, Notifications::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "deliveries_notification_channel_key",
                    Deliveries::Table,
                    &["notification_id", "channel"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        // The worker's scan: due pending rows.
        manager
            .create_index(index(
                "deliveries_due_idx",
                Deliveries::Table,
                &["status", "not_before"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Devices::Table)
                    .col(ColumnDef::new(Devices::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Devices::UserId).uuid().not_null())
                    .col(ColumnDef::new(Devices::Platform).string_len(16).not_null())
                    .col(ColumnDef::new(Devices::Token).string_len(512).not_null())
                    .col(ts(Devices::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("devices_token_key", Devices::Table, &["token"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "devices_user_idx",
                Devices::Table,
                &["user_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NotificationPreferences::Table)
                    .col(
                        ColumnDef::new(NotificationPreferences::UserId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NotificationPreferences::Kind)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NotificationPreferences::Channel)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(NotificationPreferences::Enabled)
                            .boolean()
                            .not_null(),
                    )
                    .col(ts(NotificationPreferences::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(NotificationPreferences::UserId)
                            .col(NotificationPreferences::Kind)
                            .col(NotificationPreferences::Channel),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(QuietHours::Table)
                    .col(
                        ColumnDef::new(QuietHours::UserId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(QuietHours::StartMinute).integer().not_null())
                    .col(ColumnDef::new(QuietHours::EndMinute).integer().not_null())
                    .col(
                        ColumnDef::new(QuietHours::Timezone)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ts(QuietHours::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Consents::Table)
                    .col(ColumnDef::new(Consents::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Consents::UserId).uuid().not_null())
                    .col(ColumnDef::new(Consents::Channel).string_len(16).not_null())
                    .col(ColumnDef::new(Consents::Granted).boolean().not_null())
                    .col(ts(Consents::RecordedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "consents_user_idx",
                Consents::Table,
                &["user_id", "channel", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CoachContacts::Table)
                    .col(ColumnDef::new(CoachContacts::AthleteId).uuid().not_null())
                    .col(ColumnDef::new(CoachContacts::CoachId).uuid().not_null())
                    .col(ts(CoachContacts::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(CoachContacts::AthleteId)
                            .col(CoachContacts::CoachId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CoachContacts::Table.into_iden(),
            Consents::Table.into_iden(),
            QuietHours::Table.into_iden(),
            NotificationPreferences::Table.into_iden(),
            Devices::Table.into_iden(),
            Deliveries::Table.into_iden(),
            Notifications::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
