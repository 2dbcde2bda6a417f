//! Migrations of the journal domain.

use sea_orm_migration::prelude::*;

mod m20261124_000001_create_journal;

/// Applies the journal domain's tables and indexes.
pub struct JournalMigrator;

#[async_trait::async_trait]
impl MigratorTrait for JournalMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_journal::Migration),
            Box::new(crate::events::m20261208_000001_events::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        "seaql_migrations_journal".into_iden()
    }
}
