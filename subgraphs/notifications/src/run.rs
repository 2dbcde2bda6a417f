//! The notifications process: database, demo data, the delivery worker, purge job, HTTP.

use std::{sync::Arc, time::Duration};

use axum::Router;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use tessera_kit::{
    config::SubgraphConfig,
    events::{Bus, Reactions, Wiring},
    purge::Retention,
    server::{self, Prepared, ServeError},
    startup::Startup,
    viewer::RouterTrust,
};
use tessera_migrations::NotificationsMigrator;

use crate::{
    demo,
    graphql::{Live, RequestCell},
    schema,
    service::{
        self,
        delivery::{self, Providers},
    },
};

/// How often the worker looks for due deliveries.
const WORKER_EVERY: Duration = Duration::from_secs(2);
/// Deliveries per worker run.
const WORKER_BATCH: u64 = 200;

/// Domain settings of the notifications subgraph.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// How long soft-deleted notifications are kept before the purge removes them, and how
    /// often it looks (30 days, hourly). The same job removes consent-ledger records past
    /// their own deadline ([`service::ledger`]).
    pub retention: Retention,
    /// The events between domains (none: the outbox waits).
    pub events: Option<Wiring>,
}

/// What the notifications domain does with other domains' events.
pub fn reactions() -> Reactions {
    Reactions {
        handler: Arc::new(crate::reactions::Reactions),
        severs_coaching_links: true,
    }
}

/// The HTTP app over `db`, answering requests the router signed (`trust`), with no live
/// updates.
pub fn app(db: DatabaseConnection, trust: RouterTrust) -> Router {
    app_with(db, trust, None)
}

/// [`app`], its subscriptions following the inbox's events on `bus`.
pub fn app_with(db: DatabaseConnection, trust: RouterTrust, bus: Option<Bus>) -> Router {
    let schema = schema::build(db.clone(), bus.map(Live));
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

/// Connects (migrating and seeding when configured), binds the port and starts the
/// delivery worker with the providers this build has (the in-app inbox).
/// Then starts the job purging soft-deleted rows past `settings.retention`.
pub async fn prepare_with(
    config: &SubgraphConfig,
    settings: Settings,
    trust: RouterTrust,
) -> Result<Prepared, ServeError> {
    let retention = settings.retention;
    let bus = settings.events.as_ref().map(|w| w.bus.clone());
    Startup::<NotificationsMigrator>::new("notifications")
        .events(settings.events.clone(), Some(reactions()))
        .demo_data(|db, now| async move { demo::seed(&db, now).await })
        .worker(|db| worker(db, Providers::default()))
        .purge(
            "notifications",
            retention.every,
            move |db, now| async move {
                let notifications = service::purge::purge_deleted(&db, &retention, now).await?;
                // Each ledger record carries its own deadline (three years after the erasure).
                let ledger = service::ledger::purge_expired(&db, now).await?;
                Ok(notifications + ledger)
            },
        )
        .prepare(config, |db| app_with(db, trust, bus))
        .await
}

async fn worker(db: DatabaseConnection, providers: Providers) {
    let mut tick = tokio::time::interval(WORKER_EVERY);
    loop {
        tick.tick().await;
        match delivery::deliver_due(&db, &providers, Utc::now(), WORKER_BATCH).await {
            Ok(report) if report == delivery::Report::default() => {}
            Ok(report) => tracing::debug!(?report, "delivered notifications"),
            Err(err) => tracing::warn!(error = %err, "delivery run failed; will retry"),
        }
    }
}
