//! The HTTP face of a subgraph: `POST /graphql` (single or batched requests, each
//! carrying the router's identity token), subscriptions over WebSocket on `GET /graphql`
//! (`graphql-transport-ws`, or the older `graphql-ws`; the router's identity token in
//! `connection_init`'s payload as `x-tessera-identity`), `/health/live`, `/health/ready`
//! (checks the database: [`crate::health`]); binding and graceful shutdown are
//! `tessera_serving`'s, re-exported. While the database breaker is open, `/graphql`
//! answers `SERVICE_UNAVAILABLE` at once.

use std::{io, sync::Arc};

use async_graphql::{
    BatchResponse, Executor, Name, ObjectType, PathSegment, Schema, SubscriptionType, Value,
};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLProtocol, GraphQLResponse, GraphQLWebSocket};
use axum::{
    Json, Router,
    extract::{State, WebSocketUpgrade},
    http::{HeaderMap, StatusCode},
    response::IntoResponse,
    routing::{get, post},
};
use sea_orm::DatabaseConnection;
use tower_http::trace::TraceLayer;

pub use tessera_serving::{Apps, Prepared, bind, serve, shutdown_on_signal};

use crate::{
    cache::CacheNotes,
    db::StartupError,
    error::ServiceError,
    health::Breaker,
    viewer::{RouterTrust, Viewer},
};
use tessera_codes::ErrorCode;

/// Adds to a subscription socket's data what its subscriptions need, from its caller.
pub type ConnectionHook = Arc<dyn Fn(&Viewer, &mut async_graphql::Data) + Send + Sync>;

/// Adds per-request data (a request-scoped cache, say) to each GraphQL request.
pub type RequestHook = Arc<dyn Fn(&mut async_graphql::Request) + Send + Sync>;

#[derive(Clone)]
struct AppState<E> {
    executor: E,
    breaker: Arc<Breaker>,
    trust: RouterTrust,
    hook: Option<RequestHook>,
    /// Run on each subscription socket's data once its caller is known.
    connection_hook: Option<ConnectionHook>,
    /// Its database: ended coaching links are read from it on a coach's request.
    db: DatabaseConnection,
    /// What `_service { sdl }` answers: the SDL composition reads.
    sdl: Arc<str>,
}

/// The axum app of one subgraph, answering requests the router signed (`trust`).
pub fn app<Q, M, S>(schema: Schema<Q, M, S>, db: DatabaseConnection, trust: RouterTrust) -> Router
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    build(schema, db, trust, None, None)
}

/// The axum app of one subgraph, with `hook` run on each GraphQL request after the
/// viewer is attached.
pub fn app_with_hook<Q, M, S>(
    schema: Schema<Q, M, S>,
    db: DatabaseConnection,
    trust: RouterTrust,
    hook: RequestHook,
) -> Router
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    build(schema, db, trust, Some(hook), None)
}

/// [`app_with_hook`], with `connection` run on each subscription socket's data (which
/// holds the caller's [`Viewer`]) once `connection_init` was accepted: what the request
/// hook gives a request, a socket's subscriptions need too.
pub fn app_with_hooks<Q, M, S>(
    schema: Schema<Q, M, S>,
    db: DatabaseConnection,
    trust: RouterTrust,
    hook: RequestHook,
    connection: ConnectionHook,
) -> Router
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    build(schema, db, trust, Some(hook), Some(connection))
}

fn build<Q, M, S>(
    schema: Schema<Q, M, S>,
    db: DatabaseConnection,
    trust: RouterTrust,
    hook: Option<RequestHook>,
    connection_hook: Option<ConnectionHook>,
) -> Router
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let sdl = crate::directives::federation_sdl(&schema).into();
    Router::new()
        .route(
            "/graphql",
            post(graphql::<Schema<Q, M, S>>).get(subscribe::<Schema<Q, M, S>>),
        )
        .route("/health/live", get(live))
        .route("/health/ready", get(ready::<Schema<Q, M, S>>))
        .layer(TraceLayer::new_for_http())
        .with_state(AppState {
            executor: schema,
            breaker: Breaker::new(db.clone()),
            trust,
            hook,
            connection_hook,
            db,
            sdl,
        })
}

/// Why a subgraph could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Its database.
    #[error(transparent)]
    Database(#[from] StartupError),
    /// Its port.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// Loading demo data.
    #[error("loading demo data failed: {0}")]
    DemoData(ServiceError),
}

/// A WebSocket of subscriptions from the router: the caller is who the identity token in
/// `connection_init` says (verified as on `POST`, the roster without ended links); a
/// missing or invalid token closes the socket with 4403.
async fn subscribe<E: Executor>(
    State(state): State<AppState<E>>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> axum::response::Response {
    let (trust, db, executor) = (
        state.trust.clone(),
        state.db.clone(),
        state.executor.clone(),
    );
    let connection_hook = state.connection_hook.clone();
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            GraphQLWebSocket::new(socket, executor, protocol)
                .on_connection_init(move |payload: serde_json::Value| async move {
                    let token = payload
                        .get(tessera_identity::internal::HEADER)
                        .and_then(serde_json::Value::as_str);
                    let identity = trust.verify(token).map_err(|refused| {
                        tracing::warn!(reason = %refused, "subscription refused: no valid router identity token");
                        async_graphql::Error::new(refused.to_string())
                    })?;
                    let viewer = Viewer::from_identity(&identity)
                        .map_err(|err| async_graphql::Error::new(err.to_string()))?;
                    let viewer = crate::events::severing::roster_in_force(&db, viewer).await;
                    let mut data = async_graphql::Data::default();
                    if let Some(hook) = &connection_hook {
                        hook(&viewer, &mut data);
                    }
                    data.insert(viewer);
                    Ok(data)
                })
                .serve()
        })
}

async fn graphql<E: Executor>(
    State(state): State<AppState<E>>,
    headers: HeaderMap,
    request: GraphQLBatchRequest,
) -> axum::response::Response {
    let viewer = match Viewer::from_headers(&headers, &state.trust) {
        Ok(viewer) => viewer,
        Err(refused) => {
            tracing::warn!(reason = %refused, "request refused: no valid router identity token");
            let response = refusal(ErrorCode::Unauthenticated, refused.to_string());
            let body: GraphQLResponse = BatchResponse::Single(response).into();
            return (StatusCode::UNAUTHORIZED, body).into_response();
        }
    };
    if state.breaker.is_open() {
        return database_unavailable(request.into_inner());
    }
    let viewer = crate::events::severing::roster_in_force(&state.db, viewer).await;
    let mut request = request.into_inner().data(viewer);
    let mut notes = Vec::new();
    for single in request.iter_mut() {
        let note = CacheNotes::default();
        single.data.insert(note.clone());
        notes.push(note);
        if let Some(hook) = &state.hook {
            hook(single);
        }
    }
    // Unconstrained by tokio's cooperative budget: otherwise, resolving a long list
    // (50 entities, each loading its workouts) runs out of budget halfway, yields, and
    // the keys registered after the yield may miss the loader's batch, so one list level
    // costs two statements instead of one.
    let mut response = tokio::task::unconstrained(state.executor.execute_batch(request)).await;
    let singles: Vec<&mut async_graphql::Response> = match &mut response {
        BatchResponse::Single(single) => vec![single],
        BatchResponse::Batch(all) => all.iter_mut().collect(),
    };
    let unavailable = ErrorCode::ServiceUnavailable.as_str();
    if singles.iter().any(|single| {
        single
            .errors
            .iter()
            .any(|error| error_code(error) == Some(unavailable))
    }) {
        state.breaker.suspect();
    }
    let mut private = false;
    for (single, note) in singles.into_iter().zip(&notes) {
        null_failed_fields(single);
        answer_service_sdl(single, &state.sdl);
        let changed = note.invalidations();
        if !changed.is_empty() {
            single.extensions.insert(
                "invalidate".to_owned(),
                Value::from_json(serde_json::Value::Array(changed)).unwrap_or_default(),
            );
        }
        private |= note.is_private();
    }
    let mut response = GraphQLResponse::from(response).into_response();
    if private {
        response.headers_mut().append(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("private"),
        );
    }
    response
}

/// Answers `_service { sdl }` with `sdl`, the SDL `tessera compose` reads, instead of
/// async-graphql's own, which defines `@authenticated`, `@policy` and a labelled
/// `@override` locally rather than importing them from federation: a tool composing
/// from the running subgraphs (`rover`, a gateway's dev mode) would otherwise read them
/// as custom directives and drop what they enforce.
fn answer_service_sdl(response: &mut async_graphql::Response, sdl: &Arc<str>) {
    let Value::Object(data) = &mut response.data else {
        return;
    };
    let Some(Value::Object(service)) = data.get_mut("_service") else {
        return;
    };
    if let Some(value @ Value::String(_)) = service.get_mut("sdl") {
        *value = Value::String(sdl.to_string());
    }
}

/// Puts `null` where a field's resolver failed. async-graphql 7 leaves such a field out
/// of its object, but the GraphQL spec wants the key there with `null` (and routers and
/// clients read a missing key as a broken response, not as that field's error).
fn null_failed_fields(response: &mut async_graphql::Response) {
    for error in &response.errors {
        let Some((PathSegment::Field(key), parents)) = error.path.split_last() else {
            continue;
        };
        if let Some(Value::Object(map)) = walk(&mut response.data, parents)
            && !map.contains_key(key.as_str())
        {
            map.insert(Name::new(key), Value::Null);
        }
    }
}

/// The value at `path` under `value`, if every step exists.
fn walk<'a>(value: &'a mut Value, path: &[PathSegment]) -> Option<&'a mut Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(value);
    };
    let next = match (value, first) {
        (Value::Object(map), PathSegment::Field(key)) => map.get_mut(key.as_str())?,
        (Value::List(items), PathSegment::Index(i)) => items.get_mut(*i)?,
        _ => return None,
    };
    walk(next, rest)
}

async fn live() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "live" }))
}

/// Ready when the database can be read and written, answered within
/// [`crate::health::CHECK_DEADLINE`].
async fn ready<E>(State(state): State<AppState<E>>) -> impl IntoResponse {
    match state.breaker.check().await {
        Ok(()) => (
            StatusCode::OK,
            Json(serde_json::json!({ "status": "ready" })),
        ),
        Err(unready) => {
            tracing::warn!(reason = %unready, "readiness check failed: database");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({
                    "status": "unavailable",
                    "reason": "database",
                    "detail": unready.to_string(),
                })),
            )
        }
    }
}

/// What every request of `request` is answered while the database breaker is open.
fn database_unavailable(request: async_graphql::BatchRequest) -> axum::response::Response {
    let answer = || {
        refusal(
            ErrorCode::ServiceUnavailable,
            "the database is unavailable; retry later",
        )
    };
    let response = match request {
        async_graphql::BatchRequest::Single(_) => BatchResponse::Single(answer()),
        async_graphql::BatchRequest::Batch(all) => {
            BatchResponse::Batch(all.iter().map(|_| answer()).collect())
        }
    };
    GraphQLResponse::from(response).into_response()
}

/// A response that is one error with `code`, pointing nowhere in the document.
fn refusal(code: ErrorCode, message: impl Into<String>) -> async_graphql::Response {
    let mut error =
        crate::error::coded(code, message).into_server_error(async_graphql::Pos::default());
    error.locations.clear();
    async_graphql::Response::from_errors(vec![error])
}

/// The `extensions.code` of an error, when it has one.
fn error_code(error: &async_graphql::ServerError) -> Option<&str> {
    match error.extensions.as_ref()?.get("code")? {
        Value::String(code) => Some(code),
        _ => None,
    }
}
