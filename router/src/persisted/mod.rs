//! Persisted queries: automatic persisted queries (APQ) as Apollo Client speaks them,
//! and trusted documents (operations a client ships with, from manifests).
//!
//! [`Persisted::resolve`] turns what a request carries — query text, an
//! `extensions.persistedQuery` hash, a `documentId` / `doc_id` — into a [`Resolved`]
//! document or the client's error, before any parsing. The pipeline then prepares the
//! document once per SHA-256 of its text: a hit by hash skips parsing, validation and
//! planning entirely.
//!
//! | request | answer |
//! |---|---|
//! | hash only, unknown | `PERSISTED_QUERY_NOT_FOUND`, HTTP 200 (the client retries with the text) |
//! | text + hash | registered once valid; hash ≠ SHA-256(text): `PERSISTED_QUERY_HASH_MISMATCH`, 400 |
//! | any hash while APQ and trusted documents are off | `PERSISTED_QUERY_NOT_SUPPORTED`, 200 |
//! | free-form text, `enforce`, caller not exempt | `PERSISTED_QUERY_NOT_IN_LIST`, 400 |
//!
//! # Layout
//! - [`apq`]: the APQ store (in process, then Redis).
//! - [`manifest`]: trusted-document manifests (Apollo's format and `{id: body}`).

pub mod apq;
pub mod manifest;

use std::{
    path::PathBuf,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use apollo_compiler::response::{JsonMap, JsonValue};
use sha2::Digest;
use tessera_codes::ErrorCode;
use tessera_identity::Identity;

use self::{
    apq::ApqStore,
    manifest::{ManifestError, Manifests},
};

/// A SHA-256 digest.
pub type Sha256 = [u8; 32];

/// The SHA-256 of `text`.
pub fn sha256(text: &str) -> Sha256 {
    sha2::Sha256::digest(text.as_bytes()).into()
}

/// `hash` in lower-case hex, as clients send it.
pub fn hex(hash: &Sha256) -> String {
    use std::fmt::Write;
    hash.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A 64-digit hex string (either case) as a digest.
pub fn parse_hex(text: &str) -> Option<Sha256> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut hash = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        hash[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(hash)
}

/// What happens to operations that are not in the manifests (configured as `off`,
/// `log_unknown`, `enforce`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustedMode {
    /// No manifests: every operation may run; document ids are not resolved.
    #[default]
    Off,
    /// Manifest ids resolve; free-form operations run, and each unknown one is logged
    /// (once per document and hour) and counted.
    LogUnknown,
    /// Only manifest operations run, for callers that are not exempt.
    Enforce,
}

/// Persisted-query settings.
#[derive(Debug, Clone)]
pub struct PersistedOptions {
    /// Automatic persisted queries on.
    pub apq: bool,
    /// How long a registration lives (in process and in Redis).
    pub apq_ttl: Duration,
    /// Most bytes of registered text kept in process.
    pub apq_max_bytes: u64,
    /// Redis shared by the replicas (`None`: in-process only).
    pub redis_url: Option<String>,
    /// Trusted-document mode.
    pub mode: TrustedMode,
    /// Manifest files, or directories of `*.json` manifests.
    pub manifests: Vec<PathBuf>,
    /// Callers holding one of these roles may send free-form operations under
    /// `enforce`.
    pub exempt_roles: Vec<String>,
    /// Callers holding one of these scopes may, too.
    pub exempt_scopes: Vec<String>,
    /// How often the manifests are checked for changes (on the next request after it).
    pub reload_interval: Duration,
}

impl Default for PersistedOptions {
    fn default() -> Self {
        Self {
            apq: true,
            apq_ttl: Duration::from_secs(24 * 3600),
            apq_max_bytes: 32 * 1024 * 1024,
            redis_url: None,
            mode: TrustedMode::Off,
            manifests: Vec::new(),
            exempt_roles: Vec::new(),
            exempt_scopes: Vec::new(),
            reload_interval: Duration::from_secs(2),
        }
    }
}

/// Why persisted queries could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum PersistedError {
    /// A manifest is unreadable or invalid.
    #[error("trusted documents: {0}")]
    Manifest(#[from] ManifestError),
    /// `enforce` with no manifest would refuse every operation.
    #[error("trusted documents: mode `enforce` but no manifest was found in {0}")]
    NothingTrusted(String),
    /// The Redis URL is invalid.
    #[error("automatic persisted queries: `redis.url`: {0}")]
    Redis(#[from] redis::RedisError),
}

/// A request's document, before parsing.
#[derive(Debug)]
pub enum Resolved {
    /// Free-form text; no persisted-query feature needs its hash.
    Text(String),
    /// A document with this text and SHA-256 (a manifest entry, or free-form text that
    /// was hashed anyway).
    Known {
        /// SHA-256 of `text`.
        hash: Sha256,
        /// The document.
        text: Arc<str>,
    },
    /// Only the hash: the text is in the APQ store, if anywhere.
    Apq(Sha256),
    /// Text and its (checked) hash, to be registered once it validates.
    Register {
        /// SHA-256 of `text`.
        hash: Sha256,
        /// The document.
        text: Arc<str>,
    },
}

/// A request refused by the persisted-query rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// Decides the HTTP status.
    pub code: ErrorCode,
    /// For the client.
    pub message: String,
}

impl From<Refused> for crate::error::PipelineError {
    fn from(refused: Refused) -> Self {
        Self::client(refused.code, refused.message)
    }
}

impl Refused {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The most text of free-form documents whose digests are remembered.
const DIGESTS_BYTES: u64 = 8 * 1024 * 1024;

/// Persisted queries of one router.
pub struct Persisted {
    apq: Option<ApqStore>,
    mode: TrustedMode,
    sources: Vec<PathBuf>,
    exempt_roles: Vec<String>,
    exempt_scopes: Vec<String>,
    reload_interval: Duration,
    manifests: RwLock<Arc<Manifests>>,
    last_check: Mutex<Instant>,
    /// Unknown documents already logged (`log_unknown`).
    logged: moka::sync::Cache<Sha256, ()>,
    /// The SHA-256 of free-form documents seen lately: the same operation sent again
    /// is looked up (a fast hash of its text) instead of digested again.
    digests: moka::sync::Cache<Arc<str>, Sha256, ahash::RandomState>,
}

impl std::fmt::Debug for Persisted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Persisted")
            .field("apq", &self.apq)
            .field("mode", &self.mode)
            .field("sources", &self.sources)
            .finish_non_exhaustive()
    }
}

impl Default for Persisted {
    /// APQ in process, no trusted documents; nothing logged or recorded.
    fn default() -> Self {
        Self::build(&PersistedOptions::default(), false).unwrap_or_else(|_| unreachable!())
    }
}

impl Persisted {
    /// Loads the manifests (unless the mode is `off`) and opens the APQ store; says in
    /// the log and the metrics what is in force.
    pub fn new(options: &PersistedOptions) -> Result<Self, PersistedError> {
        Self::build(options, true)
    }

    fn build(options: &PersistedOptions, announce: bool) -> Result<Self, PersistedError> {
        let manifests = if options.mode == TrustedMode::Off {
            Manifests::default()
        } else {
            let manifests = Manifests::load(&options.manifests)?;
            if manifests.is_empty() && options.mode == TrustedMode::Enforce {
                return Err(PersistedError::NothingTrusted(
                    options
                        .manifests
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                ));
            }
            if announce {
                tracing::info!(
                    documents = manifests.len(),
                    mode = ?options.mode,
                    "trusted documents loaded"
                );
                metrics::gauge!("tessera_trusted_documents").set(manifests.len() as f64);
            }
            manifests
        };
        let apq = if options.apq {
            let store = ApqStore::new(
                options.apq_max_bytes,
                options.apq_ttl,
                options.redis_url.as_deref(),
            )?;
            if announce {
                store.announce();
            }
            Some(store)
        } else {
            None
        };
        Ok(Self {
            apq,
            mode: options.mode,
            sources: options.manifests.clone(),
            exempt_roles: options.exempt_roles.clone(),
            exempt_scopes: options.exempt_scopes.clone(),
            reload_interval: options.reload_interval,
            manifests: RwLock::new(Arc::new(manifests)),
            last_check: Mutex::new(Instant::now()),
            logged: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(Duration::from_secs(3600))
                .build(),
            digests: moka::sync::Cache::builder()
                .max_capacity(DIGESTS_BYTES)
                .weigher(|text: &Arc<str>, _| u32::try_from(text.len()).unwrap_or(u32::MAX))
                .build_with_hasher(ahash::RandomState::new()),
        })
    }

    /// [`sha256`] of a free-form document, remembered.
    fn digest(&self, text: &str) -> Sha256 {
        if let Some(hash) = self.digests.get(text) {
            return hash;
        }
        let hash = sha256(text);
        self.digests.insert(text.into(), hash);
        hash
    }

    /// The APQ store, when APQ is on.
    pub fn apq(&self) -> Option<&ApqStore> {
        self.apq.as_ref()
    }

    /// The trusted documents now in force (reloaded first when the files changed and
    /// the reload interval has passed).
    pub fn manifests(&self) -> Arc<Manifests> {
        if self.mode != TrustedMode::Off {
            self.reload_if_changed();
        }
        self.manifests
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn reload_if_changed(&self) {
        {
            let Ok(mut last) = self.last_check.try_lock() else {
                return; // another request is checking
            };
            if last.elapsed() < self.reload_interval {
                return;
            }
            *last = Instant::now();
        }
        let current = self
            .manifests
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if !current.changed(&self.sources) {
            return;
        }
        match Manifests::load(&self.sources) {
            Ok(manifests) => {
                tracing::info!(documents = manifests.len(), "trusted documents reloaded");
                metrics::counter!("tessera_trusted_documents_reloads_total").increment(1);
                metrics::gauge!("tessera_trusted_documents").set(manifests.len() as f64);
                *self
                    .manifests
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(manifests);
            }
            Err(err) => {
                // Keep serving the last good list; say so once per change.
                tracing::error!(error = %err, "trusted documents: reload failed; keeping the previous list");
                metrics::counter!("tessera_trusted_documents_reload_failures_total").increment(1);
            }
        }
    }

    fn exempt(&self, identity: &Identity) -> bool {
        identity.roles.iter().any(|r| self.exempt_roles.contains(r))
            || identity
                .scopes
                .iter()
                .any(|s| self.exempt_scopes.contains(s))
    }

    /// The document of a request: its `query`, its `extensions.persistedQuery`, its
    /// `documentId`. Runs before parsing; never touches the APQ store.
    pub fn resolve(
        &self,
        query: Option<String>,
        extensions: Option<&JsonMap>,
        document_id: Option<&str>,
        identity: &Identity,
    ) -> Result<Resolved, Refused> {
        let hash = persisted_query_hash(extensions)?;
        let query = query.filter(|q| !q.trim().is_empty());
        if hash.is_some() && self.apq.is_none() && self.mode == TrustedMode::Off {
            metrics::counter!("tessera_persisted_queries_total", "outcome" => "not_supported")
                .increment(1);
            return Err(Refused::new(
                ErrorCode::PersistedQueryNotSupported,
                "PersistedQueryNotSupported: this router does not accept persisted queries",
            ));
        }
        match (query, document_id, hash) {
            (None, None, None) => Err(Refused::new(
                ErrorCode::BadRequest,
                "the request has no query",
            )),
            (Some(_), Some(_), _) => Err(Refused::new(
                ErrorCode::BadRequest,
                "send either `query` or a document id (`documentId`, `doc_id`), not both",
            )),
            (None, Some(_), Some(_)) => Err(Refused::new(
                ErrorCode::BadRequest,
                "send the document id once: as `documentId` or as `extensions.persistedQuery.sha256Hash`",
            )),
            (None, Some(id), None) | (None, None, Some(id)) => self.by_id(id, identity),
            (Some(text), None, hash) => self.free_form(text, hash, identity),
        }
    }

    fn by_id(&self, id: &str, identity: &Identity) -> Result<Resolved, Refused> {
        let manifests = self.manifests();
        let digest = parse_hex(id.strip_prefix("sha256:").unwrap_or(id));
        let trusted = manifests
            .get(id)
            .or_else(|| digest.as_ref().and_then(|h| manifests.by_hash(h)));
        if let Some(document) = trusted {
            metrics::counter!("tessera_persisted_queries_total", "outcome" => "trusted")
                .increment(1);
            return Ok(Resolved::Known {
                hash: document.hash,
                text: document.body.clone(),
            });
        }
        if self.mode == TrustedMode::Enforce && !self.exempt(identity) {
            metrics::counter!("tessera_persisted_queries_total", "outcome" => "not_in_list")
                .increment(1);
            return Err(not_in_list());
        }
        match (&self.apq, digest) {
            (Some(_), Some(hash)) => Ok(Resolved::Apq(hash)),
            _ => {
                metrics::counter!("tessera_persisted_queries_total", "outcome" => "not_found")
                    .increment(1);
                Err(not_found())
            }
        }
    }

    fn free_form(
        &self,
        text: String,
        claimed: Option<&str>,
        identity: &Identity,
    ) -> Result<Resolved, Refused> {
        let hash = match claimed {
            Some(claimed) => {
                let hash = sha256(&text);
                if parse_hex(claimed) != Some(hash) {
                    metrics::counter!("tessera_persisted_queries_total", "outcome" => "hash_mismatch")
                        .increment(1);
                    return Err(Refused::new(
                        ErrorCode::PersistedQueryHashMismatch,
                        format!(
                            "provided sha256Hash `{claimed}` does not match the query, whose SHA-256 is `{}`",
                            hex(&hash)
                        ),
                    ));
                }
                Some(hash)
            }
            None if self.mode != TrustedMode::Off => Some(self.digest(&text)),
            None => None,
        };
        let Some(hash) = hash else {
            return Ok(Resolved::Text(text));
        };
        if self.mode != TrustedMode::Off && self.manifests().by_hash(&hash).is_none() {
            if self.mode == TrustedMode::Enforce && !self.exempt(identity) {
                metrics::counter!("tessera_persisted_queries_total", "outcome" => "not_in_list")
                    .increment(1);
                return Err(not_in_list());
            }
            metrics::counter!("tessera_persisted_queries_total", "outcome" => "unknown")
                .increment(1);
            if self.mode == TrustedMode::LogUnknown && !self.logged.contains_key(&hash) {
                self.logged.insert(hash, ());
                tracing::warn!(
                    hash = %hex(&hash),
                    document = %crate::redact::redacted(&text),
                    "an operation that is not in the trusted documents ran (log_unknown)"
                );
            }
        }
        let text: Arc<str> = text.into();
        if claimed.is_some() && self.apq.is_some() {
            Ok(Resolved::Register { hash, text })
        } else {
            Ok(Resolved::Known { hash, text })
        }
    }
}

/// `extensions.persistedQuery.sha256Hash`, checked for shape and version.
fn persisted_query_hash(extensions: Option<&JsonMap>) -> Result<Option<&str>, Refused> {
    let Some(pq) = extensions.and_then(|e| e.get("persistedQuery")) else {
        return Ok(None);
    };
    let JsonValue::Object(pq) = pq else {
        return Err(Refused::new(
            ErrorCode::BadRequest,
            "`extensions.persistedQuery` must be an object with `version` and `sha256Hash`",
        ));
    };
    match pq.get("version").and_then(JsonValue::as_u64) {
        Some(1) => {}
        Some(other) => {
            return Err(Refused::new(
                ErrorCode::BadRequest,
                format!("persisted query version {other} is not supported; send version 1"),
            ));
        }
        None => {
            return Err(Refused::new(
                ErrorCode::BadRequest,
                "`extensions.persistedQuery.version` must be 1",
            ));
        }
    }
    match pq.get("sha256Hash").and_then(JsonValue::as_str) {
        Some(hash) if !hash.is_empty() => Ok(Some(hash)),
        _ => Err(Refused::new(
            ErrorCode::BadRequest,
            "`extensions.persistedQuery.sha256Hash` must be a non-empty string",
        )),
    }
}

/// The error Apollo Client retries on: its message is the one Apollo Server sends.
pub fn not_found() -> Refused {
    Refused::new(ErrorCode::PersistedQueryNotFound, "PersistedQueryNotFound")
}

fn not_in_list() -> Refused {
    Refused::new(
        ErrorCode::PersistedQueryNotInList,
        "only trusted documents may run here, and this operation is not one of them",
    )
}

#[cfg(test)]
mod tests;
