//! The journal process: database, demo data, HTTP.

use std::sync::Arc;

use axum::Router;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use tessera_kit::{
    config::SubgraphConfig,
    db::connect_and_migrate,
    server::{self, Prepared, ServeError},
};
use tessera_migrations::JournalMigrator;

use crate::{demo, graphql::RequestCell, schema};

/// The HTTP app over `db`.
pub fn app(db: DatabaseConnection) -> Router {
    let schema = schema::build(db.clone());
    server::app_with_hook(
        schema,
        db,
        Arc::new(|request| {
            request.data.insert(RequestCell::default());
        }),
    )
}

/// Connects (migrating and seeding when configured) and binds the port.
pub async fn prepare(config: &SubgraphConfig) -> Result<Prepared, ServeError> {
    let db = connect_and_migrate::<JournalMigrator>(&config.database).await?;
    if config.database.demo_data {
        demo::seed(&db, Utc::now())
            .await
            .map_err(ServeError::DemoData)?;
    }
    let listener = server::bind("journal", config.listen).await?;
    Ok(Prepared {
        name: "journal",
        listener,
        app: app(db),
    })
}
