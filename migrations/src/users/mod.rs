//! Migrations of the users domain.

use sea_orm_migration::prelude::*;

mod m20261123_000001_create_users;
mod m20261124_000001_create_auth;
mod m20261202_000001_api_keys;
mod m20261207_000001_audit_log;
mod m20261208_000002_erasure_receipts;

/// Applies the users domain's tables and indexes.
pub struct UsersMigrator;

#[async_trait::async_trait]
impl MigratorTrait for UsersMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_users::Migration),
            Box::new(m20261124_000001_create_auth::Migration),
            Box::new(m20261202_000001_api_keys::Migration),
            Box::new(m20261207_000001_audit_log::Migration),
            Box::new(crate::events::m20261208_000001_events::Migration),
            Box::new(m20261208_000002_erasure_receipts::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        "seaql_migrations_users".into_iden()
    }
}
