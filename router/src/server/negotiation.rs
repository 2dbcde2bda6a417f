//! Content negotiation and the HTTP responses of the GraphQL endpoints: which media
//! type the client takes (`application/graphql-response+json`, `application/json`,
//! `multipart/mixed` for `@defer`), and the status, headers and body of an answer.

use apollo_compiler::response::JsonValue;
use axum::{
    body::Bytes,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use tessera_codes::ErrorCode;

use crate::pipeline::{Incremental, RouterResponse};

pub(super) const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// Whether the client accepts `application/graphql-response+json` (then request
/// errors carry 4xx statuses, per GraphQL over HTTP).
pub(super) fn wants_graphql_response_json(headers: &HeaderMap) -> bool {
    accepted(headers).any(|part| {
        part.split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case(GRAPHQL_RESPONSE_JSON))
    })
}

/// The media ranges the client accepts, each with its parameters (`type/sub;p=v`).
pub(super) fn accepted(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
}

/// The media type of an answer in parts.
pub(super) const MULTIPART_MIXED: &str = "multipart/mixed";

/// Whether the client takes incremental delivery as Apollo Client asks for it:
/// `multipart/mixed` with `deferSpec=20220824`.
pub(super) fn takes_incremental(headers: &HeaderMap) -> bool {
    accepted(headers).any(|part| {
        let mut params = part.split(';');
        params
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case(MULTIPART_MIXED))
            && params.any(|p| p.trim().eq_ignore_ascii_case("deferSpec=20220824"))
    })
}

/// An answer in parts as `multipart/mixed` (boundary `-`, each part JSON): the first
/// part is sent at once, with the boundary after it so that the client reads it, the
/// last when the deferred fragments are answered.
pub(super) fn respond_incremental(answer: Incremental, graphql_json: bool) -> Response {
    const PART: &[u8] = b"\r\ncontent-type: application/json; charset=utf-8\r\n\r\n";
    let (first, rest) = match answer {
        Incremental::Whole(response) => return respond_router(&response, graphql_json),
        Incremental::Parts { first, rest } => (first, rest),
    };
    let mut head = Vec::with_capacity(first.len() + 64);
    head.extend_from_slice(b"\r\n---");
    head.extend_from_slice(PART);
    head.extend_from_slice(&first);
    head.extend_from_slice(b"\r\n---");
    let tail = async move {
        let last = rest.await;
        let mut tail = Vec::with_capacity(last.len() + 64);
        tail.extend_from_slice(PART);
        tail.extend_from_slice(&last);
        tail.extend_from_slice(b"\r\n-----\r\n");
        Ok::<_, std::convert::Infallible>(Bytes::from(tail))
    };
    let first = futures_util::future::ready(Ok::<_, std::convert::Infallible>(Bytes::from(head)));
    let parts = futures_util::StreamExt::chain(
        futures_util::stream::once(first),
        futures_util::stream::once(tail),
    );
    let mut response = Response::new(axum::body::Body::from_stream(parts));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("multipart/mixed;boundary=\"-\";deferSpec=20220824"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub(super) fn respond(status: StatusCode, graphql_json: bool, body: &JsonValue) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    respond_bytes(status, graphql_json, bytes.into(), None)
}

/// A body with its content type and `Cache-Control` (`no-store` unless the pipeline
/// computed a policy that allows reuse).
pub(super) fn respond_bytes(
    status: StatusCode,
    graphql_json: bool,
    body: Bytes,
    cache_control: Option<&str>,
) -> Response {
    let content_type = if graphql_json {
        GRAPHQL_RESPONSE_JSON
    } else {
        "application/json"
    };
    let cache_control = cache_control
        .and_then(|v| HeaderValue::from_str(v).ok())
        .unwrap_or(HeaderValue::from_static("no-store"));
    (
        status,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, cache_control),
        ],
        body,
    )
        .into_response()
}

/// One executed request's HTTP response.
pub(super) fn respond_router(response: &RouterResponse, graphql_json: bool) -> Response {
    respond_bytes(
        status_of(response, graphql_json),
        graphql_json,
        response.to_bytes(),
        Some(&response.cache_control()),
    )
}

/// The status of one response: with `application/json` request errors stay 200
/// except those of the HTTP request itself.
pub(super) fn status_of(response: &RouterResponse, graphql_json: bool) -> StatusCode {
    let Some(code) = response.request_error else {
        return StatusCode::OK;
    };
    if graphql_json || code.refuses_the_http_request() {
        StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::BAD_REQUEST)
    } else {
        StatusCode::OK
    }
}

pub(super) fn request_error(code: ErrorCode, message: &str, graphql_json: bool) -> Response {
    let response = RouterResponse::request_error(code, message);
    let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    respond_bytes(status, graphql_json, response.to_bytes(), None)
}

/// Whether a POST body says it is JSON (`application/json`, or a `+json` type such as
/// `application/graphql+json`, any parameters): else what the client is told. GraphQL
/// over HTTP: a body of another type, or of none, is not read as JSON on a guess.
pub(super) fn json_body(headers: &HeaderMap) -> Result<(), String> {
    match content_type_essence(headers) {
        Some(essence)
            if essence.eq_ignore_ascii_case("application/json")
                || essence
                    .len()
                    .checked_sub(5)
                    .and_then(|at| essence.get(at..))
                    .is_some_and(|tail| tail.eq_ignore_ascii_case("+json")) =>
        {
            Ok(())
        }
        Some(essence) => Err(format!(
            "the request body is `{}`; send it as `application/json`",
            essence.to_ascii_lowercase()
        )),
        None => {
            Err("the request has no content type; send the body as `application/json`".to_owned())
        }
    }
}

/// The media type of a request's `Content-Type` without its parameters (`text/plain`
/// of `text/plain; charset=utf-8`), as sent; none when absent, empty or not text.
pub(super) fn content_type_essence(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim())
        .filter(|essence| !essence.is_empty())
}
