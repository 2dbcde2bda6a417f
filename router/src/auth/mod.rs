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

mod api_key;
mod jwks;
mod revoked;

use self::jwks::{KeySet, add_keys};
pub use self::revoked::{REDIS_KEY as REVOKED_SESSIONS_KEY, Revocations, SYNC_EVERY};

use std::{
    collections::{BTreeSet, HashMap},
    path::PathBuf,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use axum::http::{HeaderMap, header};
use jsonwebtoken::{Algorithm, Validation, errors::ErrorKind, jwk::JwkSet};
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
    /// The Redis that replicas share ended sessions through (none: this replica
    /// alone hears of them).
    pub redis_url: Option<String>,
    /// How long an ended session is remembered: at least the longest access-token
    /// lifetime of any issuer.
    pub revoked_retention: Duration,
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
            redis_url: None,
            revoked_retention: Duration::from_secs(3600),
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
    /// No `iss` or `aud` where the router is configured to check it: a token that does
    /// not say who issued it, or for whom, is not taken for one of ours.
    #[error("the access token has no `{0}` claim, which this router requires")]
    Missing(&'static str),
    /// Anything else (malformed, bad signature, missing `exp` or `sub`).
    #[error("the access token is invalid: {0}")]
    Invalid(String),
    /// No key set could be loaded at all.
    #[error("the access token cannot be checked now: no signing keys could be loaded")]
    KeysUnavailable,
    /// The token's session was ended (signed out, its refresh token reused, the
    /// password changed, the account deleted) before the token expired.
    #[error("the session of this access token was signed out; sign in again")]
    Revoked,
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
    /// The session (a refresh-token family, an API key).
    #[serde(default)]
    sid: Option<String>,
    #[serde(flatten)]
    other: serde_json::Map<String, serde_json::Value>,
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
    verified: moka::sync::Cache<Arc<str>, Verified>,
    /// API keys exchanged (by SHA-256): the access token, or the refusal.
    api_keys: moka::sync::Cache<[u8; 32], Result<Arc<str>, AuthError>>,
    /// Sessions ended before their tokens expire.
    revoked: Arc<Revocations>,
}

/// What a verified token says, until when, and of which session.
#[derive(Debug, Clone)]
struct Verified {
    identity: Identity,
    exp: u64,
    sid: Option<Arc<str>>,
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
    /// The Redis URL for ended sessions is not one.
    #[error("`redis.url` for revoked sessions: {0}")]
    Redis(String),
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
        let revoked = Revocations::new(options.redis_url.as_deref(), options.revoked_retention)
            .map_err(|e| AuthSetupError::Redis(e.to_string()))?;
        Ok(Self {
            revoked: Arc::new(revoked),
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

    /// Refuses from now on the tokens of the sessions `tags` (an invalidation's) name
    /// as ended ([`Revocations`]), and forgets the API keys exchanged when they name
    /// the `ApiKey` type: a key was revoked, or its owner is no longer a partner or is
    /// gone, and the exchange must be asked again. `None` (invalidations may have been
    /// missed): reads the ended sessions again and forgets every exchanged key.
    pub fn invalidated(&self, tags: Option<&[String]>) {
        self.revoked.invalidated(tags);
        let api_keys_changed = tags.is_none_or(|tags| {
            tags.iter()
                .any(|tag| tag == API_KEY_TYPE || tag.starts_with(&format!("{API_KEY_TYPE}:")))
        });
        if api_keys_changed {
            self.api_keys.invalidate_all();
        }
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
        self.revoked.start().await;
        let verified = match self.verified.get(token) {
            Some(verified) => verified,
            None => self.verify_signature(token).await?,
        };
        if unix_now() > verified.exp + self.options.leeway.as_secs() {
            return Err(AuthError::Expired);
        }
        if verified
            .sid
            .as_deref()
            .is_some_and(|sid| self.revoked.is_ended(sid))
        {
            return Err(AuthError::Revoked);
        }
        Ok(verified.identity)
    }

    /// The sessions ended before their tokens expire.
    pub fn revocations(&self) -> &Arc<Revocations> {
        &self.revoked
    }

    /// Checks `token`'s signature and claims, and remembers what it says.
    async fn verify_signature(&self, token: &str) -> Result<Verified, AuthError> {
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
        // `iss` and `aud` are checked only when present: where they are configured, a
        // token without them is refused too.
        let mut required = vec!["exp", "sub"];
        if !self.options.issuers.is_empty() {
            required.push("iss");
        }
        if !self.options.audiences.is_empty() {
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
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
                ErrorKind::MissingRequiredClaim(claim) if claim == "iss" => {
                    AuthError::Missing("iss")
                }
                ErrorKind::MissingRequiredClaim(claim) if claim == "aud" => {
                    AuthError::Missing("aud")
                }
                ErrorKind::InvalidAlgorithm => AuthError::Algorithm(format!("{:?}", header.alg)),
                _ => AuthError::Invalid(e.to_string()),
            },
        )?;
        let exp = data.claims.exp;
        let sid = data.claims.sid.as_deref().map(Arc::from);
        let verified = Verified {
            identity: self.identity(data.claims),
            exp,
            sid,
        };
        self.verified.insert(token.into(), verified.clone());
        Ok(verified)
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

#[cfg(test)]
mod tests;
