//! The users process: database, demo data, purge job, HTTP.

use std::{sync::Arc, time::Duration};

use axum::{
    Json, Router,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono::Utc;
use sea_orm::DatabaseConnection;
use tessera_kit::{
    config::SubgraphConfig,
    error::ServiceError,
    server::{self, Prepared, ServeError},
    startup::Startup,
    viewer::RouterTrust,
};
use tessera_migrations::UsersMigrator;

use crate::{
    demo,
    graphql::AccessCell,
    schema,
    service::{
        accounts, api_keys, key_encryption::KeyEncryption, keys::KeyRing, sessions::AuthSettings,
    },
};

/// Domain settings of the users subgraph.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a deleted account's data is kept before the purge removes it.
    pub deletion_retention: chrono::Duration,
    /// How often the purge job looks for accounts past their retention.
    pub purge_every: Duration,
    /// Token and signing-key lifetimes.
    pub auth: AuthSettings,
    /// The key-encryption keys the signing keys are sealed under.
    pub key_encryption: KeyEncryption,
}

impl Default for Settings {
    /// Defaults, with a KEK kept in memory only ([`KeyEncryption::ephemeral`]): the
    /// signing keys this process seals cannot be opened by the next one. A deployment
    /// configures its KEKs (`users.signing_kek_file`).
    fn default() -> Self {
        Self {
            deletion_retention: chrono::Duration::days(30),
            purge_every: Duration::from_secs(3600),
            auth: AuthSettings::default(),
            key_encryption: KeyEncryption::ephemeral(),
        }
    }
}

/// The HTTP app over `db`, answering requests the router signed (`trust`).
/// Also serves the access-token keys at `/.well-known/jwks.json` (public, like health)
/// and exchanges partners' API keys for access tokens at [`API_KEY_EXCHANGE_PATH`].
pub fn app(db: DatabaseConnection, settings: Settings, trust: RouterTrust) -> Router {
    let keys = Arc::new(KeyRing::new(
        db.clone(),
        settings.auth.key_rotation,
        settings.auth.access_ttl,
        settings.key_encryption.clone(),
    ));
    let auth = settings.auth;
    let schema = schema::build(db.clone(), settings, keys.clone());
    let db_for_keys = db.clone();
    server::app_with_hook(
        schema,
        db,
        trust,
        Arc::new(|request| {
            request.data.insert(AccessCell::default());
        }),
    )
    .route("/.well-known/jwks.json", {
        let keys = keys.clone();
        get(move || {
            let keys = keys.clone();
            async move { jwks(&keys).await }
        })
    })
    .route(
        API_KEY_EXCHANGE_PATH,
        post(move |headers: HeaderMap| {
            let (db, keys) = (db_for_keys.clone(), keys.clone());
            async move { exchange_api_key(&db, &keys, &auth, &headers).await }
        }),
    )
}

/// Where the router exchanges an API key (header [`API_KEY_HEADER`]) for an access
/// token: `POST`, answered like an OAuth 2 token endpoint
/// (`{"access_token", "token_type": "Bearer", "expires_in"}`, or 401
/// `{"error": "invalid_client", "error_description"}`). Harmless to expose: it gives
/// the holder of a key nothing the key does not already give them at the router.
pub const API_KEY_EXCHANGE_PATH: &str = "/api-keys/exchange";
/// The header carrying the key.
pub const API_KEY_HEADER: &str = "x-api-key";

async fn exchange_api_key(
    db: &DatabaseConnection,
    keys: &KeyRing,
    settings: &AuthSettings,
    headers: &HeaderMap,
) -> Response {
    let key = headers
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let now = Utc::now();
    match api_keys::exchange(db, keys, settings, key, now).await {
        Ok((token, expires_at)) => (
            [(header::CACHE_CONTROL, "no-store")],
            Json(serde_json::json!({
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": expires_at.timestamp() - now.timestamp(),
            })),
        )
            .into_response(),
        Err(ServiceError::CredentialsRefused(message)) => (
            StatusCode::UNAUTHORIZED,
            [(header::CACHE_CONTROL, "no-store")],
            Json(serde_json::json!({ "error": "invalid_client", "error_description": message })),
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = ?err, "cannot exchange an API key");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({
                    "error": "temporarily_unavailable",
                    "error_description": "API keys cannot be checked now",
                })),
            )
                .into_response()
        }
    }
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
    Startup::<UsersMigrator>::new("users")
        .demo_data(|db, now| async move { demo::seed(&db, now).await })
        .purge(
            "deleted accounts",
            settings.purge_every,
            |db, now| async move { accounts::purge_deleted(&db, now).await },
        )
        .prepare(config, |db| app(db, settings, trust))
        .await
}
