//! Migrations of the codex domain.

use sea_orm_migration::prelude::*;

mod m20261124_000001_create_codex;
mod m20261201_000001_entry_kinds;
mod m20261205_000001_practice_steps;

/// Applies the codex domain's tables, indexes and full-text search.
pub struct CodexMigrator;

#[async_trait::async_trait]
impl MigratorTrait for CodexMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_codex::Migration),
            Box::new(m20261201_000001_entry_kinds::Migration),
            Box::new(m20261205_000001_practice_steps::Migration),
            Box::new(crate::events::m20261208_000001_events::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        "seaql_migrations_codex".into_iden()
    }
}
