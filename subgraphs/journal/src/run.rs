//! The journal process: database, demo data, purge job, HTTP.

use std::sync::Arc;

use axum::Router;
use sea_orm::DatabaseConnection;
use tessera_kit::{
    config::SubgraphConfig,
    events::{Reactions, Wiring},
    purge::Retention,
    server::{self, Prepared, ServeError},
    startup::Startup,
    viewer::RouterTrust,
};
use tessera_migrations::JournalMigrator;

use crate::{demo, graphql::RequestCell, schema, service};

/// Domain settings of the journal subgraph.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// How long soft-deleted journal entries are kept before the purge removes them, and how
    /// often it looks (30 days, hourly).
    pub retention: Retention,
    /// The events between domains (none: the outbox waits).
    pub events: Option<Wiring>,
}

/// What the journal domain does with other domains' events.
pub fn reactions() -> Reactions {
    Reactions {
        handler: Arc::new(crate::reactions::REACTIONS),
        severs_coaching_links: true,
    }
}

/// The HTTP app over `db`, answering requests the router signed (`trust`).
pub fn app(db: DatabaseConnection, trust: RouterTrust) -> Router {
    let schema = schema::build(db.clone());
    server::app_with_hook(
        schema,
        db,
        trust,
        Arc::new(|request| {
            request.data.insert(RequestCell::default());
        }),
    )
}

/// [`prepare_with`] the default [`Settings`].
pub async fn prepare(config: &SubgraphConfig, trust: RouterTrust) -> Result<Prepared, ServeError> {
    prepare_with(config, Settings::default(), trust).await
}

/// Connects (migrating and seeding when configured) and binds the port.
/// Then starts the job purging soft-deleted rows past `settings.retention`.
pub async fn prepare_with(
    config: &SubgraphConfig,
    settings: Settings,
    trust: RouterTrust,
) -> Result<Prepared, ServeError> {
    let retention = settings.retention;
    Startup::<JournalMigrator>::new("journal")
        .events(settings.events.clone(), Some(reactions()))
        .demo_data(|db, now| async move { demo::seed(&db, now).await })
        .purge(
            "journal entries",
            retention.every,
            move |db, now| async move { service::purge::purge_deleted(&db, &retention, now).await },
        )
        .prepare(config, |db| app(db, trust))
        .await
}
