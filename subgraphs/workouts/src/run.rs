//! The workouts process: database, catalogue and demo data, purge job, HTTP.

use std::sync::Arc;

use axum::Router;
use sea_orm::DatabaseConnection;
use tessera_kit::{
    config::SubgraphConfig,
    events::{Bus, Reactions, Wiring},
    purge::Retention,
    server::{self, Prepared, ServeError},
    startup::Startup,
    viewer::RouterTrust,
};
use tessera_migrations::WorkoutsMigrator;

use crate::{
    demo,
    graphql::{AccessCell, Live},
    schema,
    service::access::Access,
    service::{self, catalogue},
};

/// Domain settings of the workouts subgraph.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// How long soft-deleted workouts and plans are kept before the purge removes them, and how
    /// often it looks (30 days, hourly).
    pub retention: Retention,
    /// The events between domains (none: the outbox waits).
    pub events: Option<Wiring>,
}

/// What the workouts domain does with other domains' events.
pub fn reactions() -> Reactions {
    Reactions {
        handler: Arc::new(crate::reactions::REACTIONS),
        severs_coaching_links: true,
    }
}

/// The HTTP app over `db`, answering requests the router signed (`trust`), with no live
/// updates.
pub fn app(db: DatabaseConnection, trust: RouterTrust) -> Router {
    app_with(db, trust, None)
}

/// [`app`], its subscriptions following the training events on `bus`.
pub fn app_with(db: DatabaseConnection, trust: RouterTrust, bus: Option<Bus>) -> Router {
    let schema = schema::build(db.clone(), bus.map(Live));
    server::app_with_hooks(
        schema,
        db,
        trust,
        Arc::new(|request| {
            request.data.insert(AccessCell::default());
        }),
        Arc::new(|viewer, data| {
            data.insert(Access::new(viewer.clone()));
        }),
    )
}

/// [`prepare_with`] the default [`Settings`].
pub async fn prepare(config: &SubgraphConfig, trust: RouterTrust) -> Result<Prepared, ServeError> {
    prepare_with(config, Settings::default(), trust).await
}

/// Connects (migrating when configured), seeds the exercise catalogue (always: it is
/// reference data) and the demo training (when configured), and binds the port.
/// Then starts the job purging soft-deleted rows past `settings.retention`.
pub async fn prepare_with(
    config: &SubgraphConfig,
    settings: Settings,
    trust: RouterTrust,
) -> Result<Prepared, ServeError> {
    let retention = settings.retention;
    let bus = settings.events.as_ref().map(|w| w.bus.clone());
    Startup::<WorkoutsMigrator>::new("workouts")
        .events(settings.events.clone(), Some(reactions()))
        .reference_data(|db, now| async move { catalogue::seed(&db, now).await })
        .demo_data(|db, now| async move { demo::seed(&db, now).await })
        .purge(
            "workouts and plans",
            retention.every,
            move |db, now| async move {
                service::purge::purge_deleted(&db, &retention, now)
                    .await
                    .map(|p| p.total())
            },
        )
        .prepare(config, |db| app_with(db, trust, bus))
        .await
}
