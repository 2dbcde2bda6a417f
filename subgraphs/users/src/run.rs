//! The users process: database, demo data, purge job, HTTP.

use std::{sync::Arc, time::Duration};

use axum::Router;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use tessera_kit::{
    config::SubgraphConfig,
    db::connect_and_migrate,
    purge,
    server::{self, Prepared, ServeError},
};
use tessera_migrations::UsersMigrator;

use crate::{demo, graphql::AccessCell, schema, service::accounts};

/// Domain settings of the users subgraph.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How long a deleted account's data is kept before the purge removes it.
    pub deletion_retention: chrono::Duration,
    /// How often the purge job looks for accounts past their retention.
    pub purge_every: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            deletion_retention: chrono::Duration::days(30),
            purge_every: Duration::from_secs(3600),
        }
    }
}

/// The HTTP app over `db`.
pub fn app(db: DatabaseConnection, settings: Settings) -> Router {
    let schema = schema::build(db.clone(), settings);
    server::app_with_hook(
        schema,
        db,
        Arc::new(|request| {
            request.data.insert(AccessCell::default());
        }),
    )
}

/// Connects (migrating and seeding when configured), binds the port and starts the
/// purge job.
pub async fn prepare(config: &SubgraphConfig, settings: Settings) -> Result<Prepared, ServeError> {
    let db = connect_and_migrate::<UsersMigrator>(&config.database).await?;
    if config.database.demo_data {
        demo::seed(&db, Utc::now())
            .await
            .map_err(ServeError::DemoData)?;
    }
    let listener = server::bind("users", config.listen).await?;
    let purge_db = db.clone();
    purge::spawn("deleted accounts", settings.purge_every, move |now| {
        let db = purge_db.clone();
        async move { accounts::purge_deleted(&db, now).await }
    });
    Ok(Prepared {
        name: "users",
        listener,
        app: app(db, settings),
    })
}
