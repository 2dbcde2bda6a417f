//! Whole HTTP requests to the router's app, as a client may send anything: the input
//! is an HTTP/1.1-like text — a request line (`METHOD /target`), header lines, an empty
//! line, the body — handed to the app the server runs (the platform's supergraph, its
//! subgraphs unreachable, access tokens verified against a JWKS file). Whatever comes
//! in, the router answers: never a 500, every JSON answer parses, every error in it
//! carries a string `extensions.code`, no error list is longer than the cap.

use std::{collections::HashMap, sync::LazyLock, time::Duration};

use axum::{
    body::Body,
    http::{HeaderName, HeaderValue, Method, Request, header},
};
use http_body_util::BodyExt;
use serde_json::Value;
use tessera_router::{
    Router, Supergraph,
    auth::{AuthOptions, Authenticator, JwksSource},
    error::MAX_ERRORS,
    executor::shaping::{Traffic, TrafficPolicy},
    pipeline::RouterOptions,
    server::{self, ServerOptions},
};
use tower::ServiceExt;

/// A JWKS with one Ed25519 key: tokens parse and fail to verify.
const JWKS: &str = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","kid":"fuzz","use":"sig","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;

struct App {
    runtime: tokio::runtime::Runtime,
    app: axum::Router,
}

static APP: LazyLock<App> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let app = runtime.block_on(async {
        let supergraph = Supergraph::parse(include_str!("../../../schema/supergraph.graphql"))
            .expect("the platform's supergraph loads");
        let names: Vec<String> = supergraph
            .subgraphs
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let no_retries = TrafficPolicy {
            retry: None,
            ..TrafficPolicy::default()
        };
        let options = RouterOptions {
            // Port 1: refused at once, so a request that reaches a fetch fails fast.
            subgraph_urls: names
                .iter()
                .map(|n| (n.clone(), format!("http://127.0.0.1:1/{n}")))
                .collect(),
            subgraph_timeout: Duration::from_secs(2),
            traffic: Traffic::new(
                &no_retries,
                &HashMap::new(),
                names.iter().map(String::as_str),
            ),
            ..RouterOptions::default()
        };
        let jwks =
            std::env::temp_dir().join(format!("tessera-fuzz-jwks-{}.json", std::process::id()));
        std::fs::write(&jwks, JWKS).expect("the JWKS file is written");
        let auth = Authenticator::new(AuthOptions {
            jwks: vec![JwksSource::File(jwks)],
            cookie: Some("tessera_session".to_owned()),
            ..AuthOptions::default()
        })
        .expect("the authenticator builds");
        server::app(
            std::sync::Arc::new(Router::new(supergraph, &options)),
            ServerOptions {
                auth: Some(std::sync::Arc::new(auth)),
                compress_responses: false,
                ..ServerOptions::default()
            },
        )
    });
    App { runtime, app }
});

/// Runs the target on `input`.
pub fn run(input: &[u8]) {
    let Some(request) = request(input) else {
        return;
    };
    let shown = String::from_utf8_lossy(input).into_owned();
    let App { runtime, app } = &*APP;
    runtime.block_on(async {
        let response = app
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|never| match never {});
        let status = response.status();
        assert_ne!(status.as_u16(), 500, "a 500 for\n{shown}");
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        if content_type.starts_with("application/json")
            || content_type.starts_with("application/graphql-response+json")
        {
            let answer: Value = serde_json::from_slice(&body).unwrap_or_else(|err| {
                panic!("a {status} JSON answer that does not parse ({err}) for\n{shown}")
            });
            match &answer {
                Value::Array(answers) => answers.iter().for_each(|a| well_formed(a, &shown)),
                one => well_formed(one, &shown),
            }
        }
    });
}

/// A GraphQL answer: `errors`, when present, a list of at most [`MAX_ERRORS`] errors,
/// each with a message and a string code.
fn well_formed(answer: &Value, shown: &str) {
    let Some(errors) = answer.get("errors") else {
        return;
    };
    let errors = errors
        .as_array()
        .unwrap_or_else(|| panic!("`errors` is not a list: {answer} for\n{shown}"));
    assert!(!errors.is_empty(), "an empty `errors` for\n{shown}");
    assert!(
        errors.len() <= MAX_ERRORS,
        "{} errors for\n{shown}",
        errors.len()
    );
    for error in errors {
        assert!(
            error["message"].is_string(),
            "an error with no message: {error} for\n{shown}"
        );
        assert!(
            error["extensions"]["code"].is_string(),
            "an error with no code: {error} for\n{shown}"
        );
    }
}

/// The request `input` writes: `METHOD target`, then `name: value` lines, an empty
/// line and the body. None where no HTTP client could send it (no request line, a
/// target that is not a URI); header lines that are not headers are left out.
fn request(input: &[u8]) -> Option<Request<Body>> {
    let (head, body) = match find(input, b"\n\n") {
        Some(at) => (&input[..at], &input[at + 2..]),
        None => (input, &[][..]),
    };
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.lines();
    let (method, target) = lines.next()?.split_once(' ')?;
    let method = Method::from_bytes(method.as_bytes()).ok()?;
    let mut builder = Request::builder().method(method).uri(target.trim());
    for line in lines {
        if let Some((name, value)) = line.split_once(':')
            && let Ok(name) = HeaderName::from_bytes(name.trim().as_bytes())
            && let Ok(value) = HeaderValue::from_str(value.trim())
        {
            builder = builder.header(name, value);
        }
    }
    builder.body(Body::from(body.to_vec())).ok()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
