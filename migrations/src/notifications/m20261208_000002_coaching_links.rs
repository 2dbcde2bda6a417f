//! `coaching_links`: who coaches whom, as the users domain announced it (linked, unlinked), so an athlete's progress reaches each of their coaches.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CoachingLinks {
    Table,
    CoachId,
    AthleteId,
    LinkedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CoachingLinks::Table)
                    .col(ColumnDef::new(CoachingLinks::CoachId).uuid().not_null())
                    .col(ColumnDef::new(CoachingLinks::AthleteId).uuid().not_null())
                    .col(
                        ColumnDef::new(CoachingLinks::LinkedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(CoachingLinks::CoachId)
                            .col(CoachingLinks::AthleteId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("coaching_links_athlete_idx")
                    .table(CoachingLinks::Table)
                    .col(CoachingLinks::AthleteId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CoachingLinks::Table).to_owned())
            .await
    }
}
