//! The workouts process: database, catalogue and demo data, HTTP.

use std::sync::Arc;

use axum::Router;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use tessera_kit::{
    config::SubgraphConfig,
    db::connect_and_migrate,
    server::{self, Prepared, ServeError},
};
use tessera_migrations::WorkoutsMigrator;

use crate::{demo, graphql::AccessCell, schema, service::catalogue};

/// The HTTP app over `db`.
pub fn app(db: DatabaseConnection) -> Router {
    let schema = schema::build(db.clone());
    server::app_with_hook(
        schema,
        db,
        Arc::new(|request| {
            request.data.insert(AccessCell::default());
        }),
    )
}

/// Connects (migrating when configured), seeds the exercise catalogue (always: it is
/// reference data) and the demo training (when configured), and binds the port.
pub async fn prepare(config: &SubgraphConfig) -> Result<Prepared, ServeError> {
    let db = connect_and_migrate::<WorkoutsMigrator>(&config.database).await?;
    let now = Utc::now();
    if config.database.migrate_on_start || config.database.demo_data {
        catalogue::seed(&db, now)
            .await
            .map_err(ServeError::DemoData)?;
    }
    if config.database.demo_data {
        demo::seed(&db, now).await.map_err(ServeError::DemoData)?;
    }
    let listener = server::bind("workouts", config.listen).await?;
    Ok(Prepared {
        name: "workouts",
        listener,
        app: app(db),
    })
}
