//! Who may ask, before any operation is read: CSRF prevention, authentication, a
//! variant's role, and the rate limit. POST and GET are admitted by the same steps
//! ([`admit`]).

use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::ConnectInfo,
    http::{Extensions, HeaderMap, HeaderValue, header},
    response::Response,
};
use tessera_codes::ErrorCode;
use tessera_identity::Identity;

use super::{
    AppState, Variant,
    negotiation::{content_type_essence, request_error},
};
use crate::{pipeline::Router, ratelimit::Decision};

/// A request let in: who asks, and the router that answers them (the full API's, or
/// the variant's).
pub(super) struct Admitted {
    pub identity: Identity,
    pub router: Arc<Router>,
}

/// CSRF prevention, then the caller's credentials, then the variant's role: the
/// admitted caller and their router, or the response refusing the request. `preflight`
/// names what the method's clients send to pass CSRF prevention.
pub(super) async fn admit(
    state: &AppState,
    variant: Option<Variant>,
    headers: &HeaderMap,
    graphql_json: bool,
    preflight: &str,
) -> Result<Admitted, Response> {
    if state.options.csrf_prevention && !csrf_ok(headers) {
        return Err(request_error(
            ErrorCode::BadRequest,
            &format!(
                "this request looks like a cross-site request forgery: send it with {preflight}"
            ),
            graphql_json,
        ));
    }
    let identity = authenticate(state, headers, graphql_json).await?;
    if let Some(variant) = &variant
        && let Some(refused) = refuse_outside(variant, &identity, graphql_json)
    {
        return Err(refused);
    }
    let router = variant.map_or_else(|| state.router.clone(), |v| v.router);
    Ok(Admitted { identity, router })
}

/// CSRF prevention as Apollo defines it: a request passes when it carries a content
/// type a browser cannot send without a preflight, or one of the preflight headers.
pub(super) fn csrf_ok(headers: &HeaderMap) -> bool {
    if ["x-apollo-operation-name", "apollo-require-preflight"]
        .iter()
        .any(|h| headers.get(*h).is_some_and(|v| !v.is_empty()))
    {
        return true;
    }
    content_type_essence(headers).is_some_and(|essence| {
        ![
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ]
        .iter()
        .any(|simple| essence.eq_ignore_ascii_case(simple))
    })
}

/// The caller, or the response refusing their credentials (401 with
/// `WWW-Authenticate`, whatever the content type: a bad token is never a partial
/// success).
pub(super) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    graphql_json: bool,
) -> Result<Identity, Response> {
    let Some(auth) = &state.options.auth else {
        return Ok(Identity::ANONYMOUS);
    };
    auth.authenticate(headers).await.map_err(|err| {
        let code = err.code();
        let mut response = request_error(code, &err.to_string(), graphql_json);
        if code == ErrorCode::Unauthenticated {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        response
    })
}

/// Counts `cost` operations against the caller's quota; the 429 response when over.
pub(super) async fn rate_limited(
    state: &AppState,
    identity: &Identity,
    extensions: &Extensions,
    cost: usize,
    graphql_json: bool,
) -> Option<Response> {
    let limiter = state.options.rate_limiter.as_ref()?;
    let ip = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let cost = u32::try_from(cost).unwrap_or(u32::MAX);
    let Decision::Limited { retry_after } = limiter.check(identity, ip, cost).await else {
        return None;
    };
    let seconds = retry_after.as_millis().div_ceil(1000).max(1);
    let mut response = request_error(
        ErrorCode::RateLimited,
        &format!("too many requests: retry in {seconds} s"),
        graphql_json,
    );
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Some(response)
}

/// The response refusing a caller with neither the variant's role nor a viewer's: 401
/// when not signed in, 403 when signed in without them.
pub(super) fn refuse_outside(
    variant: &Variant,
    identity: &Identity,
    graphql_json: bool,
) -> Option<Response> {
    if identity.has_role(&variant.role) || variant.viewers.iter().any(|r| identity.has_role(r)) {
        return None;
    }
    let who = variant
        .viewers
        .iter()
        .fold(format!("the `{}` role", variant.role), |who, viewer| {
            format!("{who} (or `{viewer}`)")
        });
    if identity.subject.is_none() {
        let mut response = request_error(
            ErrorCode::Unauthenticated,
            &format!("{} answers only callers with {who}: sign in", variant.path),
            graphql_json,
        );
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return Some(response);
    }
    Some(request_error(
        ErrorCode::Forbidden,
        &format!("{} answers only callers with {who}", variant.path),
        graphql_json,
    ))
}
