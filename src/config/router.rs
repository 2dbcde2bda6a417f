//! `[router]`: the public endpoint.

use std::{
    collections::{BTreeMap, HashMap},
    net::SocketAddr,
    path::PathBuf,
    str::FromStr,
    time::Duration,
};

use serde::Deserialize;
use tessera_router::auth::{AuthOptions, JwksSource};

use super::ConfigError;

/// The router.
///
/// ```toml
/// [router]
/// listen = "0.0.0.0:4000"
/// supergraph = "schema/supergraph.graphql"
/// subgraph_timeout_ms = 10000
/// [router.subgraph_timeouts_ms]
/// codex = 2000
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouterConfig {
    /// Address of the public GraphQL endpoint.
    pub listen: SocketAddr,
    /// A supergraph SDL file; absent: the supergraph built into this binary (the
    /// committed `schema/supergraph.graphql`).
    #[serde(default)]
    pub supergraph: Option<PathBuf>,
    /// How long a subgraph request may take, in milliseconds, from connecting to the
    /// answer's last byte.
    #[serde(default = "RouterConfig::default_timeout_ms")]
    pub subgraph_timeout_ms: u64,
    /// Subgraphs with a timeout of their own, in milliseconds, by subgraph name.
    #[serde(default)]
    pub subgraph_timeouts_ms: BTreeMap<String, u64>,
    /// Refuse browser "simple" requests (CSRF prevention).
    #[serde(default = "RouterConfig::default_true")]
    pub csrf_prevention: bool,
    /// Compress answers for clients that accept it (gzip, br, deflate, zstd); turn off
    /// when a proxy in front compresses.
    #[serde(default = "RouterConfig::default_true")]
    pub compress_responses: bool,
    /// How hard to compress: `fastest`, `default` (each algorithm's own: gzip 6,
    /// brotli 4, zstd 3), `best`, or a number in the algorithm's own scale (gzip and
    /// deflate 0–9, brotli 0–11, zstd 1–22; clamped).
    #[serde(default)]
    pub compression_level: CompressionLevelConfig,
    /// Largest request body, in bytes.
    #[serde(default = "RouterConfig::default_max_body")]
    pub max_body_bytes: usize,
    /// What clients' connections are held to: head size, head and body read times,
    /// connections per address.
    #[serde(default)]
    pub connections: ConnectionsConfig,
    /// Subgraph traffic: retries, circuit breakers, concurrency limits.
    #[serde(default)]
    pub traffic: super::traffic::TrafficConfig,
    /// Which client headers reach which subgraph.
    #[serde(default)]
    pub headers: super::headers::HeadersConfig,
    /// `Strict-Transport-Security: max-age=…` on every answer, for a router reached
    /// only over TLS (at a proxy in front); unset: not sent.
    #[serde(default)]
    pub hsts_max_age_seconds: Option<u64>,
    /// Most operations in one HTTP batch.
    #[serde(default = "RouterConfig::default_max_batch")]
    pub max_batch: usize,
    /// The production profile: introspection only for `limits.introspection_roles`.
    #[serde(default)]
    pub production: bool,
    /// Access tokens.
    #[serde(default)]
    pub auth: AuthConfig,
    /// What one operation may ask for.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Requests per client.
    #[serde(default)]
    pub rate_limits: RateLimitsConfig,
    /// Automatic persisted queries and trusted documents.
    #[serde(default)]
    pub persisted_queries: super::persisted::PersistedQueriesConfig,
    /// Progressive `@override` labels that are on (`percent(n)` labels are rolled per
    /// request whatever this says).
    #[serde(default)]
    pub override_labels: Vec<String>,
    /// The response and entity caches.
    #[serde(default)]
    pub cache: super::cache::CacheConfig,
    /// Serve the API explorer at `/explorer` (and send browsers at `/` there).
    #[serde(default = "RouterConfig::default_true")]
    pub explorer: bool,
    /// Threads serving requests, each with its own connections to clients and
    /// subgraphs; 0: one per CPU.
    #[serde(default)]
    pub threads: usize,
}

/// The most serving threads `router.threads` may ask for.
const MAX_THREADS: usize = 1024;

impl RouterConfig {
    /// Values serde cannot check: the number of serving threads, timeouts of 0.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let timeouts =
            std::iter::once(("subgraph_timeout_ms".to_owned(), self.subgraph_timeout_ms)).chain(
                self.subgraph_timeouts_ms
                    .iter()
                    .map(|(name, ms)| (format!("subgraph_timeouts_ms.{name}"), *ms)),
            );
        for (key, ms) in timeouts {
            if ms == 0 {
                return Err(ConfigError(format!(
                    "`router.{key}` = 0: a timeout must be at least 1 ms"
                )));
            }
        }
        self.connections.limits()?;
        if self.threads > MAX_THREADS {
            return Err(ConfigError(format!(
                "`router.threads` = {} must be between 0 (one per CPU) and {MAX_THREADS}",
                self.threads
            )));
        }
        Ok(())
    }

    /// The subgraph timeouts: the default and those of subgraphs named in
    /// `subgraph_timeouts_ms`, each of which must be one of `subgraphs`.
    pub fn subgraph_timeouts<'a>(
        &self,
        subgraphs: impl Iterator<Item = &'a str> + Clone,
    ) -> Result<(Duration, HashMap<String, Duration>), ConfigError> {
        let own = self
            .subgraph_timeouts_ms
            .iter()
            .map(|(name, ms)| {
                let key = format!("router.subgraph_timeouts_ms.{name}");
                super::known_subgraph(&key, name, subgraphs.clone())
                    .map(|()| (name.clone(), Duration::from_millis(*ms)))
            })
            .collect::<Result<_, _>>()?;
        Ok((Duration::from_millis(self.subgraph_timeout_ms), own))
    }

    /// How many threads serve requests: `threads`, or one per CPU when it is 0.
    pub fn serving_threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        }
    }
}

/// Limits on clients' connections (`router.connections`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionsConfig {
    /// Largest request head (request line and headers), in bytes (431 past it).
    pub max_header_bytes: usize,
    /// How long a client has to send a request's head, in milliseconds.
    pub header_read_timeout_ms: u64,
    /// How long a client has to send a request's body, in milliseconds (408
    /// `REQUEST_TIMEOUT` past it).
    pub body_read_timeout_ms: u64,
    /// Most connections open at once from one IP address; `0`: no limit (behind a
    /// proxy, where every client has the proxy's address).
    pub max_per_ip: usize,
}

impl Default for ConnectionsConfig {
    fn default() -> Self {
        let limits = tessera_serving::ConnectionLimits::default();
        Self {
            max_header_bytes: limits.max_header_bytes,
            header_read_timeout_ms: millis(limits.header_read_timeout),
            body_read_timeout_ms: millis(limits.body_read_timeout),
            max_per_ip: limits.max_connections_per_ip,
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl ConnectionsConfig {
    /// The limits, or which key is wrong.
    pub fn limits(&self) -> Result<tessera_serving::ConnectionLimits, ConfigError> {
        if self.max_header_bytes < 8_192 {
            return Err(ConfigError(format!(
                "`router.connections.max_header_bytes` = {}: at least 8192 (a request line and the usual headers)",
                self.max_header_bytes
            )));
        }
        for (key, ms) in [
            ("header_read_timeout_ms", self.header_read_timeout_ms),
            ("body_read_timeout_ms", self.body_read_timeout_ms),
        ] {
            if ms == 0 {
                return Err(ConfigError(format!(
                    "`router.connections.{key}` = 0: a timeout must be at least 1 ms"
                )));
            }
        }
        Ok(tessera_serving::ConnectionLimits {
            max_header_bytes: self.max_header_bytes,
            header_read_timeout: Duration::from_millis(self.header_read_timeout_ms),
            body_read_timeout: Duration::from_millis(self.body_read_timeout_ms),
            max_connections_per_ip: self.max_per_ip,
        })
    }
}

/// One quota: a sustained rate and a burst.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaConfig {
    /// Requests per minute.
    pub per_minute: u32,
    /// Requests allowed at once.
    pub burst: u32,
}

impl From<QuotaConfig> for tessera_router::ratelimit::Quota {
    fn from(q: QuotaConfig) -> Self {
        Self {
            per_minute: q.per_minute,
            burst: q.burst,
        }
    }
}

/// Rate limits (`[router.rate_limits]`), shared by replicas through `redis.url`.
///
/// ```toml
/// [router.rate_limits]
/// enabled = true
/// anonymous = { per_minute = 300, burst = 60 }
/// signed_in = { per_minute = 1200, burst = 200 }
/// roles.admin = { per_minute = 6000, burst = 600 }
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitsConfig {
    /// Off: no limits.
    pub enabled: bool,
    /// Callers without a token (per IP address).
    pub anonymous: QuotaConfig,
    /// Signed-in callers whose roles have no quota.
    pub signed_in: QuotaConfig,
    /// Quotas by role (the most generous of a caller's roles applies).
    pub roles: BTreeMap<String, QuotaConfig>,
}

impl Default for RateLimitsConfig {
    fn default() -> Self {
        let defaults = tessera_router::ratelimit::RateLimitOptions::default();
        let quota = |q: tessera_router::ratelimit::Quota| QuotaConfig {
            per_minute: q.per_minute,
            burst: q.burst,
        };
        Self {
            enabled: true,
            anonymous: quota(defaults.anonymous),
            signed_in: quota(defaults.signed_in),
            roles: BTreeMap::new(),
        }
    }
}

impl RateLimitsConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let quotas = [
            ("anonymous".to_owned(), self.anonymous),
            ("signed_in".to_owned(), self.signed_in),
        ]
        .into_iter()
        .chain(self.roles.iter().map(|(r, q)| (format!("roles.{r}"), *q)));
        for (name, quota) in quotas {
            if quota.per_minute == 0 || quota.burst == 0 || quota.per_minute > 60_000 {
                return Err(ConfigError(format!(
                    "`router.rate_limits.{name}`: per_minute must be 1–60000 and burst at least 1"
                )));
            }
        }
        Ok(())
    }

    /// The limiter, sharing state through Redis when `redis_url` is set.
    pub fn limiter(
        &self,
        redis_url: Option<&str>,
    ) -> Result<Option<tessera_router::ratelimit::RateLimiter>, ConfigError> {
        use tessera_router::ratelimit::{RateLimitOptions, RateLimiter};
        if !self.enabled {
            return Ok(None);
        }
        self.validate()?;
        let options = RateLimitOptions {
            anonymous: self.anonymous.into(),
            signed_in: self.signed_in.into(),
            roles: self
                .roles
                .iter()
                .map(|(r, q)| (r.clone(), (*q).into()))
                .collect(),
        };
        match redis_url {
            None => Ok(Some(RateLimiter::local(options))),
            Some(url) => RateLimiter::with_redis(options, url)
                .map(Some)
                .map_err(|e| ConfigError(format!("`redis.url`: {e}"))),
        }
    }
}

/// Operation limits (`[router.limits]`); 0 turns a limit off.
///
/// ```toml
/// [router.limits]
/// max_depth = 15
/// max_cost = 50000
/// introspection_roles = ["admin", "partner"]
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Deepest field nesting.
    pub max_depth: u32,
    /// Most aliases.
    pub max_aliases: u32,
    /// Most root fields.
    pub max_root_fields: u32,
    /// Most lexical tokens in a document.
    pub max_tokens: u32,
    /// Most directives applied in an operation.
    pub max_directives: u32,
    /// Highest estimated cost (`@cost` / `@listSize`).
    pub max_cost: u32,
    /// Size assumed for a list nothing else sizes.
    pub default_list_size: u32,
    /// Roles that may introspect when `router.production` is on (off: everyone may).
    pub introspection_roles: Vec<String>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        let limits = tessera_router::limits::OperationLimits::default();
        let or_zero = |v: Option<u32>| v.unwrap_or(0);
        Self {
            max_depth: or_zero(limits.max_depth),
            max_aliases: or_zero(limits.max_aliases),
            max_root_fields: or_zero(limits.max_root_fields),
            max_tokens: limits
                .max_tokens
                .and_then(|t| u32::try_from(t).ok())
                .unwrap_or(0),
            max_directives: or_zero(limits.max_directives),
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a whole default"
            )]
            max_cost: limits.max_cost.map_or(0, |c| c as u32),
            default_list_size: limits.default_list_size,
            introspection_roles: vec!["admin".to_owned(), "partner".to_owned()],
        }
    }
}

impl LimitsConfig {
    /// The router's limits; introspection is restricted only in `production`.
    pub fn limits(&self, production: bool) -> tessera_router::limits::OperationLimits {
        let on = |v: u32| (v > 0).then_some(v);
        tessera_router::limits::OperationLimits {
            max_depth: on(self.max_depth),
            max_aliases: on(self.max_aliases),
            max_root_fields: on(self.max_root_fields),
            max_tokens: on(self.max_tokens).map(|t| t as usize),
            max_directives: on(self.max_directives),
            max_cost: on(self.max_cost).map(f64::from),
            default_list_size: self.default_list_size.max(1),
            introspection_roles: production.then(|| self.introspection_roles.clone()),
        }
    }
}

/// A policy: the access token's `claim` holds one of `any_of`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// The claim, e.g. `tier`.
    pub claim: String,
    /// Accepted values.
    pub any_of: Vec<String>,
}

/// How the router verifies access tokens (`[router.auth]`). No JWKS source: every
/// caller is anonymous.
///
/// ```toml
/// [router.auth]
/// jwks_urls = ["http://users.internal:4001/.well-known/jwks.json"]
/// issuers = ["tessera-users"]
/// audiences = ["tessera"]
/// algorithms = ["EdDSA"]
/// cookie = "tessera_access"
/// [router.auth.role_scopes]
/// coach = ["roster:read"]
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// JWKS documents fetched over HTTP.
    pub jwks_urls: Vec<String>,
    /// JWKS documents read from files.
    pub jwks_files: Vec<PathBuf>,
    /// Extra CA certificates (PEM) trusted for `https://` JWKS URLs.
    pub jwks_ca_file: Option<PathBuf>,
    /// Accepted `iss` (empty: any).
    pub issuers: Vec<String>,
    /// Accepted `aud` (empty: any).
    pub audiences: Vec<String>,
    /// Accepted JWT algorithms (asymmetric only).
    pub algorithms: Vec<String>,
    /// Clock leeway for `exp`/`nbf`, in seconds.
    pub leeway_seconds: u64,
    /// A cookie that may carry the access token (the web app).
    pub cookie: Option<String>,
    /// Scopes granted to every holder of a role.
    pub role_scopes: BTreeMap<String, Vec<String>>,
    /// Policies for `@policy`: a claim that must hold one of some values.
    pub policies: BTreeMap<String, PolicyConfig>,
    /// Refuse a whole operation that selects anything the caller may not see (by
    /// default those parts are `null` with an error each).
    pub reject_unauthorized: bool,
    /// Seconds between JWKS fetches.
    pub jwks_refresh_seconds: u64,
    /// Least seconds between two JWKS fetches (unknown `kid`s).
    pub jwks_min_refresh_seconds: u64,
    /// Where partners' API keys are exchanged for access tokens (the users subgraph's
    /// `/api-keys/exchange`); unset: API keys are not accepted.
    pub api_key_exchange_url: Option<String>,
    /// The header carrying an API key.
    pub api_key_header: String,
    /// Seconds an exchanged key is trusted before asking again (and an unknown key stays
    /// refused without asking). A revocation that goes through the router forgets it at
    /// once; one made elsewhere may take this long.
    pub api_key_cache_seconds: u64,
    /// Seconds an ended session (sign-out, a reused refresh token, a password change)
    /// is remembered, its access tokens refused: at least the longest access-token
    /// lifetime of any issuer (users: 900).
    pub revoked_sessions_kept_seconds: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwks_urls: Vec::new(),
            jwks_files: Vec::new(),
            jwks_ca_file: None,
            issuers: Vec::new(),
            audiences: Vec::new(),
            algorithms: vec!["EdDSA".into(), "ES256".into(), "RS256".into()],
            leeway_seconds: 30,
            cookie: None,
            role_scopes: BTreeMap::new(),
            policies: BTreeMap::new(),
            reject_unauthorized: false,
            jwks_refresh_seconds: 300,
            jwks_min_refresh_seconds: 10,
            api_key_exchange_url: None,
            api_key_header: "x-api-key".to_owned(),
            api_key_cache_seconds: 60,
            revoked_sessions_kept_seconds: 3600,
        }
    }
}

impl AuthConfig {
    /// The verifier's options, or `None` when no key source is configured.
    pub fn options(&self) -> Result<Option<AuthOptions>, ConfigError> {
        if self.jwks_urls.is_empty() && self.jwks_files.is_empty() {
            return Ok(None);
        }
        let algorithms = self
            .algorithms
            .iter()
            .map(|name| {
                jsonwebtoken::Algorithm::from_str(name).map_err(|_| {
                    ConfigError(format!(
                        "`router.auth.algorithms`: `{name}` is not a JWT algorithm (e.g. EdDSA, ES256, RS256)"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let jwks = self
            .jwks_urls
            .iter()
            .cloned()
            .map(JwksSource::Url)
            .chain(self.jwks_files.iter().cloned().map(JwksSource::File))
            .collect();
        Ok(Some(AuthOptions {
            jwks,
            jwks_ca: self.jwks_ca_file.clone(),
            issuers: self.issuers.clone(),
            audiences: self.audiences.clone(),
            algorithms,
            leeway: Duration::from_secs(self.leeway_seconds),
            cookie: self.cookie.clone(),
            role_scopes: self.role_scopes.clone().into_iter().collect(),
            policies: self
                .policies
                .iter()
                .map(|(name, p)| {
                    (
                        name.clone(),
                        tessera_router::auth::PolicyRule {
                            claim: p.claim.clone(),
                            any_of: p.any_of.clone(),
                        },
                    )
                })
                .collect(),
            refresh_interval: Duration::from_secs(self.jwks_refresh_seconds.max(1)),
            min_refresh_interval: Duration::from_secs(self.jwks_min_refresh_seconds),
            api_keys: self.api_keys()?,
            redis_url: None,
            revoked_retention: Duration::from_secs(self.revoked_sessions_kept_seconds.max(1)),
        }))
    }

    fn api_keys(&self) -> Result<Option<tessera_router::auth::ApiKeyOptions>, ConfigError> {
        let Some(url) = &self.api_key_exchange_url else {
            return Ok(None);
        };
        tessera_router::auth::ApiKeyOptions::new(
            &self.api_key_header,
            url,
            Duration::from_secs(self.api_key_cache_seconds.max(1)),
        )
        .map(Some)
        .map_err(|e| ConfigError(format!("`router.auth` API keys: {e}")))
    }
}

impl RouterConfig {
    fn default_timeout_ms() -> u64 {
        30_000
    }

    fn default_true() -> bool {
        true
    }

    fn default_max_body() -> usize {
        2 * 1024 * 1024
    }

    fn default_max_batch() -> usize {
        32
    }

    /// The router's HTTP settings, with the access-token verifier and the rate limiter
    /// (through Redis at `redis_url`) when configured.
    pub fn server_options(
        &self,
        redis_url: Option<&str>,
    ) -> Result<tessera_router::server::ServerOptions, ConfigError> {
        let auth = match self.auth.options()? {
            None => None,
            Some(mut options) => Some(std::sync::Arc::new({
                options.redis_url = redis_url.map(str::to_owned);
                tessera_router::auth::Authenticator::new(options)
                    .map_err(|e| ConfigError(format!("`router.auth`: {e}")))?
            })),
        };
        Ok(tessera_router::server::ServerOptions {
            csrf_prevention: self.csrf_prevention,
            compress_responses: self.compress_responses,
            compression_level: self.compression_level.level()?,
            security_headers: tessera_router::server::SecurityHeaders::new(
                self.hsts_max_age_seconds,
            ),
            max_body_bytes: self.max_body_bytes,
            max_batch: self.max_batch,
            auth,
            rate_limiter: self
                .rate_limits
                .limiter(redis_url)?
                .map(std::sync::Arc::new),
            variants: Vec::new(),
            explorer: self
                .explorer
                .then(|| tessera_router::explorer::ExplorerOptions {
                    api_key_header: self.auth.api_key_header.clone(),
                    ..tessera_router::explorer::ExplorerOptions::default()
                }),
        })
    }
}

/// `router.compression_level`: a name or a number.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum CompressionLevelConfig {
    /// The algorithm's own scale.
    Precise(i32),
    /// `fastest`, `default` or `best`.
    Named(String),
}

impl Default for CompressionLevelConfig {
    fn default() -> Self {
        Self::Named("default".to_owned())
    }
}

impl CompressionLevelConfig {
    /// The level, or why the name is not one.
    pub fn level(&self) -> Result<tessera_router::server::CompressionLevel, ConfigError> {
        use tessera_router::server::CompressionLevel;
        match self {
            Self::Precise(n) => Ok(CompressionLevel::Precise(*n)),
            Self::Named(name) => match name.as_str() {
                "fastest" => Ok(CompressionLevel::Fastest),
                "default" => Ok(CompressionLevel::Default),
                "best" => Ok(CompressionLevel::Best),
                other => Err(ConfigError(format!(
                    "`router.compression_level` = {other:?}: `fastest`, `default`, `best` or a number"
                ))),
            },
        }
    }
}
