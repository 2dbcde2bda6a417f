//! The router's HTTP surface, as Apollo Client, the SPA and partners speak it: POST
//! JSON (one request or a batch array), GET for queries, content negotiation between
//! `application/graphql-response+json` and `application/json`, CSRF prevention, CORS,
//! a body size limit. Contract variants (the partner API) are served the same way at
//! their own path, by their own [`Router`], to callers holding their role.
//!
//! # Layout
//! - this file: the settings, the app and its routes, and the two GraphQL entry points
//!   (POST and GET), each read as: admission → request → router → response;
//! - [`admission`]: CSRF prevention, authentication, a variant's role, rate limits;
//! - [`negotiation`]: media types and the HTTP responses;
//! - [`batch`]: a JSON array of requests;
//! - [`admin`]: the administrative endpoints.

mod admin;
mod admission;
mod batch;
mod negotiation;
mod security;

use std::{collections::HashMap, sync::Arc};

use apollo_compiler::response::{JsonMap, JsonValue};
use axum::{
    Router as Axum,
    body::Bytes,
    extract::{DefaultBodyLimit, Query, State, rejection::BytesRejection},
    http::{Extensions, HeaderMap, HeaderName, Method, StatusCode, header},
    response::Response,
    routing::{get, post},
};
use tessera_codes::ErrorCode;
pub use tower_http::CompressionLevel;

pub use self::security::SecurityHeaders;
use tower_http::{
    compression::{CompressionLayer, DefaultPredicate, Predicate, predicate::NotForContentType},
    cors::{AllowOrigin, CorsLayer},
    decompression::RequestDecompressionLayer,
};

use self::{
    admin::invalidate_cache,
    admission::{Admitted, admit, rate_limited},
    negotiation::{
        MULTIPART_MIXED, request_error, respond_incremental, respond_router, takes_incremental,
        wants_graphql_response_json,
    },
};
use crate::{
    auth::Authenticator,
    pipeline::{GraphqlRequest, Router},
    ratelimit::SharedLimiter,
};

/// Settings of the HTTP surface.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Refuse browser "simple" requests (no JSON content type, no preflight header).
    pub csrf_prevention: bool,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Most operations in one batch.
    pub max_batch: usize,
    /// Verifies access tokens; none: every caller is anonymous.
    pub auth: Option<Arc<Authenticator>>,
    /// Rate limits per client; none: unlimited.
    pub rate_limiter: Option<SharedLimiter>,
    /// Contract variants, each at its own path (e.g. `/partner/graphql`).
    pub variants: Vec<Variant>,
    /// The API explorer at `/explorer`; none: not served.
    pub explorer: Option<crate::explorer::ExplorerOptions>,
    /// Compress answers for clients that accept it (off when a proxy in front does).
    pub compress_responses: bool,
    /// How hard: CPU for bytes (the default is each algorithm's own: gzip 6, brotli 4,
    /// zstd 3).
    pub compression_level: CompressionLevel,
    /// The security headers every answer carries (HSTS when configured).
    pub security_headers: SecurityHeaders,
}

/// A contract variant: a [`Router`] built from the variant's supergraph (see
/// [`crate::supergraph::variant`]), served at `path` to callers holding `role` (and to
/// the team's `viewers`, who look at what those callers see). Only the router answers
/// there, so nothing outside the variant is reachable: not by validation, not by
/// introspection.
#[derive(Clone)]
pub struct Variant {
    /// Where it is served, e.g. `/partner/graphql`.
    pub path: String,
    /// The role a caller needs, e.g. `partner`.
    pub role: String,
    /// Other roles answered there, e.g. `admin`: the team supporting those callers.
    pub viewers: Vec<String>,
    /// The router over the variant's supergraph.
    pub router: Arc<Router>,
}

impl Variant {
    /// The same variant over a replica of its router (see [`Router::replica`]).
    pub fn replica(&self) -> Self {
        Self {
            path: self.path.clone(),
            role: self.role.clone(),
            viewers: self.viewers.clone(),
            router: Arc::new(self.router.replica()),
        }
    }
}

impl ServerOptions {
    /// The same options for another serving thread: its variants over replicas of
    /// their routers; the authenticator, rate limits and explorer shared.
    pub fn replica(&self) -> Self {
        Self {
            variants: self.variants.iter().map(Variant::replica).collect(),
            ..self.clone()
        }
    }
}

impl std::fmt::Debug for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Variant")
            .field("path", &self.path)
            .field("role", &self.role)
            .field("viewers", &self.viewers)
            .finish_non_exhaustive()
    }
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            csrf_prevention: true,
            max_body_bytes: 2 * 1024 * 1024,
            max_batch: 32,
            auth: None,
            rate_limiter: None,
            variants: Vec::new(),
            explorer: None,
            compress_responses: true,
            compression_level: CompressionLevel::Default,
            security_headers: SecurityHeaders::default(),
        }
    }
}

#[derive(Clone)]
struct AppState {
    router: Arc<Router>,
    options: ServerOptions,
}

/// The axum app of the router.
pub fn app(router: Arc<Router>, options: ServerOptions) -> Axum {
    let mut allowed = vec![
        header::CONTENT_TYPE,
        header::AUTHORIZATION,
        HeaderName::from_static("apollographql-client-name"),
        HeaderName::from_static("apollographql-client-version"),
        HeaderName::from_static("apollo-require-preflight"),
        HeaderName::from_static("x-apollo-operation-name"),
    ];
    if let Some(api_key) = options.auth.as_ref().and_then(|a| a.api_key_header()) {
        allowed.push(api_key.clone());
    }
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(allowed)
        .allow_credentials(true);
    if let Some(auth) = &options.auth {
        // API keys changed (revoked, their owner's role or account gone): exchange
        // again. Each serving thread's app registers the same authenticator; forgetting
        // twice is harmless.
        let auth = auth.clone();
        router
            .caches()
            .on_invalidation(Arc::new(move |tags| auth.invalidated(tags)));
    }
    let body_limit = options.max_body_bytes;
    let mut app = Axum::new();
    for variant in &options.variants {
        let (for_get, for_post) = (variant.clone(), variant.clone());
        app = app.route(
            &variant.path,
            get(
                move |State(state): State<AppState>,
                      headers: HeaderMap,
                      extensions: Extensions,
                      params: Query<HashMap<String, String>>| {
                    let variant = for_get.clone();
                    async move { get_to(state, Some(variant), headers, extensions, params).await }
                },
            )
            .post(
                move |State(state): State<AppState>,
                      headers: HeaderMap,
                      extensions: Extensions,
                      body: Result<Bytes, BytesRejection>| {
                    let variant = for_post.clone();
                    async move { post_to(state, Some(variant), headers, extensions, body).await }
                },
            ),
        );
    }
    app = app
        .route("/graphql", get(get_graphql).post(post_graphql))
        .route("/admin/cache/invalidate", post(invalidate_cache))
        .route(
            "/health/live",
            get(|| async { axum::Json(serde_json::json!({"status": "live"})) }),
        )
        .route("/health/ready", get(readiness))
        // Request bodies sent compressed are read decompressed (the body limit counts
        // decompressed bytes); an encoding not read here passes through to be refused
        // as a GraphQL error.
        .layer(RequestDecompressionLayer::new().pass_through_unaccepted(true));
    if options.compress_responses {
        // Answers of more than 32 bytes, for clients that accept gzip, br, deflate or
        // zstd, at the configured level; not an answer in parts (`@defer`), whose first
        // part must not wait in the encoder.
        app = app.layer(
            CompressionLayer::new()
                .quality(options.compression_level)
                .compress_when(
                    DefaultPredicate::new().and(NotForContentType::new(MULTIPART_MIXED)),
                ),
        );
    }
    app = app.layer(DefaultBodyLimit::max(body_limit)).layer(cors);
    if let Some(explorer) = &options.explorer {
        app = app.merge(crate::explorer::routes(explorer));
    }
    app = app.layer(axum::middleware::map_response_with_state(
        options.security_headers.clone(),
        security::add,
    ));
    app.with_state(AppState { router, options })
}

async fn post_graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    post_to(state, None, headers, extensions, body).await
}

/// A POST to the full API (`variant` none) or to a variant.
async fn post_to(
    state: AppState,
    variant: Option<Variant>,
    headers: HeaderMap,
    extensions: Extensions,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let graphql_json = wants_graphql_response_json(&headers);
    // Decompression took off the encodings it read; what is left is one it does not.
    if let Some(encoding) = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().eq_ignore_ascii_case("identity"))
    {
        return request_error(
            ErrorCode::UnsupportedMediaType,
            &format!(
                "the request body is encoded as `{encoding}`; send it as is, or as gzip, br, deflate or zstd"
            ),
            graphql_json,
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return request_error(
                ErrorCode::PayloadTooLarge,
                &format!(
                    "the request body is larger than {} bytes",
                    state.options.max_body_bytes
                ),
                graphql_json,
            );
        }
        Err(rejection) => {
            if let Some(timed_out) = tessera_serving::BodyTimedOut::found_in(&rejection) {
                return request_error(
                    ErrorCode::RequestTimeout,
                    &timed_out.to_string(),
                    graphql_json,
                );
            }
            return request_error(
                ErrorCode::BadRequest,
                &format!(
                    "the request body could not be read: {}",
                    rejection.body_text()
                ),
                graphql_json,
            );
        }
    };
    let Admitted { identity, router } = match admit(
        &state,
        variant,
        &headers,
        graphql_json,
        "a JSON content type or an `apollo-require-preflight` header",
    )
    .await
    {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    if let Err(message) = negotiation::json_body(&headers) {
        return request_error(ErrorCode::UnsupportedMediaType, &message, graphql_json);
    }
    // A single request (the common case) deserialises straight from the body; only a
    // batch, or a body that fails, is read as a JSON tree first.
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        && let Ok(request) = serde_json::from_slice::<GraphqlRequest>(&body)
    {
        if let Some(limited) = rate_limited(&state, &identity, &extensions, 1, graphql_json).await {
            return limited;
        }
        if takes_incremental(&headers) {
            let forwarded = router.forward(&headers);
            let answer = router
                .execute_incremental(request, true, (&identity, &forwarded))
                .await;
            return respond_incremental(answer, graphql_json);
        }
        let forwarded = router.forward(&headers);
        let response = router
            .execute_with(request, true, &identity, &forwarded)
            .await;
        return respond_router(&response, graphql_json);
    }
    let parsed: JsonValue = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(err) => {
            return request_error(
                ErrorCode::BadRequest,
                &format!("the body is not JSON: {err}"),
                graphql_json,
            );
        }
    };
    match parsed {
        JsonValue::Object(_) => {
            let reason = serde_json::to_value(&parsed)
                .and_then(serde_json::from_value::<GraphqlRequest>)
                .err()
                .map_or_else(|| "unexpected shape".to_owned(), |e| e.to_string());
            request_error(
                ErrorCode::BadRequest,
                &format!("not a GraphQL request: {reason}"),
                graphql_json,
            )
        }
        JsonValue::Array(items) => {
            batch::answer(
                &state,
                &router,
                (&identity, &router.forward(&headers)),
                &extensions,
                items,
                graphql_json,
            )
            .await
        }
        _ => request_error(
            ErrorCode::BadRequest,
            "the body must be a JSON object or array",
            graphql_json,
        ),
    }
}

/// `GET /health/ready`: 200 while this process takes requests, with what it depends on.
/// It holds a validated supergraph from its start, so it is always ready; an open
/// breaker or Redis down degrades answers alike on every replica, so they are reported
/// here (and in the metrics) but never take the router out of rotation, which would only
/// move the same traffic to replicas in the same state.
async fn readiness(State(state): State<AppState>) -> axum::Json<serde_json::Value> {
    let mut body = state.router.readiness();
    if let Some(limiter) = &state.options.rate_limiter {
        body["redis"]["rateLimits"] = limiter.redis_state().into();
    }
    axum::Json(body)
}

async fn get_graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
    params: Query<HashMap<String, String>>,
) -> Response {
    get_to(state, None, headers, extensions, params).await
}

/// A GET to the full API (`variant` none) or to a variant.
async fn get_to(
    state: AppState,
    variant: Option<Variant>,
    headers: HeaderMap,
    extensions: Extensions,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let graphql_json = wants_graphql_response_json(&headers);
    let Admitted { identity, router } = match admit(
        &state,
        variant,
        &headers,
        graphql_json,
        "an `apollo-require-preflight` or `x-apollo-operation-name` header",
    )
    .await
    {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    if let Some(limited) = rate_limited(&state, &identity, &extensions, 1, graphql_json).await {
        return limited;
    }
    let decode = |name: &str| -> Result<Option<JsonMap>, String> {
        match params.get(name) {
            None => Ok(None),
            Some(text) => serde_json::from_str::<JsonMap>(text)
                .map(Some)
                .map_err(|err| format!("`{name}` is not a JSON object: {err}")),
        }
    };
    let (variables, extensions) = match (decode("variables"), decode("extensions")) {
        (Ok(v), Ok(e)) => (v, e),
        (Err(message), _) | (_, Err(message)) => {
            return request_error(ErrorCode::BadRequest, &message, graphql_json);
        }
    };
    let request = GraphqlRequest {
        query: params.get("query").cloned(),
        operation_name: params.get("operationName").cloned(),
        variables,
        extensions,
        document_id: params
            .get("documentId")
            .or_else(|| params.get("doc_id"))
            .cloned(),
    };
    if takes_incremental(&headers) {
        let forwarded = router.forward(&headers);
        let answer = router
            .execute_incremental(request, false, (&identity, &forwarded))
            .await;
        return respond_incremental(answer, graphql_json);
    }
    let forwarded = router.forward(&headers);
    let response = router
        .execute_with(request, false, &identity, &forwarded)
        .await;
    respond_router(&response, graphql_json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{pipeline::RouterOptions, supergraph::Supergraph};

    /// The answer to an introspection query (the router alone answers it, and it is
    /// large enough to compress) from a router served with `options`, to a client that
    /// accepts gzip.
    async fn introspected_with_gzip(options: ServerOptions) -> reqwest::Response {
        let router = Router::new(
            Supergraph::parse(include_str!("../../tests/fixtures/override-labels.graphql"))
                .expect("loads"),
            &RouterOptions::default(),
        );
        let url = crate::test_support::serve(app(Arc::new(router), options)).await;
        reqwest::Client::new()
            .post(&url)
            .header("content-type", "application/json")
            .header("accept-encoding", "gzip")
            .body(r#"{"query":"{ __schema { types { name description fields { name description type { name } } } } }"}"#)
            .send()
            .await
            .expect("answers")
    }

    /// A body is executed only when it says it is JSON: anything else (XML, a form, no
    /// content type at all) is refused with 415 before it is read, and the router goes
    /// on serving.
    #[tokio::test]
    async fn only_a_json_body_is_executed() {
        let router = Router::new(
            Supergraph::parse(include_str!("../../tests/fixtures/override-labels.graphql"))
                .expect("loads"),
            &RouterOptions::default(),
        );
        let url = crate::test_support::serve(app(Arc::new(router), ServerOptions::default())).await;
        let client = reqwest::Client::new();
        let post = |content_type: Option<&'static str>| {
            let mut request = client
                .post(&url)
                // Past CSRF prevention, so that the content type alone decides.
                .header("apollo-require-preflight", "true")
                .body(r#"{"query":"{ __typename }"}"#);
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            request.send()
        };
        for (content_type, said) in [
            (Some("application/xml"), "`application/xml`"),
            (Some("text/plain; charset=utf-8"), "`text/plain`"),
            (None, "no content type"),
        ] {
            let response = post(content_type).await.expect("answers");
            assert_eq!(response.status(), 415, "{content_type:?}");
            let body: serde_json::Value = response.json().await.expect("JSON");
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "UNSUPPORTED_MEDIA_TYPE",
                "{content_type:?}"
            );
            let message = body["errors"][0]["message"].as_str().expect("a message");
            assert!(
                message.contains(said) && message.contains("application/json"),
                "{message}"
            );
            assert!(body.get("data").is_none());
        }
        for content_type in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/graphql+json",
        ] {
            let response = post(Some(content_type)).await.expect("answers");
            assert_eq!(response.status(), 200, "{content_type}");
            let body: serde_json::Value = response.json().await.expect("JSON");
            assert_eq!(
                body,
                serde_json::json!({ "data": { "__typename": "Query" } })
            );
        }
    }

    /// A body that does not arrive within the connection limits' time is answered 408
    /// `REQUEST_TIMEOUT`, as a GraphQL error, and the router serves on.
    #[tokio::test]
    async fn a_body_sent_too_slowly_is_answered_request_timeout() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let router = Router::new(
            Supergraph::parse(include_str!("../../tests/fixtures/override-labels.graphql"))
                .expect("loads"),
            &RouterOptions::default(),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let addr = listener.local_addr().expect("bound");
        let shutdown = tokio_util::sync::CancellationToken::new();
        let limits = tessera_serving::ConnectionLimits {
            body_read_timeout: std::time::Duration::from_millis(200),
            ..tessera_serving::ConnectionLimits::default()
        };
        let app = app(Arc::new(router), ServerOptions::default());
        tokio::spawn(tessera_serving::serve_with(
            listener,
            app,
            limits,
            shutdown.clone(),
        ));
        let _stop = shutdown.drop_guard();
        let mut stream = tokio::net::TcpStream::connect(addr)
            .await
            .expect("connects");
        stream
            .write_all(b"POST /graphql HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\ncontent-length: 40\r\nconnection: close\r\n\r\n{\"query\":")
            .await
            .expect("sent");
        let mut answer = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(5),
            stream.read_to_end(&mut answer),
        )
        .await
        .expect("answered within the test's patience")
        .expect("read");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        let body: serde_json::Value = answer
            .split_once("\r\n\r\n")
            .and_then(|(_, body)| serde_json::from_str(body).ok())
            .expect("a JSON body");
        assert_eq!(
            body,
            serde_json::json!({ "errors": [{
                "message": "the request body did not arrive within 200 ms",
                "extensions": { "code": "REQUEST_TIMEOUT" }
            }] })
        );
        let body = reqwest::Client::new()
            .post(format!("http://{addr}/graphql"))
            .header("content-type", "application/json")
            .body(r#"{"query":"{ __typename }"}"#)
            .send()
            .await
            .expect("answers")
            .text()
            .await
            .expect("a body");
        assert_eq!(body, r#"{"data":{"__typename":"Query"}}"#);
    }

    #[tokio::test]
    async fn answers_are_compressed_unless_that_is_turned_off() {
        for compress in [true, false] {
            let response = introspected_with_gzip(ServerOptions {
                compress_responses: compress,
                ..ServerOptions::default()
            })
            .await;
            assert_eq!(response.status(), 200);
            assert_eq!(
                response
                    .headers()
                    .get("content-encoding")
                    .and_then(|v| v.to_str().ok()),
                compress.then_some("gzip"),
                "compress_responses: {compress}"
            );
        }
    }

    /// The level trades CPU for bytes: the best level gives a smaller answer than the
    /// fastest.
    #[tokio::test]
    async fn the_compression_level_trades_cpu_for_bytes() {
        let mut sizes = Vec::new();
        for level in [CompressionLevel::Fastest, CompressionLevel::Best] {
            let response = introspected_with_gzip(ServerOptions {
                compression_level: level,
                ..ServerOptions::default()
            })
            .await;
            assert_eq!(
                response
                    .headers()
                    .get("content-encoding")
                    .map(|v| v.as_bytes()),
                Some(&b"gzip"[..])
            );
            sizes.push(response.bytes().await.expect("a body").len());
        }
        assert!(
            sizes[1] < sizes[0],
            "best {} vs fastest {}",
            sizes[1],
            sizes[0]
        );
    }

    /// The first part of a deferred answer reaches the client while the deferred
    /// fragment's subgraph has not answered yet (nothing waits in a buffer or an
    /// encoder); the rest follows once it has.
    #[tokio::test]
    async fn the_first_part_is_sent_before_the_deferred_subgraph_answers() {
        let a = crate::test_support::serve(axum::Router::new().route(
            "/graphql",
            post(|| async {
                axum::Json(serde_json::json!({ "data": { "product": {
                    "__typename": "Product", "id": "1", "name": "Kettlebell" } } }))
            }),
        ))
        .await;
        let go = Arc::new(tokio::sync::Notify::new());
        let b = {
            let go = go.clone();
            crate::test_support::serve(axum::Router::new().route(
                "/graphql",
                post(move || {
                    let go = go.clone();
                    async move {
                        go.notified().await;
                        axum::Json(serde_json::json!({ "data": { "_entities": [
                            { "__typename": "Product", "weight": 16.0 } ] } }))
                    }
                }),
            ))
            .await
        };
        let router = Router::new(
            Supergraph::parse(include_str!("../../tests/fixtures/override-labels.graphql"))
                .expect("loads"),
            &RouterOptions {
                subgraph_urls: HashMap::from([("a".to_owned(), a), ("b".to_owned(), b)]),
                ..RouterOptions::default()
            },
        );
        let url = crate::test_support::serve(app(Arc::new(router), ServerOptions::default())).await;
        let mut response = reqwest::Client::new()
            .post(&url)
            .header("content-type", "application/json")
            // What browsers and Apollo Client send: compression must not hold the part.
            .header("accept-encoding", "gzip, br")
            .header(
                "accept",
                "multipart/mixed;deferSpec=20220824, application/json",
            )
            .body(r#"{"query":"{ product { name ... @defer { weight } } }"}"#)
            .send()
            .await
            .expect("answers");
        assert_eq!(response.headers().get("content-encoding"), None);
        let mut received = Vec::new();
        let first_part = "\r\n---\r\ncontent-type: application/json; charset=utf-8\r\n\r\n{\"data\":{\"product\":{\"name\":\"Kettlebell\"}},\"hasNext\":true}\r\n---";
        while received.len() < first_part.len() {
            let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), response.chunk())
                .await
                .expect("the first part comes while subgraph b waits")
                .expect("a chunk")
                .expect("not the end yet");
            received.extend_from_slice(&chunk);
        }
        assert_eq!(String::from_utf8_lossy(&received), first_part);
        go.notify_one();
        let rest = response.bytes().await.expect("the rest");
        assert_eq!(
            String::from_utf8_lossy(&rest),
            "\r\ncontent-type: application/json; charset=utf-8\r\n\r\n{\"hasNext\":false,\"incremental\":[{\"data\":{\"weight\":16.0},\"path\":[\"product\"]}]}\r\n-----\r\n"
        );
    }
}
