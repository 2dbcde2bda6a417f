//! Migrations of the workouts domain.

use sea_orm_migration::prelude::*;

mod m20261124_000001_create_workouts;

/// Applies the workouts domain's tables and indexes.
pub struct WorkoutsMigrator;

#[async_trait::async_trait]
impl MigratorTrait for WorkoutsMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_workouts::Migration),
            Box::new(crate::events::m20261208_000001_events::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        "seaql_migrations_workouts".into_iden()
    }
}
