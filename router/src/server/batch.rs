//! Batched requests: a JSON array of GraphQL requests, answered as an array in the
//! same order, each operation counted against the caller's rate limit.

use std::sync::Arc;

use apollo_compiler::response::JsonValue;
use axum::{
    body::Bytes,
    http::{Extensions, StatusCode},
    response::Response,
};
use tessera_codes::ErrorCode;
use tessera_identity::Identity;

use super::{
    AppState,
    admission::rate_limited,
    negotiation::{request_error, respond_bytes},
};
use crate::{
    executor::headers::Forwarded,
    pipeline::{GraphqlRequest, Router, RouterResponse},
};

/// The answer to a batch of `items` (the body's array), each executed as a POST.
pub(super) async fn answer(
    state: &AppState,
    router: &Arc<Router>,
    (identity, forwarded): (&Identity, &Forwarded),
    extensions: &Extensions,
    items: Vec<JsonValue>,
    graphql_json: bool,
) -> Response {
    if items.is_empty() {
        return request_error(
            ErrorCode::BadRequest,
            "an empty batch holds no operation",
            graphql_json,
        );
    }
    if items.len() > state.options.max_batch {
        return request_error(
            ErrorCode::BatchLimitExceeded,
            &format!(
                "the batch holds {} operations; at most {} are allowed",
                items.len(),
                state.options.max_batch
            ),
            graphql_json,
        );
    }
    if let Some(limited) =
        rate_limited(state, identity, extensions, items.len(), graphql_json).await
    {
        return limited;
    }
    let futures = items.into_iter().map(|item| {
        let router = router.clone();
        async move {
            match serde_json::to_value(&item).and_then(serde_json::from_value::<GraphqlRequest>) {
                Ok(request) => router
                    .execute_with(request, true, identity, forwarded)
                    .await
                    .to_bytes(),
                Err(err) => RouterResponse::request_error(
                    ErrorCode::BadRequest,
                    &format!("not a GraphQL request: {err}"),
                )
                .to_bytes(),
            }
        }
    });
    // Each answer as it was written (not parsed back), in order, in one array.
    let results = futures_util::future::join_all(futures).await;
    let mut body = Vec::with_capacity(results.iter().map(Bytes::len).sum::<usize>() + 2);
    body.push(b'[');
    for (i, result) in results.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(result);
    }
    body.push(b']');
    respond_bytes(StatusCode::OK, graphql_json, body.into(), None)
}
