//! The router's administrative endpoints.

use axum::{
    body::Bytes,
    extract::{State, rejection::BytesRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
};
use tessera_codes::ErrorCode;

use super::{
    AppState,
    admission::authenticate,
    negotiation::{request_error, respond},
};
use crate::cache::Reach;

/// `POST /admin/cache/invalidate`, for administrators: drops the cached responses and
/// entities holding what the body names, in every replica. The body is one
/// `{"typename": "CodexEntry", "key": {"id": "…"}}` (no `key`: the whole type) or an
/// array of them; the answer lists the tags dropped.
pub(super) async fn invalidate_cache(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let identity = match authenticate(&state, &headers, true).await {
        Ok(identity) => identity,
        Err(response) => return response,
    };
    if identity.subject.is_none() {
        let mut response = request_error(
            ErrorCode::Unauthenticated,
            "invalidating the cache needs an administrator's access token",
            true,
        );
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    }
    if !identity.has_role("admin") {
        return request_error(
            ErrorCode::Forbidden,
            "only administrators may invalidate the cache",
            true,
        );
    }
    let parsed = body
        .map_err(|rejection| rejection.body_text())
        .and_then(|body| serde_json::from_slice::<OneOrMany>(&body).map_err(|err| err.to_string()));
    let changed = match parsed {
        Ok(OneOrMany::One(one)) => vec![one],
        Ok(OneOrMany::Many(many)) => many,
        Err(reason) => {
            return request_error(
                ErrorCode::BadRequest,
                &format!(
                    "the body must be {{\"typename\": …, \"key\": {{…}}}} or an array of them: {reason}"
                ),
                true,
            );
        }
    };
    let (tags, reach) = state.router.invalidate(&changed).await;
    tracing::info!(subject = ?identity.subject, ?tags, ?reach, "cache invalidated by an administrator");
    state
        .router
        .audit()
        .cache_invalidated(identity.subject.as_deref(), &tags);
    let mut body = serde_json::json!({ "invalidated": tags });
    match reach {
        Reach::Alone => {}
        Reach::Told(listening) => body["replicasTold"] = listening.into(),
        Reach::NotTold => {
            body["replicasNotTold"] =
                "Redis is unavailable: other replicas keep what they cached until it expires"
                    .into();
        }
    }
    respond(
        StatusCode::OK,
        false,
        &serde_json::from_value(body).unwrap_or_default(),
    )
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(crate::executor::fetch::Invalidation),
    Many(Vec<crate::executor::fetch::Invalidation>),
}
