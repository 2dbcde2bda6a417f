//! Users and the coach–athlete relationship.
//!
//! `handle` and `email` are stored normalised (lowercase) by the service, so plain unique
//! indexes enforce case-insensitive uniqueness on both backends. `roles` is a bit set (see
//! `tessera_users::entity::user::Role`): one column keeps entity batches to a single
//! statement and a role filter to `roles & bit <> 0` on SQLite and PostgreSQL alike.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Handle,
    DisplayName,
    Email,
    Roles,
    SubscriptionTier,
    Timezone,
    AvatarUrl,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
    PurgeAfter,
}

#[derive(DeriveIden)]
enum CoachAthletes {
    Table,
    CoachId,
    AthleteId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(ColumnDef::new(Users::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Users::Handle).string_len(30).not_null())
                    .col(ColumnDef::new(Users::DisplayName).string_len(80).not_null())
                    .col(ColumnDef::new(Users::Email).string_len(254).not_null())
                    .col(ColumnDef::new(Users::Roles).integer().not_null())
                    .col(
                        ColumnDef::new(Users::SubscriptionTier)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Users::Timezone).string_len(64).not_null())
                    .col(ColumnDef::new(Users::AvatarUrl).string_len(2048).null())
                    .col(
                        ColumnDef::new(Users::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Users::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Users::DeletedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Users::PurgeAfter)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("users_handle_key")
                    .table(Users::Table)
                    .col(Users::Handle)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("users_email_key")
                    .table(Users::Table)
                    .col(Users::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The purge job scans soft-deleted rows whose retention has passed.
        manager
            .create_index(
                Index::create()
                    .name("users_purge_after_idx")
                    .table(Users::Table)
                    .col(Users::PurgeAfter)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CoachAthletes::Table)
                    .col(ColumnDef::new(CoachAthletes::CoachId).uuid().not_null())
                    .col(ColumnDef::new(CoachAthletes::AthleteId).uuid().not_null())
                    .col(
                        ColumnDef::new(CoachAthletes::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(CoachAthletes::CoachId)
                            .col(CoachAthletes::AthleteId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("coach_athletes_coach_fk")
                            .from(CoachAthletes::Table, CoachAthletes::CoachId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("coach_athletes_athlete_fk")
                            .from(CoachAthletes::Table, CoachAthletes::AthleteId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // "Who coaches this athlete" is asked as often as "whom does this coach coach".
        manager
            .create_index(
                Index::create()
                    .name("coach_athletes_athlete_idx")
                    .table(CoachAthletes::Table)
                    .col(CoachAthletes::AthleteId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CoachAthletes::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}
