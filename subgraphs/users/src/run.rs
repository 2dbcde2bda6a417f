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
use tessera_identity::internal::{AUDIT_PATH, HEADER, is_router};
use tessera_kit::{
    config::SubgraphConfig,
    error::ServiceError,
    events::{Reactions, Wiring},
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
        accounts, api_keys, audit, key_encryption::KeyEncryption, keys::KeyRing,
        sessions::AuthSettings,
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
    /// The events between domains (none: the outbox waits).
    pub events: Option<Wiring>,
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
            events: None,
        }
    }
}

/// What the users domain does with other domains' events.
pub fn reactions() -> Reactions {
    Reactions {
        handler: Arc::new(crate::reactions::Reactions),
        severs_coaching_links: false,
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
    let (db_for_audit, trust_for_audit) = (db.clone(), trust.clone());
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
    .route(
        AUDIT_PATH,
        post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let (db, trust) = (db_for_audit.clone(), trust_for_audit.clone());
            async move { router_audit_record(&db, &trust, &headers, &body).await }
        }),
    )
}

/// What the router records in the audit log (`POST` [`AUDIT_PATH`]).
#[derive(Debug, serde::Deserialize)]
struct RouterRecord {
    action: String,
    actor: Option<String>,
    subject: Option<String>,
    #[serde(default)]
    detail: serde_json::Value,
}

/// Appends a record the router sends: only with the router's own identity, and only
/// the actions only the router sees (401 and 400 otherwise).
async fn router_audit_record(
    db: &DatabaseConnection,
    trust: &RouterTrust,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let refuse = |status: StatusCode, why: String| {
        (status, Json(serde_json::json!({ "error": why }))).into_response()
    };
    let token = headers.get(HEADER).and_then(|v| v.to_str().ok());
    match trust.verify(token) {
        Ok(identity) if is_router(&identity) => {}
        Ok(_) => return refuse(StatusCode::FORBIDDEN, "only the router records here".into()),
        Err(err) => return refuse(StatusCode::UNAUTHORIZED, err.to_string()),
    }
    let record: RouterRecord = match serde_json::from_slice(body) {
        Ok(record) => record,
        Err(err) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!("not an audit record: {err}"),
            );
        }
    };
    let action = match record.action.as_str() {
        audit::actions::CACHE_INVALIDATED => audit::actions::CACHE_INVALIDATED,
        audit::actions::UNTRUSTED_REFUSED => audit::actions::UNTRUSTED_REFUSED,
        other => {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!("the router does not record `{other}`"),
            );
        }
    };
    let event = audit::Event {
        actor: record.actor,
        action,
        subject: record.subject,
        detail: serde_json::json!({ "by": "router", "detail": record.detail }),
    };
    match audit::append_alone(db, event, Utc::now()).await {
        Ok(seq) => (StatusCode::CREATED, Json(serde_json::json!({ "seq": seq }))).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "cannot append the router's audit record");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the audit log cannot be written now".into(),
            )
        }
    }
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

/// Checkpoints the audit log's head every [`audit::CHECKPOINT_EVERY`], for the life of
/// the process (every replica does; they make one row per head).
async fn checkpoints(db: DatabaseConnection, keys: KeyEncryption) {
    let mut tick = tokio::time::interval(audit::CHECKPOINT_EVERY);
    loop {
        tick.tick().await;
        match audit::checkpoint(&db, &keys, Utc::now()).await {
            Ok(Some(seq)) => tracing::debug!(seq, "audit log checkpointed"),
            Ok(None) => {}
            Err(err) => tracing::warn!(error = %err, "cannot checkpoint the audit log"),
        }
    }
}

/// Connects (migrating and seeding when configured), binds the port and starts the
/// purge job and the audit log's checkpoints.
pub async fn prepare(
    config: &SubgraphConfig,
    settings: Settings,
    trust: RouterTrust,
) -> Result<Prepared, ServeError> {
    let keys = settings.key_encryption.clone();
    Startup::<UsersMigrator>::new("users")
        .demo_data(|db, now| async move { demo::seed(&db, now).await })
        .events(settings.events.clone(), Some(reactions()))
        .worker(move |db| checkpoints(db, keys))
        .purge(
            "deleted accounts",
            settings.purge_every,
            |db, now| async move { accounts::purge_deleted(&db, now).await },
        )
        .prepare(config, |db| app(db, settings, trust))
        .await
}
