//! Who the client is: the access token (a JWT the users subgraph issued, or any issuer
//! configured) verified against a JWKS, turned into an [`Identity`].
//!
//! - The token comes from `Authorization: Bearer …` or, for the web app, a configured
//!   cookie. No token is an anonymous caller; a bad token is refused (401
//!   `UNAUTHENTICATED`), never downgraded to anonymous.
//! - Keys come from JWKS URLs (`https://`, trusting the system's roots and optionally an
//!   internal CA; `http://` inside the network; fetched on first use, refreshed every
//!   `refresh_interval`, and again when a token names an unknown `kid`, at most once per
//!   `min_refresh_interval`) and from JWKS files (read at start).
//! - Only the configured algorithms are accepted, and each key only with its own
//!   algorithm: `none` cannot be expressed, HMAC algorithms are refused in the
//!   configuration (a public JWKS must never verify a shared secret), and an RSA key
//!   never verifies an `ES256` or `EdDSA` header.
//! - `exp` is required; `nbf`, `iss` and `aud` are checked when configured, all with a
//!   small leeway. A verified token is remembered until it expires (at most five
//!   minutes), so a client's repeated token costs a lookup, not a signature check.
//! - Claims: `sub`, `roles` (array), `scope` (space-separated) or `scopes` (array);
//!   a configured table adds scopes per role. `athletes` (array of user ids) is a coach's
//!   roster: kept only for a caller holding the `coach` role, and at most
//!   [`ROSTER_MAX`] of them (a longer list is cut, which only ever grants less).
//! - A partner's API key (`x-api-key`, [`ApiKeyOptions`]) is exchanged at the issuer for
//!   an access token, verified as above; the answer (token or refusal) is kept by the
//!   key's SHA-256 for `cache_ttl`, so a steady client costs one exchange a minute.

use std::{
    collections::{BTreeSet, HashMap},
    path::PathBuf,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use axum::http::{HeaderMap, header};
use jsonwebtoken::{
    Algorithm, DecodingKey, Validation,
    errors::ErrorKind,
    jwk::{JwkSet, KeyAlgorithm},
};
use serde::Deserialize;
use tessera_codes::ErrorCode;
use tessera_identity::{Identity, ROSTER_MAX};

/// Where verification keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// A JWKS document at an HTTP URL.
    Url(String),
    /// A JWKS document in a file.
    File(PathBuf),
}

/// Settings of access-token verification.
#[derive(Debug, Clone)]
pub struct AuthOptions {
    /// Key sources, all used together.
    pub jwks: Vec<JwksSource>,
    /// A PEM file of extra CA certificates trusted for `https://` JWKS URLs (an
    /// internal CA); the system's roots are trusted either way.
    pub jwks_ca: Option<PathBuf>,
    /// Accepted `iss` values (empty: not checked).
    pub issuers: Vec<String>,
    /// Accepted `aud` values (empty: not checked).
    pub audiences: Vec<String>,
    /// Accepted algorithms.
    pub algorithms: Vec<Algorithm>,
    /// Clock leeway for `exp` and `nbf`.
    pub leeway: Duration,
    /// A cookie that may carry the token (the web app).
    pub cookie: Option<String>,
    /// Scopes every holder of a role gets.
    pub role_scopes: HashMap<String, Vec<String>>,
    /// Policies (for `@policy`), each a claim that must hold one of some values.
    pub policies: HashMap<String, PolicyRule>,
    /// How often URL key sets are fetched again.
    pub refresh_interval: Duration,
    /// The least time between two fetches (unknown `kid`s cannot make it hammer the
    /// issuer).
    pub min_refresh_interval: Duration,
    /// Partners' API keys; none: the header is not read.
    pub api_keys: Option<ApiKeyOptions>,
}

/// Partners' API keys: a key in `header` is exchanged at `exchange_url` for an access
/// token, which is then verified like any other. The answer is kept for `cache_ttl`
/// (never past the token's expiry), so a revoked key stops working within that time,
/// and an unknown key is refused for that time without asking again.
#[derive(Debug, Clone)]
pub struct ApiKeyOptions {
    /// The header carrying the key (`x-api-key`).
    pub header: axum::http::HeaderName,
    /// The exchange (`POST`, the key in `header`; an OAuth 2 token response back).
    pub exchange_url: String,
    /// How long an exchange's answer is kept.
    pub cache_ttl: Duration,
}

impl ApiKeyOptions {
    /// Options with `header` and `exchange_url` checked.
    pub fn new(
        header: &str,
        exchange_url: &str,
        cache_ttl: Duration,
    ) -> Result<Self, AuthSetupError> {
        if !(exchange_url.starts_with("http://") || exchange_url.starts_with("https://")) {
            return Err(AuthSetupError::Url(format!(
                "API-key exchange URL {exchange_url}"
            )));
        }
        let header = axum::http::HeaderName::from_bytes(header.as_bytes())
            .map_err(|_| AuthSetupError::Header(header.to_owned()))?;
        Ok(Self {
            header,
            exchange_url: exchange_url.to_owned(),
            cache_ttl,
        })
    }
}

impl Default for AuthOptions {
    fn default() -> Self {
        Self {
            jwks: Vec::new(),
            jwks_ca: None,
            issuers: Vec::new(),
            audiences: Vec::new(),
            algorithms: vec![Algorithm::EdDSA, Algorithm::ES256, Algorithm::RS256],
            leeway: Duration::from_secs(30),
            cookie: None,
            role_scopes: HashMap::new(),
            policies: HashMap::new(),
            refresh_interval: Duration::from_secs(300),
            min_refresh_interval: Duration::from_secs(10),
            api_keys: None,
        }
    }
}

/// A policy: holds when the access token's `claim` (a string, or an array of strings)
/// holds one of `any_of`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRule {
    /// The claim's name, e.g. `tier`.
    pub claim: String,
    /// Accepted values, e.g. `["premium", "pro"]`.
    pub any_of: Vec<String>,
}

impl PolicyRule {
    fn holds(&self, claims: &serde_json::Map<String, serde_json::Value>) -> bool {
        match claims.get(&self.claim) {
            Some(serde_json::Value::String(v)) => self.any_of.contains(v),
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(serde_json::Value::as_str)
                .any(|v| self.any_of.iter().any(|a| a == v)),
            Some(serde_json::Value::Bool(b)) => self.any_of.contains(&b.to_string()),
            _ => false,
        }
    }
}

/// Why a request's credentials were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The `Authorization` header is not `Bearer <token>`.
    #[error("the Authorization header must be `Bearer <token>`")]
    Scheme,
    /// `exp` has passed.
    #[error("the access token has expired")]
    Expired,
    /// `nbf` is in the future.
    #[error("the access token is not valid yet")]
    NotYetValid,
    /// The header's `alg` is not accepted.
    #[error("the access token's algorithm {0} is not accepted")]
    Algorithm(String),
    /// No key with the token's `kid`.
    #[error("the access token was signed with an unknown key")]
    UnknownKey,
    /// Wrong `iss` or `aud`.
    #[error("the access token was issued by or for someone else ({0})")]
    Foreign(&'static str),
    /// Anything else (malformed, bad signature, missing `exp` or `sub`).
    #[error("the access token is invalid: {0}")]
    Invalid(String),
    /// No key set could be loaded at all.
    #[error("the access token cannot be checked now: no signing keys could be loaded")]
    KeysUnavailable,
    /// The issuer refused the API key (its words).
    #[error("the API key was refused: {0}")]
    ApiKeyRefused(String),
    /// The API-key exchange could not be reached or failed.
    #[error("the API key cannot be checked now: {0}")]
    ApiKeysUnavailable(String),
}

impl AuthError {
    /// The code the client sees.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::KeysUnavailable | Self::ApiKeysUnavailable(_) => ErrorCode::ServiceUnavailable,
            _ => ErrorCode::Unauthenticated,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    athletes: Vec<String>,
    #[serde(flatten)]
    other: serde_json::Map<String, serde_json::Value>,
}

struct Key {
    decoding: DecodingKey,
    /// The key's own algorithm (`alg` of the JWK), when it names one.
    algorithm: Option<Algorithm>,
}

#[derive(Default)]
struct KeySet {
    keys: HashMap<String, Arc<Key>>,
    /// Keys without a `kid` (used only for tokens without one).
    anonymous: Vec<Arc<Key>>,
    loaded: bool,
}

/// Verifies access tokens.
pub struct Authenticator {
    options: AuthOptions,
    http: reqwest::Client,
    keys: RwLock<Arc<KeySet>>,
    /// When the URL sources were last fetched (None: never).
    fetched: std::sync::Mutex<Option<Instant>>,
    /// Held while fetching, so concurrent requests wait for one fetch.
    fetching: tokio::sync::Mutex<()>,
    /// Tokens verified, with what they say and when they expire (a repeated token
    /// costs a lookup, not a signature check).
    verified: moka::sync::Cache<Arc<str>, (Identity, u64)>,
    /// API keys exchanged (by SHA-256): the access token, or the refusal.
    api_keys: moka::sync::Cache<[u8; 32], Result<Arc<str>, AuthError>>,
}

/// The type the users subgraph names in `extensions.invalidate` when API keys change.
const API_KEY_TYPE: &str = "ApiKey";

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("jwks", &self.options.jwks)
            .finish_non_exhaustive()
    }
}

/// Why the authenticator could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    /// A configured algorithm must not be used with public keys.
    #[error(
        "algorithm {0:?} cannot verify tokens against a public JWKS (HMAC needs a shared secret); allowed: EdDSA, ES256, ES384, RS256…RS512, PS256…PS512"
    )]
    Symmetric(Algorithm),
    /// No algorithm or no key source.
    #[error("{0}")]
    Empty(&'static str),
    /// A JWKS file could not be read.
    #[error("JWKS file {path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The HTTP client for JWKS URLs could not be built.
    #[error("the JWKS client: {0}")]
    Client(String),
    /// A JWKS or API-key exchange URL that is not `http://` or `https://`.
    #[error("{0}: must start with https:// (or http:// inside the network)")]
    Url(String),
    /// An API-key header that is not a header name.
    #[error("{0:?} is not a header name")]
    Header(String),
}

impl Authenticator {
    /// An authenticator with `options`; JWKS files are read now, URLs on first use.
    pub fn new(options: AuthOptions) -> Result<Self, AuthSetupError> {
        if options.algorithms.is_empty() {
            return Err(AuthSetupError::Empty("no algorithm is accepted"));
        }
        if options.jwks.is_empty() {
            return Err(AuthSetupError::Empty("no JWKS source is configured"));
        }
        if let Some(alg) = options
            .algorithms
            .iter()
            .find(|a| matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512))
        {
            return Err(AuthSetupError::Symmetric(*alg));
        }
        let mut set = KeySet::default();
        for source in &options.jwks {
            match source {
                JwksSource::File(path) => {
                    let text = std::fs::read_to_string(path).map_err(|e| AuthSetupError::File {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                    let jwks: JwkSet =
                        serde_json::from_str(&text).map_err(|e| AuthSetupError::File {
                            path: path.clone(),
                            reason: format!("not a JWKS document: {e}"),
                        })?;
                    add_keys(&mut set, &jwks);
                    set.loaded = true;
                }
                JwksSource::Url(url)
                    if !(url.starts_with("http://") || url.starts_with("https://")) =>
                {
                    return Err(AuthSetupError::Url(format!("JWKS URL {url}")));
                }
                JwksSource::Url(_) => {}
            }
        }
        let mut http = reqwest::Client::builder().timeout(Duration::from_secs(5));
        if let Some(path) = &options.jwks_ca {
            let file = |reason: String| AuthSetupError::File {
                path: path.clone(),
                reason,
            };
            let pem = std::fs::read(path).map_err(|e| file(e.to_string()))?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| file(format!("not PEM certificates: {e}")))?;
            if certificates.is_empty() {
                return Err(file("no certificate in it".to_owned()));
            }
            http = http.tls_certs_merge(certificates);
        }
        let http = http
            .build()
            .map_err(|e| AuthSetupError::Client(e.to_string()))?;
        Ok(Self {
            http,
            keys: RwLock::new(Arc::new(set)),
            fetched: std::sync::Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
            verified: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(300))
                .build(),
            api_keys: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(
                    options
                        .api_keys
                        .as_ref()
                        .map_or(Duration::from_secs(60), |k| k.cache_ttl),
                )
                .build(),
            options,
        })
    }

    fn has_urls(&self) -> bool {
        self.options
            .jwks
            .iter()
            .any(|s| matches!(s, JwksSource::Url(_)))
    }

    fn current(&self) -> Arc<KeySet> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The header partners send their API key in, when API keys are accepted.
    pub fn api_key_header(&self) -> Option<&axum::http::HeaderName> {
        self.options.api_keys.as_ref().map(|k| &k.header)
    }

    /// The caller of a request: anonymous without credentials, an error for bad ones.
    /// Credentials are read in this order: `Authorization`, the API-key header, the
    /// cookie.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Identity, AuthError> {
        if let Some(token) = bearer(headers)? {
            return self.verify(&token).await;
        }
        if let Some(api_keys) = &self.options.api_keys
            && let Some(key) = headers.get(&api_keys.header)
        {
            let key = key
                .to_str()
                .map_err(|_| AuthError::ApiKeyRefused("it is not text".to_owned()))?;
            let token = self.exchange(api_keys, key.trim()).await?;
            return self.verify(&token).await;
        }
        match self.cookie(headers) {
            Some(token) => self.verify(&token).await,
            None => Ok(Identity::ANONYMOUS),
        }
    }

    /// Forgets the API keys exchanged when `tags` (an invalidation's) name the `ApiKey`
    /// type: a key was revoked, or its owner is no longer a partner or is gone, and
    /// the exchange must be asked again. `None` (invalidations may have been missed):
    /// forgets them all the same.
    pub fn invalidated(&self, tags: Option<&[String]>) {
        let api_keys_changed = tags.is_none_or(|tags| {
            tags.iter()
                .any(|tag| tag == API_KEY_TYPE || tag.starts_with(&format!("{API_KEY_TYPE}:")))
        });
        if api_keys_changed {
            self.api_keys.invalidate_all();
        }
    }

    /// The access token for API key `key`: kept from an earlier exchange while it has a
    /// minute left, else asked of the exchange.
    async fn exchange(&self, options: &ApiKeyOptions, key: &str) -> Result<Arc<str>, AuthError> {
        use sha2::Digest as _;
        let digest: [u8; 32] = sha2::Sha256::digest(key.as_bytes()).into();
        let now = unix_now();
        if let Some(kept) = self.api_keys.get(&digest) {
            match kept {
                Ok(token)
                    if self
                        .verified
                        .get(&token)
                        .is_some_and(|(_, exp)| exp > now + 60) =>
                {
                    return Ok(token);
                }
                Ok(_) => {}
                Err(refusal) => return Err(refusal),
            }
        }
        let answer = self
            .http
            .post(&options.exchange_url)
            .header(&options.header, key)
            .send()
            .await
            .map_err(|e| AuthError::ApiKeysUnavailable(unavailable(&e)))?;
        let status = answer.status();
        #[derive(Deserialize)]
        struct TokenAnswer {
            access_token: Option<String>,
            error_description: Option<String>,
        }
        let body: TokenAnswer = answer.json().await.map_err(|_| {
            AuthError::ApiKeysUnavailable(format!("the exchange answered {status} without JSON"))
        })?;
        let kept = match (status.as_u16(), body.access_token, body.error_description) {
            (200, Some(token), _) => Ok(Arc::<str>::from(token)),
            (400 | 401 | 403, _, reason) => Err(AuthError::ApiKeyRefused(
                reason.unwrap_or_else(|| "unknown key".to_owned()),
            )),
            _ => {
                return Err(AuthError::ApiKeysUnavailable(format!(
                    "the exchange answered {status}"
                )));
            }
        };
        self.api_keys.insert(digest, kept.clone());
        kept
    }

    fn cookie(&self, headers: &HeaderMap) -> Option<String> {
        let Some(cookie_name) = &self.options.cookie else {
            return None;
        };
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, value)| name == cookie_name && !value.is_empty())
            .map(|(_, value)| value.to_owned())
    }

    /// Verifies `token` and reads its identity.
    pub async fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        let now = unix_now();
        if let Some((identity, exp)) = self.verified.get(token) {
            return if now <= exp + self.options.leeway.as_secs() {
                Ok(identity)
            } else {
                Err(AuthError::Expired)
            };
        }
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        if !self.options.algorithms.contains(&header.alg) {
            return Err(AuthError::Algorithm(format!("{:?}", header.alg)));
        }
        let key = self.key_for(header.kid.as_deref()).await?;
        if key.algorithm.is_some_and(|a| a != header.alg) {
            return Err(AuthError::Algorithm(format!(
                "{:?} (the key is for {:?})",
                header.alg,
                key.algorithm.unwrap_or(header.alg)
            )));
        }
        let mut validation = Validation::new(header.alg);
        validation.leeway = self.options.leeway.as_secs();
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        if !self.options.issuers.is_empty() {
            validation.set_issuer(&self.options.issuers);
        }
        if self.options.audiences.is_empty() {
            validation.validate_aud = false;
        } else {
            validation.set_audience(&self.options.audiences);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &key.decoding, &validation).map_err(
            |e| match e.kind() {
                ErrorKind::ExpiredSignature => AuthError::Expired,
                ErrorKind::ImmatureSignature => AuthError::NotYetValid,
                ErrorKind::InvalidIssuer => AuthError::Foreign("iss"),
                ErrorKind::InvalidAudience => AuthError::Foreign("aud"),
                ErrorKind::InvalidAlgorithm => AuthError::Algorithm(format!("{:?}", header.alg)),
                _ => AuthError::Invalid(e.to_string()),
            },
        )?;
        let exp = data.claims.exp;
        let identity = self.identity(data.claims);
        self.verified.insert(token.into(), (identity.clone(), exp));
        Ok(identity)
    }

    fn identity(&self, claims: Claims) -> Identity {
        let mut scopes: BTreeSet<String> = claims.scopes.into_iter().collect();
        scopes.extend(
            claims
                .scope
                .as_deref()
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned),
        );
        for role in &claims.roles {
            if let Some(granted) = self.options.role_scopes.get(role) {
                scopes.extend(granted.iter().cloned());
            }
        }
        let mut policies: Vec<String> = self
            .options
            .policies
            .iter()
            .filter(|(_, rule)| rule.holds(&claims.other))
            .map(|(name, _)| name.clone())
            .collect();
        policies.sort();
        // Who a coach coaches, as the users domain said when it issued the token; a
        // caller without the role coaches nobody, whatever the token says.
        let mut athletes = claims.athletes;
        if claims.roles.iter().any(|r| r == "coach") {
            athletes.truncate(ROSTER_MAX);
        } else {
            athletes.clear();
        }
        Identity {
            subject: Some(claims.sub),
            roles: claims.roles,
            scopes: scopes.into_iter().collect(),
            policies,
            athletes,
        }
    }

    async fn key_for(&self, kid: Option<&str>) -> Result<Arc<Key>, AuthError> {
        let stale = self
            .fetched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_none_or(|at| at.elapsed() >= self.options.refresh_interval);
        if self.has_urls() && stale {
            self.refresh().await;
        }
        if let Some(key) = find(&self.current(), kid) {
            return Ok(key);
        }
        // An unknown kid: the issuer may have rotated its keys since the last fetch.
        if self.has_urls()
            && self.refresh().await
            && let Some(key) = find(&self.current(), kid)
        {
            return Ok(key);
        }
        if self.current().loaded {
            Err(AuthError::UnknownKey)
        } else {
            Err(AuthError::KeysUnavailable)
        }
    }

    /// Fetches the URL sources again unless that happened less than
    /// `min_refresh_interval` ago; true when it fetched.
    async fn refresh(&self) -> bool {
        let _one_fetch_at_a_time = self.fetching.lock().await;
        {
            let mut fetched = self
                .fetched
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if fetched.is_some_and(|at| at.elapsed() < self.options.min_refresh_interval) {
                return false;
            }
            *fetched = Some(Instant::now());
        }
        let mut set = KeySet::default();
        let mut any = false;
        for source in &self.options.jwks {
            let jwks = match source {
                JwksSource::Url(url) => match self.fetch(url).await {
                    Ok(jwks) => jwks,
                    Err(reason) => {
                        tracing::warn!(%url, %reason, "cannot fetch JWKS; keeping the keys already known");
                        return false;
                    }
                },
                JwksSource::File(path) => match std::fs::read_to_string(path)
                    .map_err(|e| e.to_string())
                    .and_then(|t| serde_json::from_str::<JwkSet>(&t).map_err(|e| e.to_string()))
                {
                    Ok(jwks) => jwks,
                    Err(reason) => {
                        tracing::warn!(path = %path.display(), %reason, "cannot read JWKS file; keeping the keys already known");
                        return false;
                    }
                },
            };
            add_keys(&mut set, &jwks);
            any = true;
        }
        set.loaded = any;
        *self
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(set);
        true
    }

    async fn fetch(&self, url: &str) -> Result<JwkSet, String> {
        let response = self.http.get(url).send().await.map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()));
        }
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes).map_err(|e| format!("not a JWKS document: {e}"))
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The token of `Authorization: Bearer <token>`; an error for any other scheme.
fn bearer(headers: &HeaderMap) -> Result<Option<String>, AuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| AuthError::Scheme)?.trim();
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::Scheme)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(AuthError::Scheme);
    }
    Ok(Some(token.trim().to_owned()))
}

/// Why the exchange could not be reached, without the URL (the client sees this).
fn unavailable(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "the exchange did not answer in time".to_owned()
    } else {
        "the exchange is unreachable".to_owned()
    }
}

fn find(set: &KeySet, kid: Option<&str>) -> Option<Arc<Key>> {
    match kid {
        Some(kid) => set.keys.get(kid).cloned(),
        None if set.anonymous.len() == 1 && set.keys.is_empty() => set.anonymous.first().cloned(),
        None => None,
    }
}

fn add_keys(set: &mut KeySet, jwks: &JwkSet) {
    for jwk in &jwks.keys {
        let Ok(decoding) = DecodingKey::from_jwk(jwk) else {
            tracing::warn!(kid = ?jwk.common.key_id, "skipping a JWK that is not a usable public key");
            continue;
        };
        let algorithm = jwk.common.key_algorithm.and_then(|a| match a {
            KeyAlgorithm::EdDSA => Some(Algorithm::EdDSA),
            KeyAlgorithm::ES256 => Some(Algorithm::ES256),
            KeyAlgorithm::ES384 => Some(Algorithm::ES384),
            KeyAlgorithm::RS256 => Some(Algorithm::RS256),
            KeyAlgorithm::RS384 => Some(Algorithm::RS384),
            KeyAlgorithm::RS512 => Some(Algorithm::RS512),
            KeyAlgorithm::PS256 => Some(Algorithm::PS256),
            KeyAlgorithm::PS384 => Some(Algorithm::PS384),
            KeyAlgorithm::PS512 => Some(Algorithm::PS512),
            _ => None,
        });
        let key = Arc::new(Key {
            decoding,
            algorithm,
        });
        match &jwk.common.key_id {
            Some(kid) => {
                set.keys.insert(kid.clone(), key);
            }
            None => set.anonymous.push(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn authenticator() -> Authenticator {
        Authenticator::new(AuthOptions {
            // Never fetched: these tests map claims, they verify nothing.
            jwks: vec![JwksSource::Url("http://127.0.0.1:9/jwks.json".to_owned())],
            ..AuthOptions::default()
        })
        .expect("valid options")
    }

    fn identity(claims: serde_json::Value) -> Identity {
        authenticator().identity(serde_json::from_value(claims).expect("claims"))
    }

    #[test]
    fn kept_api_keys_are_forgotten_when_an_invalidation_names_api_keys_or_may_be_lost() {
        let auth = authenticator();
        let kept = |auth: &Authenticator| auth.api_keys.get(&[7; 32]).is_some();
        let keep = |auth: &Authenticator| {
            auth.api_keys
                .insert([7; 32], Err(AuthError::ApiKeyRefused("unknown".to_owned())));
        };
        keep(&auth);
        // Other types, and a type whose name only starts the same: kept.
        auth.invalidated(Some(&[
            r#"User:{"id":"1"}"#.to_owned(),
            "ApiKeys".to_owned(),
        ]));
        assert!(kept(&auth));
        for tags in [
            Some(vec![r#"ApiKey:{"id":"k1"}"#.to_owned()]),
            Some(vec!["User".to_owned(), "ApiKey".to_owned()]),
            // The subscription was lost: anything may have changed.
            None,
        ] {
            keep(&auth);
            auth.invalidated(tags.as_deref());
            assert!(!kept(&auth), "{tags:?}");
        }
    }

    #[test]
    fn a_coachs_athletes_travel_and_nobody_elses_do() {
        let ids: Vec<String> = (0..=ROSTER_MAX).map(|i| format!("athlete-{i}")).collect();
        let coach = identity(json!({
            "sub": "carter", "exp": 1, "roles": ["coach", "athlete"],
            "athletes": ["alex", "blair"], "tier": "pro",
        }));
        assert_eq!(coach.athletes, ["alex", "blair"]);
        assert_eq!(coach.roles, ["coach", "athlete"]);

        // The same claim without the coach role names nobody.
        let athlete = identity(json!({
            "sub": "alex", "exp": 1, "roles": ["athlete"], "athletes": ["blair"],
        }));
        assert!(athlete.athletes.is_empty(), "{athlete:?}");

        // No claim: nobody; a longer list than any roster: cut to the bound.
        let none = identity(json!({ "sub": "kim", "exp": 1, "roles": ["coach"] }));
        assert!(none.athletes.is_empty());
        let long = identity(json!({ "sub": "kim", "exp": 1, "roles": ["coach"], "athletes": ids }));
        assert_eq!(long.athletes.len(), ROSTER_MAX);
        assert_eq!(long.athletes.last(), Some(&ids[ROSTER_MAX - 1]));
    }
}
