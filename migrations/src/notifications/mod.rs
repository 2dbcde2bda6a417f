//! Migrations of the notifications domain.

use sea_orm_migration::prelude::*;

mod m20261124_000001_create_notifications;
mod m20261201_000001_consent_ledger;
mod m20261208_000002_coaching_links;

/// Applies the notifications domain's tables and indexes.
pub struct NotificationsMigrator;

#[async_trait::async_trait]
impl MigratorTrait for NotificationsMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_notifications::Migration),
            Box::new(m20261201_000001_consent_ledger::Migration),
            Box::new(crate::events::m20261208_000001_events::Migration),
            Box::new(m20261208_000002_coaching_links::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        "seaql_migrations_notifications".into_iden()
    }
}
