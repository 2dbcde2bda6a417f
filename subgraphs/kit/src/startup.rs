//! Starting a subgraph process: the sequence every domain's `run::prepare` follows.
//!
//! Connect (migrating when configured), seed reference data and demo data, bind the
//! port, start the background work (the purge of soft-deleted rows, a domain's own
//! worker), and hand back the [`Prepared`] app. A domain says only what is its own: its
//! migrator, its seed and purge functions, its app. The order is the same for every
//! domain, so a subgraph never serves before its data is in place, and never runs a
//! purge or a worker for a process that failed to bind its port.

use std::{future::Future, marker::PhantomData, pin::Pin, time::Duration};

use axum::Router;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;

use crate::{
    config::SubgraphConfig,
    db::connect_and_migrate,
    error::ServiceError,
    events::{Reactions, Wiring},
    purge,
    server::{self, Prepared, ServeError},
};

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type Seed = Box<
    dyn FnOnce(DatabaseConnection, DateTime<Utc>) -> BoxFuture<Result<(), ServiceError>> + Send,
>;
type Worker = Box<dyn FnOnce(DatabaseConnection) -> BoxFuture<()> + Send>;
type PurgeRun = Box<
    dyn FnMut(DatabaseConnection, DateTime<Utc>) -> BoxFuture<Result<u64, ServiceError>> + Send,
>;

/// The purge job a subgraph runs, as [`Startup::purge`] describes it.
struct Purge {
    what: &'static str,
    every: Duration,
    run: PurgeRun,
}

/// How one subgraph process starts, with `M` its migrator: built by the domain's
/// `run::prepare_with`, run by [`Startup::prepare`].
///
/// ```ignore
/// Startup::<JournalMigrator>::new("journal")
///     .demo_data(|db, now| async move { demo::seed(&db, now).await })
///     .purge("journal entries", retention.every, move |db, now| async move {
///         service::purge::purge_deleted(&db, &retention, now).await
///     })
///     .prepare(config, |db| app(db, trust))
///     .await
/// ```
#[must_use = "a startup does nothing until `prepare` is awaited"]
pub struct Startup<M> {
    name: &'static str,
    reference_data: Option<Seed>,
    demo_data: Option<Seed>,
    workers: Vec<Worker>,
    purge: Option<Purge>,
    events: Option<(Wiring, Option<Reactions>)>,
    migrator: PhantomData<fn() -> M>,
}

impl<M: MigratorTrait> Startup<M> {
    /// The start of subgraph `name` (its name in logs, errors and [`Prepared::name`]),
    /// with nothing to seed and no background work yet.
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            reference_data: None,
            demo_data: None,
            workers: Vec::new(),
            purge: None,
            events: None,
            migrator: PhantomData,
        }
    }

    /// Seeds data the service cannot work without (the exercise catalogue), whenever this
    /// process manages its schema (`migrate_on_start`) or is asked for demo data, before
    /// any demo data. `seed` must be idempotent: it runs on every start.
    pub fn reference_data<F, Fut>(mut self, seed: F) -> Self
    where
        F: FnOnce(DatabaseConnection, DateTime<Utc>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), ServiceError>> + Send + 'static,
    {
        self.reference_data = Some(Box::new(move |db, now| Box::pin(seed(db, now))));
        self
    }

    /// Seeds the demo data set when the config asks for it (`demo_data`). `seed` must be
    /// idempotent: it runs on every start.
    pub fn demo_data<F, Fut>(mut self, seed: F) -> Self
    where
        F: FnOnce(DatabaseConnection, DateTime<Utc>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), ServiceError>> + Send + 'static,
    {
        self.demo_data = Some(Box::new(move |db, now| Box::pin(seed(db, now))));
        self
    }

    /// Spawns `work` over the database once the port is bound; it runs for the life of
    /// the process (a delivery worker, say).
    pub fn worker<F, Fut>(mut self, work: F) -> Self
    where
        F: FnOnce(DatabaseConnection) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.workers.push(Box::new(move |db| Box::pin(work(db))));
        self
    }

    /// Runs `run` over the database now and then `every`, once the port is bound, as
    /// [`purge::spawn`] does: `what` says in the logs what it removes, `run` returns how
    /// many rows it removed.
    pub fn purge<F, Fut>(mut self, what: &'static str, every: Duration, mut run: F) -> Self
    where
        F: FnMut(DatabaseConnection, DateTime<Utc>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<u64, ServiceError>> + Send + 'static,
    {
        self.purge = Some(Purge {
            what,
            every,
            run: Box::new(move |db, now| Box::pin(run(db, now))),
        });
        self
    }

    /// Takes part in the events between domains over `wiring` (none: this process's
    /// outbox waits): relays the outbox once the port is bound and, given `reactions`,
    /// takes the events they react to.
    pub fn events(mut self, wiring: Option<Wiring>, reactions: Option<Reactions>) -> Self {
        self.events = wiring.map(|w| (w, reactions));
        self
    }

    /// Connects (migrating with `M` when configured), seeds reference data (when
    /// migrating or seeding demo data) then demo data (when configured), binds the port,
    /// starts the workers and the purge job, and returns the app `app` builds over the
    /// database. A failed seed is [`ServeError::DemoData`].
    pub async fn prepare(
        self,
        config: &SubgraphConfig,
        app: impl FnOnce(DatabaseConnection) -> Router,
    ) -> Result<Prepared, ServeError> {
        let settings = &config.database;
        let db = connect_and_migrate::<M>(settings).await?;
        let now = Utc::now();
        if let Some(seed) = self.reference_data
            && (settings.migrate_on_start || settings.demo_data)
        {
            seed(db.clone(), now).await.map_err(ServeError::DemoData)?;
        }
        if let Some(seed) = self.demo_data
            && settings.demo_data
        {
            seed(db.clone(), now).await.map_err(ServeError::DemoData)?;
        }
        let listener = server::bind(self.name, config.listen).await?;
        if let Some((wiring, reactions)) = self.events {
            // Runs for the life of the process, like the workers.
            drop(wiring.start(self.name, &db, reactions));
        }
        for work in self.workers {
            tokio::spawn(work(db.clone()));
        }
        if let Some(Purge {
            what,
            every,
            mut run,
        }) = self.purge
        {
            let db = db.clone();
            purge::spawn(what, every, move |now| run(db.clone(), now));
        }
        Ok(Prepared {
            name: self.name,
            listener,
            app: app(db).into(),
            // Its one client is the router, from one address: no limit per address.
            limits: tessera_serving::ConnectionLimits {
                max_connections_per_ip: 0,
                ..tessera_serving::ConnectionLimits::default()
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use sea_orm_migration::MigrationTrait;
    use tokio::sync::mpsc;

    use super::*;
    use crate::config::DatabaseConfig;

    /// A migrator with nothing to apply: the kit owns no tables.
    struct NoMigrations;

    impl MigratorTrait for NoMigrations {
        fn migrations() -> Vec<Box<dyn MigrationTrait>> {
            Vec::new()
        }
    }

    fn config(migrate_on_start: bool, demo_data: bool) -> SubgraphConfig {
        SubgraphConfig {
            listen: "127.0.0.1:0".parse().expect("a valid address"),
            database: DatabaseConfig {
                migrate_on_start,
                demo_data,
                ..DatabaseConfig::new("sqlite::memory:")
            },
        }
    }

    /// The seeds that ran, in order, for a start with `config`.
    async fn seeds_run(config: SubgraphConfig) -> Vec<&'static str> {
        let log = Arc::new(Mutex::new(Vec::new()));
        let (reference, demo) = (log.clone(), log.clone());
        Startup::<NoMigrations>::new("things")
            .demo_data(move |_db, _now| async move {
                demo.lock().expect("log").push("demo");
                Ok(())
            })
            .reference_data(move |_db, _now| async move {
                reference.lock().expect("log").push("reference");
                Ok(())
            })
            .prepare(&config, |_db| Router::new())
            .await
            .expect("the subgraph starts");
        log.lock().expect("log").clone()
    }

    #[tokio::test]
    async fn demo_data_is_seeded_only_when_configured_and_after_reference_data() {
        assert_eq!(seeds_run(config(false, false)).await, Vec::<&str>::new());
        assert_eq!(seeds_run(config(true, false)).await, vec!["reference"]);
        assert_eq!(
            seeds_run(config(false, true)).await,
            vec!["reference", "demo"]
        );
        assert_eq!(
            seeds_run(config(true, true)).await,
            vec!["reference", "demo"]
        );
    }

    #[tokio::test]
    async fn a_failed_seed_stops_the_start_as_a_demo_data_error() {
        let refused = Startup::<NoMigrations>::new("things")
            .demo_data(|_db, _now| async { Err(ServiceError::internal("no demo today")) })
            .prepare(&config(true, true), |_db| Router::new())
            .await;
        assert!(
            matches!(refused, Err(ServeError::DemoData(_))),
            "a seed failure is a demo-data error"
        );
    }

    #[tokio::test]
    async fn the_port_is_bound_and_the_purge_and_workers_start() {
        let (sent, mut started) = mpsc::unbounded_channel();
        let (purged, worked) = (sent.clone(), sent);
        let prepared = Startup::<NoMigrations>::new("things")
            .worker(move |_db| async move {
                worked.send("worker").expect("the test listens");
            })
            .purge("things", Duration::from_secs(3600), move |_db, _now| {
                let purged = purged.clone();
                async move {
                    purged.send("purge").expect("the test listens");
                    Ok(0)
                }
            })
            .prepare(&config(true, false), |_db| Router::new())
            .await
            .expect("the subgraph starts");
        assert_eq!(prepared.name, "things");
        let addr = prepared.listener.local_addr().expect("a bound port");
        assert!(addr.ip().is_loopback() && addr.port() != 0);
        let mut seen = Vec::new();
        for _ in 0..2 {
            let next = tokio::time::timeout(Duration::from_secs(5), started.recv())
                .await
                .expect("the background work starts at once")
                .expect("the test listens");
            seen.push(next);
        }
        seen.sort_unstable();
        assert_eq!(seen, vec!["purge", "worker"]);
    }
}
