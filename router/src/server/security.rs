//! Security headers on every answer the router gives (GraphQL, errors, health, admin,
//! the explorer), where the handler did not set its own: no content sniffing, no
//! referrer, no framing and nothing loaded by a JSON answer opened as a page; HSTS when
//! the router is configured to say it runs behind TLS.

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::Response,
};

/// The answer's Content-Security-Policy unless it has its own (the explorer does): a
/// GraphQL answer is data, never a page that loads or frames anything.
const DATA_ONLY: &str = "default-src 'none'; frame-ancestors 'none'";

/// What is added to each answer.
#[derive(Clone, Debug, Default)]
pub struct SecurityHeaders {
    /// `Strict-Transport-Security`, when configured.
    hsts: Option<HeaderValue>,
}

impl SecurityHeaders {
    /// With HSTS for `hsts_max_age_seconds` (and subdomains) when given.
    pub fn new(hsts_max_age_seconds: Option<u64>) -> Self {
        Self {
            hsts: hsts_max_age_seconds.map(|seconds| {
                HeaderValue::from_str(&format!("max-age={seconds}; includeSubDomains"))
                    .expect("digits and ASCII are a valid header value")
            }),
        }
    }
}

/// Adds the headers `response` lacks.
pub(super) async fn add(State(wanted): State<SecurityHeaders>, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers
        .entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("no-referrer"));
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(DATA_ONLY));
    if let Some(hsts) = &wanted.hsts {
        headers
            .entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(hsts.clone());
    }
    response
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{
        pipeline::{Router, RouterOptions},
        server::{ServerOptions, app},
        supergraph::Supergraph,
    };

    async fn served(options: ServerOptions) -> String {
        let router = Router::new(
            Supergraph::parse(include_str!("../../tests/fixtures/override-labels.graphql"))
                .expect("loads"),
            &RouterOptions::default(),
        );
        crate::test_support::serve(app(Arc::new(router), options)).await
    }

    /// Every kind of answer carries them: an executed query, a refused request, health.
    #[tokio::test]
    async fn every_answer_carries_the_security_headers_and_hsts_only_when_configured() {
        for hsts in [None, Some(31_536_000)] {
            let url = served(ServerOptions {
                security_headers: SecurityHeaders::new(hsts),
                ..ServerOptions::default()
            })
            .await;
            let client = reqwest::Client::new();
            let base = url.trim_end_matches("/graphql");
            let answers = [
                client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(r#"{"query":"{ __typename }"}"#),
                client
                    .post(&url)
                    .header("content-type", "application/xml")
                    .body("<query/>"),
                client.get(format!("{base}/health/ready")),
            ];
            for request in answers {
                let response = request.send().await.expect("answers");
                let headers = response.headers();
                let status = response.status();
                assert_eq!(headers["x-content-type-options"], "nosniff", "{status}");
                assert_eq!(headers["referrer-policy"], "no-referrer", "{status}");
                assert_eq!(headers["content-security-policy"], DATA_ONLY, "{status}");
                assert_eq!(
                    headers
                        .get("strict-transport-security")
                        .and_then(|v| v.to_str().ok()),
                    hsts.map(|_| "max-age=31536000; includeSubDomains"),
                    "{status}"
                );
            }
        }
    }
}
