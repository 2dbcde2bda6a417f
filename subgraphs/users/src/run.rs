//! The users process: database, demo data, purge job, HTTP.

use std::{sync::Arc, time::Duration};

use axum::{
    Json, Router,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::Utc;
use sea_orm::DatabaseConnection;
use tessera_kit::{
    config::SubgraphConfig,
    db::connect_and_migrate,
    purge,
    server::{self, Prepared, ServeError},
    viewer::RouterTrust,
};
use tessera_migrations::UsersMigrator;

use crate::{
    demo,
    graphql::AccessCell,
    schema,
    service::{accounts, keys::KeyRing, sessions::AuthSettings},
};

/// Domain settings of the users subgraph.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How long a deleted account's data is kept before the purge removes it.
    pub deletion_retention: chrono::Duration,
    /// How often the purge job looks for accounts past their retention.
    pub purge_every: Duration,
    /// Token and signing-key lifetimes.
    pub auth: AuthSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            deletion_retention: chrono::Duration::days(30),
            purge_every: Duration::from_secs(3600),
            auth: AuthSettings::default(),
        }
    }
}

/// The HTTP app over `db`, answering requests the router signed (`trust`).
/// Also serves the access-token keys at `/.well-known/jwks.json` (public, like health).
pub fn app(db: DatabaseConnection, settings: Settings, trust: RouterTrust) -> Router {
    let keys = Arc::new(KeyRing::new(
        db.clone(),
        settings.auth.key_rotation,
        settings.auth.access_ttl,
    ));
    let schema = schema::build(db.clone(), settings, keys.clone());
    server::app_with_hook(
        schema,
        db,
        trust,
        Arc::new(|request| {
            request.data.insert(AccessCell::default());
        }),
    )
    .route(
        "/.well-known/jwks.json",
        get(move || {
            let keys = keys.clone();
            async move { jwks(&keys).await }
        }),
    )
}

async fn jwks(keys: &KeyRing) -> Response {
    match keys.jwks(Utc::now()).await {
        Ok(document) => (
            [(header::CACHE_CONTROL, "public, max-age=60")],
            Json(document),
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = ?err, "cannot publish the JWKS");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "error": "the signing keys are unavailable" })),
            )
                .into_response()
        }
    }
}

/// Connects (migrating and seeding when configured), binds the port and starts the
/// purge job.
pub async fn prepare(
    config: &SubgraphConfig,
    settings: Settings,
    trust: RouterTrust,
) -> Result<Prepared, ServeError> {
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
        app: app(db, settings, trust),
    })
}
