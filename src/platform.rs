//! Starting the platform's processes from the configuration.

use std::{io, sync::Arc};

use sea_orm_migration::MigratorTrait;
use tessera_identity::Ed25519Key;
use tessera_kit::{db, events::Wiring, server::ServeError, viewer::RouterTrust};
use tessera_migrations::{
    CodexMigrator, JournalMigrator, NotificationsMigrator, UsersMigrator, WorkoutsMigrator,
};
use tessera_serving::{Apps, Prepared};
use tokio_util::sync::CancellationToken;

use crate::{
    compose::PARTNER_TAG,
    config::{Config, ConfigError},
};

/// The subgraphs this build contains, in port order.
pub const SUBGRAPHS: &[&str] = &["users", "workouts", "notifications", "journal", "codex"];

/// The supergraph built into this binary: the committed `schema/supergraph.graphql`
/// (the contract tests keep it equal to a fresh composition).
pub const SUPERGRAPH: &str = include_str!("../schema/supergraph.graphql");

/// Why the platform could not start or migrate.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// The configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A subgraph name this build does not know.
    #[error("unknown subgraph `{0}` (this build has: {list})", list = SUBGRAPHS.join(", "))]
    UnknownSubgraph(String),
    /// A subgraph failed to start.
    #[error("subgraph `{name}`: {source}")]
    Subgraph {
        /// Which one.
        name: String,
        /// Why.
        source: ServeError,
    },
    /// The router could not start.
    #[error("router: {0}")]
    Router(String),
    /// The audit log could not be read.
    #[error("the audit log: {0}")]
    Audit(String),
    /// A subgraph stopped with an I/O error.
    #[error("subgraph `{name}` stopped: {source}")]
    Stopped {
        /// Which one.
        name: String,
        /// Why.
        source: io::Error,
    },
}

/// How the subgraphs of this process take part in the events between domains: on Redis
/// Streams when `redis.url` is set; else in process when this process runs every
/// subgraph (`all_here`); else not at all (the outbox waits for a configuration that
/// reaches the other domains, and a warning says so). An in-process bus must be
/// [`Wiring::open`]ed once every subgraph started.
pub fn events(config: &Config, all_here: bool) -> Result<Option<Wiring>, PlatformError> {
    match (&config.redis.url, all_here) {
        (Some(url), _) => Wiring::new(Some(url), config.events.clone())
            .map(Some)
            .map_err(|err| PlatformError::Router(format!("`redis.url` for events: {err}"))),
        (None, true) => Wiring::new(None, config.events.clone())
            .map(Some)
            .map_err(PlatformError::Router),
        (None, false) => {
            tracing::warn!(
                "redis.url is not set and this process does not run every subgraph: events stay in the outbox until Redis is configured (erasure, coach notifications wait)"
            );
            Ok(None)
        }
    }
}

/// Connects, migrates and seeds (as configured) and binds subgraph `name`, which will
/// answer requests the router signed (`trust`) and takes part in events over `wiring`.
pub async fn prepare(
    config: &Config,
    name: &str,
    trust: RouterTrust,
    wiring: Option<&Wiring>,
) -> Result<Prepared, PlatformError> {
    let subgraph = config.subgraph(name)?;
    let retention = config.retention.retention();
    let events = wiring.cloned();
    let prepared = match name {
        "users" => {
            let settings = tessera_users::Settings {
                events,
                ..config.users.settings(&subgraph.database.url)?
            };
            tessera_users::prepare(subgraph, settings, trust).await
        }
        "workouts" => {
            let settings = tessera_workouts::Settings { retention, events };
            tessera_workouts::prepare_with(subgraph, settings, trust).await
        }
        "notifications" => {
            let settings = tessera_notifications::Settings { retention, events };
            tessera_notifications::prepare_with(subgraph, settings, trust).await
        }
        "journal" => {
            let settings = tessera_journal::Settings { retention, events };
            tessera_journal::prepare_with(subgraph, settings, trust).await
        }
        "codex" => {
            let settings = tessera_codex::Settings { retention, events };
            tessera_codex::prepare_with(subgraph, settings, trust).await
        }
        other => return Err(PlatformError::UnknownSubgraph(other.to_owned())),
    };
    prepared.map_err(|source| PlatformError::Subgraph {
        name: name.to_owned(),
        source,
    })
}

/// Serves every prepared subgraph until `shutdown`; the first to fail stops the rest.
pub async fn run(
    prepared: Vec<Prepared>,
    shutdown: CancellationToken,
) -> Result<(), PlatformError> {
    let mut tasks = tokio::task::JoinSet::new();
    for subgraph in prepared {
        let name = subgraph.name;
        let token = shutdown.clone();
        tasks.spawn(async move { (name, subgraph.run(token).await) });
    }
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        if let Ok((name, Err(source))) = joined {
            shutdown.cancel();
            first_error.get_or_insert(PlatformError::Stopped {
                name: name.to_owned(),
                source,
            });
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Applies pending migrations of the named subgraphs (all when `names` is empty) to
/// their configured databases; returns `(subgraph, applied count)`.
/// Verifies the users subgraph's audit log (`tessera audit verify`), with the database
/// and key-encryption keys `config` gives it.
pub async fn audit_verify(
    config: &Config,
) -> Result<tessera_users::service::audit::Verification, PlatformError> {
    let subgraph = config.subgraph("users")?;
    let settings = config.users.settings(&subgraph.database.url)?;
    let failed = |source: db::StartupError| PlatformError::Subgraph {
        name: "users".to_owned(),
        source: ServeError::Database(source),
    };
    let conn = db::connect(&subgraph.database).await.map_err(failed)?;
    tessera_users::service::audit::verify(&conn, &settings.key_encryption)
        .await
        .map_err(|err| PlatformError::Audit(err.to_string()))
}

pub async fn migrate(
    config: &Config,
    names: &[String],
) -> Result<Vec<(String, usize)>, PlatformError> {
    let names: Vec<String> = if names.is_empty() {
        SUBGRAPHS.iter().map(|s| (*s).to_owned()).collect()
    } else {
        names.to_vec()
    };
    let mut report = Vec::new();
    for name in names {
        let subgraph = config.subgraph(&name)?;
        let failed = |source: db::StartupError| PlatformError::Subgraph {
            name: name.clone(),
            source: ServeError::Database(source),
        };
        let conn = db::connect(&subgraph.database).await.map_err(failed)?;
        let migrate_failed = |source| {
            failed(db::StartupError::Migrate {
                url: db::redact(&subgraph.database.url),
                source,
            })
        };
        let applied = match name.as_str() {
            "users" => {
                let pending = UsersMigrator::get_pending_migrations(&conn)
                    .await
                    .map_err(migrate_failed)?
                    .len();
                UsersMigrator::up(&conn, None)
                    .await
                    .map_err(migrate_failed)?;
                pending
            }
            "workouts" => {
                let pending = WorkoutsMigrator::get_pending_migrations(&conn)
                    .await
                    .map_err(migrate_failed)?
                    .len();
                WorkoutsMigrator::up(&conn, None)
                    .await
                    .map_err(migrate_failed)?;
                pending
            }
            "notifications" => {
                let pending = NotificationsMigrator::get_pending_migrations(&conn)
                    .await
                    .map_err(migrate_failed)?
                    .len();
                NotificationsMigrator::up(&conn, None)
                    .await
                    .map_err(migrate_failed)?;
                pending
            }
            "journal" => {
                let pending = JournalMigrator::get_pending_migrations(&conn)
                    .await
                    .map_err(migrate_failed)?
                    .len();
                JournalMigrator::up(&conn, None)
                    .await
                    .map_err(migrate_failed)?;
                pending
            }
            "codex" => {
                let pending = CodexMigrator::get_pending_migrations(&conn)
                    .await
                    .map_err(migrate_failed)?
                    .len();
                CodexMigrator::up(&conn, None)
                    .await
                    .map_err(migrate_failed)?;
                pending
            }
            other => return Err(PlatformError::UnknownSubgraph(other.to_owned())),
        };
        report.push((name, applied));
    }
    Ok(report)
}

/// Binds `telemetry.metrics_listen` and serves Prometheus's `/metrics` there (nothing
/// when it is unset).
pub async fn prepare_metrics(config: &Config) -> Result<Option<Prepared>, PlatformError> {
    let Some(addr) = config.telemetry.metrics_listen else {
        return Ok(None);
    };
    let listener = tessera_serving::bind("metrics", addr)
        .await
        .map_err(|err| PlatformError::Router(format!("`telemetry.metrics_listen`: {err}")))?;
    Ok(Some(Prepared {
        name: "metrics",
        listener,
        app: tessera_router::metrics::app().into(),
        limits: tessera_serving::ConnectionLimits::default(),
    }))
}

/// Where the partner variant is served.
pub const PARTNER_PATH: &str = "/partner/graphql";

/// The partner variant of `supergraph_sdl`: the same supergraph with everything not
/// tagged `partner` made `@inaccessible` (planned with the full join metadata), served
/// at [`PARTNER_PATH`] to callers holding the `partner` role, and to the team (the
/// explorer's team roles: administrators) looking at what partners see; with the
/// router's options and sharing `main`'s caches (an invalidation through the full API
/// reaches it too).
pub fn partner_variant(
    supergraph_sdl: &str,
    options: &tessera_router::pipeline::RouterOptions,
    main: &tessera_router::Router,
) -> Result<tessera_router::server::Variant, PlatformError> {
    let options = tessera_router::pipeline::RouterOptions {
        shared_caches: Some(main.caches().clone()),
        ..options.clone()
    };
    let partner =
        tessera_router::supergraph::variant::contract_supergraph(supergraph_sdl, PARTNER_TAG)
            .and_then(|variant| tessera_router::Supergraph::parse(&variant))
            .map_err(|err| PlatformError::Router(format!("the partner variant: {err}")))?;
    Ok(tessera_router::server::Variant {
        path: PARTNER_PATH.to_owned(),
        role: PARTNER_TAG.to_owned(),
        viewers: tessera_router::explorer::ExplorerOptions::default().team_roles,
        router: Arc::new(
            tessera_router::Router::try_new(partner, &options).map_err(|err| {
                PlatformError::Router(format!("`redis.url` for the response caches: {err}"))
            })?,
        ),
    })
}

/// Loads the supergraph (the configured file, else the built-in one), binds the
/// router's port and builds its app. In the all-in-one `dev` mode, `local_subgraphs`
/// points the router at the subgraphs' configured addresses.
pub async fn prepare_router(
    config: &Config,
    local_subgraphs: bool,
    identity_key: Ed25519Key,
) -> Result<Prepared, PlatformError> {
    if config.telemetry.metrics_listen.is_some() {
        // Before anything records (the APQ store reports Redis at construction).
        tessera_router::metrics::install();
    }
    let sdl = match &config.router.supergraph {
        Some(path) => std::fs::read_to_string(path).map_err(|err| {
            PlatformError::Router(format!(
                "cannot read `router.supergraph` = {}: {err}",
                path.display()
            ))
        })?,
        None => SUPERGRAPH.to_owned(),
    };
    let supergraph = tessera_router::Supergraph::parse(&sdl)
        .map_err(|err| PlatformError::Router(err.to_string()))?;
    let (subgraph_timeout, subgraph_timeouts) = config
        .router
        .subgraph_timeouts(supergraph.subgraphs.iter().map(|s| s.name.as_str()))?;
    // Not refused: one configuration may serve supergraphs before and after a move, as
    // Apollo Router allows; but a misspelt label is worth a line.
    for label in supergraph.unknown_labels(&config.router.override_labels) {
        tracing::warn!(
            label,
            "`router.override_labels` names a label no `@override` of this supergraph has"
        );
    }
    let traffic = config
        .router
        .traffic
        .traffic(supergraph.subgraphs.iter().map(|s| s.name.as_str()))?;
    let headers = config.router.headers.options(
        supergraph.subgraphs.iter().map(|s| s.name.as_str()),
        config
            .router
            .auth
            .api_key_exchange_url
            .as_ref()
            .map(|_| config.router.auth.api_key_header.as_str()),
    )?;
    let mut options = tessera_router::pipeline::RouterOptions {
        subgraph_timeout,
        subgraph_timeouts,
        traffic,
        headers,
        identity_key: Some(identity_key),
        identity_ttl: config.identity.token_ttl(),
        limits: config.router.limits.limits(config.router.production),
        reject_unauthorized: config.router.auth.reject_unauthorized,
        override_labels: config.router.override_labels.clone(),
        cache: config.router.cache.options()?,
        cache_redis_url: config.redis.url.clone(),
        persisted: Arc::new(
            config
                .router
                .persisted_queries
                .persisted(config.redis.url.as_deref())?,
        ),
        ..Default::default()
    };
    if local_subgraphs {
        for (name, subgraph) in &config.subgraphs {
            options
                .subgraph_urls
                .insert(name.clone(), format!("http://{}/graphql", subgraph.listen));
        }
    }
    let mut server_options = config.router.server_options(config.redis.url.as_deref())?;
    let partners =
        tessera_router::supergraph::variant::anything_tagged(&supergraph.schema, PARTNER_TAG);
    let router = Arc::new(
        tessera_router::Router::try_new(supergraph, &options).map_err(|err| {
            PlatformError::Router(format!("`redis.url` for the response caches: {err}"))
        })?,
    );
    if partners {
        server_options
            .variants
            .push(partner_variant(&sdl, &options, &router)?);
        if let Some(explorer) = &mut server_options.explorer {
            explorer.partner = Some(PARTNER_PATH.to_owned());
        }
    } else {
        // Another supergraph (the federation audit's, say): no partner variant to serve.
        tracing::info!(
            "nothing in the supergraph is tagged `{PARTNER_TAG}`: {PARTNER_PATH} is not served"
        );
    }
    let listener = tessera_serving::bind("router", config.router.listen)
        .await
        .map_err(|err| PlatformError::Router(err.to_string()))?;
    // One app per serving thread, each over a replica of the routers (connections and
    // in-flight fetches of its own; plans and caches shared).
    let apps = (0..config.router.serving_threads())
        .map(|_| tessera_router::server::app(Arc::new(router.replica()), server_options.replica()))
        .collect();
    Ok(Prepared {
        name: "router",
        listener,
        app: Apps::PerThread(apps),
        limits: config.router.connections.limits()?,
    })
}
