//! A subgraph served over real HTTP for a test, and the few reads every HTTP test makes
//! of a GraphQL response.
//!
//! ```no_run
//! # async fn example(app: axum::Router, id: uuid::Uuid) {
//! use serde_json::json;
//! use tessera_kit::{testing::{error_codes, serve}, viewer::{Role, Viewer}};
//!
//! // `app` built with `tessera_kit::testing::trust()`
//! let served = serve(app).await;
//! let coach = Viewer::user(id).with_roles(&[Role::Coach]);
//! let body = served.gql(Some(&coach), "{ me { id } }", json!({})).await;
//! assert!(error_codes(&body).is_empty());
//! # }
//! ```

use std::{
    sync::{Arc, LazyLock},
    time::Duration,
};

use serde_json::{Value, json};
use tessera_identity::{
    Ed25519Key,
    internal::{HEADER, Signer, Verifier},
};
use tokio::net::TcpListener;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::viewer::{RouterTrust, Viewer};

/// The router key of tests (a fixed seed: tests sign identities with it, subgraphs under
/// test trust it). Never used outside tests.
pub fn router_key() -> Ed25519Key {
    Ed25519Key::from_seed("test-router", &[0x7e; 32])
}

static SIGNER: LazyLock<Signer> =
    LazyLock::new(|| Signer::new(&router_key(), Duration::from_secs(300)));

/// What a subgraph under test trusts: [`router_key`]'s public half.
pub fn trust() -> RouterTrust {
    Arc::new(Verifier::for_key(&router_key()))
}

/// The identity header the router would send for `viewer` (anonymous on `None`),
/// signed with [`router_key`].
pub fn identity_header(viewer: Option<&Viewer>) -> (&'static str, String) {
    let identity = viewer.cloned().unwrap_or_default().to_identity();
    (HEADER, SIGNER.token(&identity).to_string())
}

/// A subgraph listening on a free local port; it stops serving when dropped, so the
/// server lives exactly as long as the test's binding.
pub struct Served {
    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub url: String,
    /// A client for requests [`Served::gql`] does not cover (health, malformed bodies).
    pub client: reqwest::Client,
    _stop: DropGuard,
}

/// Serves `app` (a subgraph's axum router) on `127.0.0.1:0` through
/// [`crate::server::serve`], the same path production requests take.
///
/// # Panics
/// When no local port can be bound: the test cannot run.
pub async fn serve(app: axum::Router) -> Served {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free local port");
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let stop = CancellationToken::new();
    tokio::spawn(crate::server::serve(listener, app, stop.clone()));
    Served {
        url: format!("http://{addr}"),
        client: reqwest::Client::new(),
        _stop: stop.drop_guard(),
    }
}

impl Served {
    /// POSTs `query` with `variables` to `/graphql` as `viewer` (anonymous on `None`),
    /// sending the identity token the router would ([`identity_header`]), and returns
    /// the JSON body whatever the status.
    ///
    /// # Panics
    /// When the subgraph does not answer or the body is not JSON.
    pub async fn gql(&self, viewer: Option<&Viewer>, query: &str, variables: Value) -> Value {
        let (name, token) = identity_header(viewer);
        self.client
            .post(format!("{}/graphql", self.url))
            .header(name, token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("the subgraph answers")
            .json()
            .await
            .expect("a JSON body")
    }
}

/// The `extensions` of the first error (`null` when there is none, which fails any
/// assertion on its `code`).
pub fn first_error(body: &Value) -> &Value {
    &body["errors"][0]["extensions"]
}

/// `(field, code)` of every error, the field being the last segment of its path; empty
/// when the response has no errors.
///
/// # Panics
/// When an error has no path or no `extensions.code`: every resolver error from a
/// subgraph has both.
pub fn error_codes(body: &Value) -> Vec<(String, String)> {
    let Some(errors) = body["errors"].as_array() else {
        return Vec::new();
    };
    errors
        .iter()
        .map(|error| {
            let field = error["path"]
                .as_array()
                .and_then(|path| path.last())
                .and_then(Value::as_str)
                .expect("an error with a path ending in a field");
            let code = error["extensions"]["code"]
                .as_str()
                .expect("an error with extensions.code");
            (field.to_owned(), code.to_owned())
        })
        .collect()
}
