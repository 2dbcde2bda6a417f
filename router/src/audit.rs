//! Stage: the audit trail of what the router alone sees — an administrator's cache
//! invalidation, an operation refused because it is not a trusted document — appended
//! to the users subgraph's tamper-evident audit log (one log for the whole platform).
//!
//! Records go to users' [`AUDIT_PATH`] (`POST`, signed with the router's identity key
//! as [`ROUTER_ROLE`]) from one background task per process, through a bounded queue:
//! recording never waits on users. A record users does not take after five attempts
//! (backoff from 200 ms) is logged whole at `error` and counted
//! (`tessera_audit_records_total{outcome="lost"}`), as is one the full queue drops.
//! Untrusted documents are recorded once per caller and operation name every ten
//! minutes per replica: an attacker replaying refused operations fills a metric, not
//! the log. Without an identity key or a users subgraph, records are logged only.

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use serde::Serialize;
use serde_json::Value;
use tessera_identity::{
    Ed25519Key,
    internal::{
        AUDIT_CACHE_INVALIDATED, AUDIT_PATH, AUDIT_UNTRUSTED_REFUSED, HEADER, Signer,
        router_identity,
    },
};
use tokio::sync::mpsc;

/// The queue's bound: records waiting for users.
const QUEUE: usize = 1_024;
/// Attempts per record.
const ATTEMPTS: u32 = 5;
/// How long a refused (caller, operation name) is not recorded again.
const REFUSALS_KEPT: Duration = Duration::from_secs(600);

/// An administrator dropped cached responses.
pub const CACHE_INVALIDATED: &str = AUDIT_CACHE_INVALIDATED;
/// An operation was refused because it is not a trusted document.
pub const UNTRUSTED_REFUSED: &str = AUDIT_UNTRUSTED_REFUSED;

/// One record for the users subgraph's log.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AuditRecord {
    /// [`CACHE_INVALIDATED`] or [`UNTRUSTED_REFUSED`].
    pub action: &'static str,
    /// Who acted (a user's id), when known.
    pub actor: Option<String>,
    /// What it concerns (a type, an operation name).
    pub subject: Option<String>,
    /// More.
    pub detail: Value,
}

/// Where the router's audit records go (cheap to clone).
#[derive(Clone, Default)]
pub struct AuditSink {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    url: String,
    signer: Signer,
    client: reqwest::Client,
    queue: OnceLock<mpsc::Sender<AuditRecord>>,
    refusals: moka::sync::Cache<(Option<String>, Option<String>), ()>,
}

impl std::fmt::Debug for AuditSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditSink")
            .field("url", &self.inner.as_ref().map(|i| i.url.as_str()))
            .finish()
    }
}

impl AuditSink {
    /// Records sent to the users subgraph at `users_url` (its GraphQL URL; the path is
    /// replaced), signed with `key`; none of either: records are only logged.
    pub fn new(users_url: Option<&str>, key: Option<&Ed25519Key>) -> Self {
        let (Some(users_url), Some(key)) = (users_url, key) else {
            return Self::default();
        };
        let Ok(mut url) = reqwest::Url::parse(users_url) else {
            tracing::warn!(
                users_url,
                "the users subgraph's URL does not parse: audit records are only logged"
            );
            return Self::default();
        };
        url.set_path(AUDIT_PATH);
        url.set_query(None);
        Self {
            inner: Some(Arc::new(Inner {
                url: url.to_string(),
                signer: Signer::new(key, Duration::from_secs(60)),
                client: reqwest::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap_or_default(),
                queue: OnceLock::new(),
                refusals: moka::sync::Cache::builder()
                    .max_capacity(10_000)
                    .time_to_live(REFUSALS_KEPT)
                    .build(),
            })),
        }
    }

    /// Records that `actor` dropped the cached responses holding `tags`.
    pub fn cache_invalidated(&self, actor: Option<&str>, tags: &[String]) {
        self.record(AuditRecord {
            action: CACHE_INVALIDATED,
            actor: actor.map(str::to_owned),
            subject: None,
            detail: serde_json::json!({ "tags": tags }),
        });
    }

    /// Records that `actor`'s operation `operation_name` was refused as untrusted
    /// (once per caller and name every ten minutes).
    pub fn untrusted_refused(
        &self,
        actor: Option<&str>,
        operation_name: Option<&str>,
        document_id: Option<&str>,
    ) {
        if let Some(inner) = &self.inner {
            let key = (actor.map(str::to_owned), operation_name.map(str::to_owned));
            if inner.refusals.contains_key(&key) {
                metrics::counter!("tessera_audit_records_total", "outcome" => "repeat_skipped")
                    .increment(1);
                return;
            }
            inner.refusals.insert(key, ());
        }
        self.record(AuditRecord {
            action: UNTRUSTED_REFUSED,
            actor: actor.map(str::to_owned),
            subject: operation_name.map(str::to_owned),
            detail: serde_json::json!({ "documentId": document_id }),
        });
    }

    /// Queues `record` for the users subgraph (logs it when there is none).
    pub fn record(&self, record: AuditRecord) {
        tracing::info!(target: "tessera::audit", action = record.action, actor = ?record.actor, subject = ?record.subject, detail = %record.detail, "audit");
        let Some(inner) = &self.inner else {
            return;
        };
        let queue = inner.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(send_all(inner.clone(), rx));
            tx
        });
        if let Err(err) = queue.try_send(record) {
            metrics::counter!("tessera_audit_records_total", "outcome" => "lost").increment(1);
            tracing::error!(record = ?err.into_inner(), "the audit queue is full: record lost");
        }
    }
}

async fn send_all(inner: Arc<Inner>, mut rx: mpsc::Receiver<AuditRecord>) {
    while let Some(record) = rx.recv().await {
        let mut backoff = Duration::from_millis(200);
        let mut outcome = Err(String::new());
        for attempt in 1..=ATTEMPTS {
            outcome = send(&inner, &record).await;
            if outcome.is_ok() || attempt == ATTEMPTS {
                break;
            }
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
        match outcome {
            Ok(()) => {
                metrics::counter!("tessera_audit_records_total", "outcome" => "sent").increment(1);
            }
            Err(why) => {
                metrics::counter!("tessera_audit_records_total", "outcome" => "lost").increment(1);
                tracing::error!(?record, url = %inner.url, why, "the users subgraph did not take an audit record: lost");
            }
        }
    }
}

async fn send(inner: &Inner, record: &AuditRecord) -> Result<(), String> {
    let token = inner.signer.token(&router_identity());
    let response = inner
        .client
        .post(&inner.url)
        .header(HEADER, token.as_ref())
        .json(record)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!(
            "{}: {}",
            response.status(),
            response.text().await.unwrap_or_default()
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use axum::{Json, http::HeaderMap, routing::post};
    use tessera_identity::internal::{Verifier, is_router};

    use super::*;

    #[tokio::test]
    async fn records_reach_the_users_endpoint_signed_as_the_router_and_repeats_are_skipped() {
        let key = Ed25519Key::from_seed("audit-test", &[3; 32]);
        let verifier = Arc::new(Verifier::for_key(&key));
        let got: Arc<Mutex<Vec<Value>>> = Arc::default();
        let (seen, check) = (got.clone(), verifier.clone());
        let app = axum::Router::new().route(
            AUDIT_PATH,
            post(
                move |headers: HeaderMap, Json(body): Json<Value>| async move {
                    let token = headers.get(HEADER).and_then(|v| v.to_str().ok());
                    let identity = check.verify(token).expect("the router's identity verifies");
                    assert!(is_router(&identity), "{identity:?}");
                    seen.lock().expect("not poisoned").push(body);
                },
            ),
        );
        let users = crate::test_support::serve(app).await;
        let sink = AuditSink::new(Some(&users), Some(&key));
        sink.cache_invalidated(Some("u-1"), &["CodexEntry:1".to_owned()]);
        sink.untrusted_refused(Some("u-2"), Some("Steal"), Some("sha256:ab"));
        sink.untrusted_refused(Some("u-2"), Some("Steal"), Some("sha256:ab"));
        sink.untrusted_refused(None, Some("Steal"), None);
        for _ in 0..100 {
            if got.lock().expect("not poisoned").len() >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let got = got.lock().expect("not poisoned").clone();
        assert_eq!(
            got,
            vec![
                serde_json::json!({"action": CACHE_INVALIDATED, "actor": "u-1", "subject": null, "detail": {"tags": ["CodexEntry:1"]}}),
                serde_json::json!({"action": UNTRUSTED_REFUSED, "actor": "u-2", "subject": "Steal", "detail": {"documentId": "sha256:ab"}}),
                serde_json::json!({"action": UNTRUSTED_REFUSED, "actor": null, "subject": "Steal", "detail": {"documentId": null}}),
            ]
        );
    }

    #[test]
    fn without_a_key_or_users_records_are_only_logged() {
        // No runtime here: nothing may be spawned.
        AuditSink::new(None, None).cache_invalidated(Some("u-1"), &[]);
        AuditSink::new(Some("http://users/graphql"), None).untrusted_refused(None, None, None);
    }
}
