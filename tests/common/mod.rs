//! The platform for end-to-end tests: real subgraphs on free ports (each on a fresh
//! database with the demo data), the router built from the committed supergraph in
//! front of them over real HTTP, signing identities with the test router key and
//! verifying access tokens against the users subgraph's JWKS.

#![allow(dead_code)] // each test binary uses a part

pub mod router;

use std::{collections::HashMap, sync::Arc};

use chrono::Utc;
use serde_json::{Value, json};
use tessera::platform::SUPERGRAPH;
use tessera_kit::testing::{self, Served, TestDb, fresh_db};
use tessera_migrations::{
    CodexMigrator, JournalMigrator, NotificationsMigrator, UsersMigrator, WorkoutsMigrator,
};
use tessera_router::{
    Router, Supergraph,
    auth::{ApiKeyOptions, AuthOptions, Authenticator, JwksSource},
    pipeline::RouterOptions,
    server,
};

/// The cookie the web app keeps its access token in, in these tests.
pub const COOKIE: &str = "tessera_access";

/// A running platform.
pub struct Platform {
    /// The router's `/graphql`.
    pub url: String,
    /// The router's `/partner/graphql` (the partner variant).
    pub partner_url: String,
    /// The users subgraph's base URL (`http://127.0.0.1:<port>`), when it runs.
    pub users: Option<String>,
    /// Each running subgraph's database, by name.
    pub dbs: HashMap<&'static str, TestDb>,
    /// A plain client.
    pub client: reqwest::Client,
    /// The router (its caches and counters).
    pub router: Arc<Router>,
    /// Where the router finds each subgraph.
    pub subgraph_urls: HashMap<String, String>,
    /// The events between the running subgraphs (in process).
    pub events: tessera_kit::events::Wiring,
    /// Each running subgraph's relay and consumer.
    pub participants: HashMap<&'static str, tessera_kit::events::Running>,
    /// Every server (subgraphs and router); they stop when the platform is dropped.
    _served: Vec<Served>,
}

/// Subgraph `name`'s reactions to events.
pub fn reactions(name: &str) -> tessera_kit::events::Reactions {
    match name {
        "users" => tessera_users::reactions(),
        "workouts" => tessera_workouts::reactions(),
        "notifications" => tessera_notifications::reactions(),
        "journal" => tessera_journal::reactions(),
        "codex" => tessera_codex::reactions(),
        other => panic!("no subgraph {other}"),
    }
}

/// The shipped access-token rules (issuer, audience, role scopes, policies, API keys)
/// against the users subgraph at `users`.
fn authenticator(users: &str) -> Arc<Authenticator> {
    let shipped = tessera::config::Config::load(None)
        .expect("the committed configuration")
        .router
        .auth
        .options()
        .expect("valid")
        .expect("access tokens configured");
    let api_keys = shipped.api_keys.clone().map(|keys| ApiKeyOptions {
        exchange_url: format!("{users}{}", tessera_users::API_KEY_EXCHANGE_PATH),
        ..keys
    });
    Arc::new(
        Authenticator::new(AuthOptions {
            jwks: vec![JwksSource::Url(format!("{users}/.well-known/jwks.json"))],
            cookie: Some(COOKIE.to_owned()),
            min_refresh_interval: std::time::Duration::ZERO,
            api_keys,
            ..shipped
        })
        .expect("valid auth options"),
    )
}

/// The key-encryption key the users subgraph's signing keys are sealed under in
/// tests (a test that reads the keys itself opens them with it).
pub fn users_kek() -> tessera_users::service::key_encryption::KeyEncryption {
    tessera_users::service::key_encryption::KeyEncryption::parse(
        "dGVzc2VyYS10ZXN0LWtlay0zMi1ieXRlcy1sb25nISE=",
    )
    .expect("the test KEK parses")
}

/// The users subgraph's settings in tests: the defaults, sealing under [`users_kek`].
pub fn users_settings() -> tessera_users::Settings {
    tessera_users::Settings {
        key_encryption: users_kek(),
        ..tessera_users::Settings::default()
    }
}

/// Subgraph `name`'s app over a fresh database with its demo data.
pub async fn subgraph(name: &'static str) -> (TestDb, axum::Router) {
    let now = Utc::now();
    let trust = testing::trust();
    match name {
        "users" => {
            let db = fresh_db::<UsersMigrator>().await;
            tessera_users::demo::seed(&db.db, now)
                .await
                .expect("users demo data");
            let app = tessera_users::app(db.db.clone(), users_settings(), trust);
            (db, app)
        }
        "workouts" => {
            let db = fresh_db::<WorkoutsMigrator>().await;
            tessera_workouts::service::catalogue::seed(&db.db, now)
                .await
                .expect("exercise catalogue");
            tessera_workouts::demo::seed(&db.db, now)
                .await
                .expect("workouts demo data");
            let app = tessera_workouts::app(db.db.clone(), trust);
            (db, app)
        }
        "notifications" => {
            let db = fresh_db::<NotificationsMigrator>().await;
            tessera_notifications::demo::seed(&db.db, now)
                .await
                .expect("notifications demo data");
            let app = tessera_notifications::app(db.db.clone(), trust);
            (db, app)
        }
        "journal" => {
            let db = fresh_db::<JournalMigrator>().await;
            tessera_journal::demo::seed(&db.db, now)
                .await
                .expect("journal demo data");
            let app = tessera_journal::app(db.db.clone(), trust);
            (db, app)
        }
        "codex" => {
            let db = fresh_db::<CodexMigrator>().await;
            tessera_codex::demo::seed(&db.db, now)
                .await
                .expect("codex demo data");
            let app = tessera_codex::app(db.db.clone(), trust);
            (db, app)
        }
        other => panic!("no subgraph {other}"),
    }
}

impl Platform {
    /// `running` subgraphs up (the others point at a port where nothing listens), and
    /// the router; with `auth`, the router verifies access tokens against the users
    /// subgraph's JWKS (users must be running).
    pub async fn start(running: &[&'static str], auth: bool) -> Self {
        Self::start_with(running, auth, |_, _| {}).await
    }

    /// [`Platform::start`], with `tweak` adjusting the router's options first.
    pub async fn start_with(
        running: &[&'static str],
        auth: bool,
        tweak: impl FnOnce(&mut RouterOptions, &mut server::ServerOptions),
    ) -> Self {
        let mut served = Vec::new();
        let mut urls = HashMap::new();
        let mut dbs = HashMap::new();
        let mut users = None;
        for name in tessera::platform::SUBGRAPHS {
            let url = if running.contains(name) {
                let (db, app) = subgraph(name).await;
                dbs.insert(*name, db);
                let subgraph = testing::serve(app).await;
                let url = format!("{}/graphql", subgraph.url);
                if *name == "users" {
                    users = Some(subgraph.url.clone());
                }
                served.push(subgraph);
                url
            } else {
                "http://127.0.0.1:9/graphql".to_owned()
            };
            urls.insert((*name).to_owned(), url);
        }
        let events = tessera_kit::events::Wiring::new(None, testing::events::config())
            .expect("the in-process bus");
        let participants = dbs
            .iter()
            .map(|(name, db)| (*name, events.start(name, &db.db, Some(reactions(name)))))
            .collect();
        events.open();
        let supergraph = Supergraph::parse(SUPERGRAPH).expect("the committed supergraph loads");
        let mut options = RouterOptions {
            subgraph_urls: urls,
            identity_key: Some(testing::router_key()),
            ..RouterOptions::default()
        };
        let mut server_options = server::ServerOptions::default();
        if auth {
            let users = users.as_ref().expect("auth needs the users subgraph");
            server_options.auth = Some(authenticator(users));
        }
        tweak(&mut options, &mut server_options);
        let router = Arc::new(Router::new(supergraph, &options));
        server_options.variants.push(
            tessera::platform::partner_variant(SUPERGRAPH, &options, &router)
                .expect("the partner variant derives"),
        );
        let served_router = testing::serve(server::app(router.clone(), server_options)).await;
        Self {
            url: format!("{}/graphql", served_router.url),
            partner_url: format!("{}{}", served_router.url, tessera::platform::PARTNER_PATH),
            router,
            users,
            dbs,
            client: reqwest::Client::new(),
            subgraph_urls: options.subgraph_urls,
            events,
            participants,
            _served: {
                served.push(served_router);
                served
            },
        }
    }

    /// Another router replica over the same subgraphs (anonymous callers only), with
    /// `tweak`ed options; returns its `/graphql` URL. It stops with the platform.
    pub async fn replica(&mut self, tweak: impl FnOnce(&mut RouterOptions)) -> String {
        let supergraph = Supergraph::parse(SUPERGRAPH).expect("the committed supergraph loads");
        let mut options = RouterOptions {
            subgraph_urls: self.subgraph_urls.clone(),
            identity_key: Some(testing::router_key()),
            ..RouterOptions::default()
        };
        tweak(&mut options);
        let router = Arc::new(Router::new(supergraph, &options));
        // Access tokens and API keys checked as the first router checks them, with an
        // authenticator of its own (another process's).
        let server_options = server::ServerOptions {
            auth: self.users.as_deref().map(authenticator),
            ..server::ServerOptions::default()
        };
        let served = testing::serve(server::app(router, server_options)).await;
        let url = format!("{}/graphql", served.url);
        self._served.push(served);
        url
    }

    /// POSTs `query` with `variables`, as the holder of `token` (anonymous on `None`);
    /// returns status and JSON body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        self.gql_at(&self.url, token, query, variables).await
    }

    /// [`Platform::gql`] at `url` (e.g. [`Platform::partner_url`]).
    pub async fn gql_at(
        &self,
        url: &str,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (u16, Value) {
        let (status, _, body) = self.gql_with_headers(url, token, query, variables).await;
        (status, body)
    }

    /// [`Platform::gql_at`], with the response's headers.
    pub async fn gql_with_headers(
        &self,
        url: &str,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut request = self
            .client
            .post(url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the router answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.json().await.expect("a JSON body"))
    }

    /// Signs a demo person in through the router; returns the `signIn` payload.
    pub async fn sign_in(&self, handle: &str) -> Value {
        let (status, body) = self
            .gql(
                None,
                "mutation($i: SignInInput!) { signIn(input: $i) { accessToken refreshToken tokenType expiresIn user { handle } } }",
                json!({ "i": { "email": format!("{handle}@demo.tessera.dev"), "password": "tessera-demo" } }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["signIn"].clone()
    }

    /// A demo person's access token.
    pub async fn token(&self, handle: &str) -> String {
        self.sign_in(handle).await["accessToken"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }

    /// A new API key for demo partner `handle` (signed in through the router), named
    /// `name`.
    pub async fn api_key(&self, handle: &str, name: &str) -> String {
        let token = self.token(handle).await;
        let (status, body) = self
            .gql(
                Some(&token),
                "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key apiKey { id name } } }",
                json!({ "i": { "name": name } }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["createApiKey"]["key"]
            .as_str()
            .expect("a key")
            .to_owned()
    }
}

/// Router options for replicas sharing `redis` (`REDIS_URL`), in a cache namespace of
/// their own (`label` and the time): replicas of one test hear each other's
/// invalidations, other tests' replicas do not.
pub fn sharing_redis(redis: &str, label: &str) -> impl Fn(&mut RouterOptions) + Clone {
    let namespace = format!(
        "test-{label}-{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let redis = redis.to_owned();
    move |o: &mut RouterOptions| {
        o.cache.namespace.clone_from(&namespace);
        o.cache_redis_url = Some(redis.clone());
    }
}

/// Calls `ask` every 50 ms, for at most 2 s, until it answers HTTP `status` (what
/// another replica hears through Redis takes a moment); its last answer.
pub async fn until_status<F, Fut>(status: u16, mut ask: F) -> (u16, Value)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = (u16, Value)>,
{
    let mut seen = (0, Value::Null);
    for _ in 0..40 {
        seen = ask().await;
        if seen.0 == status {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    seen
}
