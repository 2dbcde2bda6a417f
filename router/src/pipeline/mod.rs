//! One GraphQL request through the router, stage by stage. Each stage is a file;
//! [`Router::execute`] runs 2–3 and `Router::stages` reads as the list of 4–11:
//!
//! 1. admission (CSRF, credentials, the caller's variant): `crate::server::admission`;
//! 2. persisted-document resolution (APQ, trusted documents): [`resolve`];
//! 3. prepare (parse, validate, measure, cost, plan; cached): [`prepare`];
//! 4. the operation (which one, the transport, the size limits): [`operation`];
//! 5. variables (coerced, or why not) and the cost limit: [`variables`], [`operation`];
//! 6. authorization (fields denied, or the request refused): [`authorize`];
//! 7. progressive override (labels on): [`overrides`];
//! 8. response-cache lookup: [`response_cache`];
//! 9. plan variant: [`variant`];
//! 10. execute: [`execute`];
//! 11. shape or project, and the response-cache store: [`respond`], [`response_cache`];
//! 12. respond (status, content type, `Cache-Control`): `crate::server::negotiation`.
//!
//! Beside them: [`request`] (what enters and leaves), [`incremental`] and [`defer`]
//! (`@defer` in two parts), [`options`] (settings). Errors on the way are
//! [`PipelineError`]s, answered by [`RouterResponse::from`].

mod authorize;
pub mod defer;
mod execute;
mod incremental;
mod operation;
mod options;
mod overrides;
mod prepare;
pub mod request;
mod resolve;
mod respond;
mod response_cache;
pub mod variables;
mod variant;

use std::{sync::Arc, time::Duration};

use apollo_compiler::response::JsonMap;
use tessera_identity::{Identity, internal::Signer};

pub use self::{
    incremental::Incremental,
    options::RouterOptions,
    request::{GraphqlRequest, RouterResponse},
};
use self::{
    prepare::{DocKey, Prepared},
    respond::Executed,
    variant::Planned,
};
use crate::{
    audit::AuditSink,
    authorization::Authorization,
    cache::{Caches, EntityKeys, Reach},
    error::PipelineError,
    executor::{
        fetch::{Bodies, Invalidation, SubgraphClient},
        headers::{Forwarded, HeaderRules},
    },
    limits::OperationLimits,
    persisted::{self, Persisted, Sha256},
    supergraph::Supergraph,
};

/// The router: a supergraph, pooled subgraph clients and a cache of prepared operations.
/// What every serving thread shares is behind one `Arc` ([`Shared`]); what each thread
/// owns is its subgraph clients (connection pools and tables of fetches in flight), so
/// a replica for another thread is the shared part and new clients
/// ([`Router::replica`]).
pub struct Router {
    shared: Arc<Shared>,
    clients: Vec<SubgraphClient>,
}

/// What every replica of a router shares.
struct Shared {
    supergraph: Arc<Supergraph>,
    prepared: moka::sync::Cache<(DocKey, Option<String>), Arc<Prepared>>,
    /// Plans by the SHA-256 of the normalized operation: documents that differ only
    /// in layout, comments, other operations or unused fragments share one.
    plans: moka::sync::Cache<Sha256, Arc<Planned>>,
    persisted: Arc<Persisted>,
    /// Labels always on; the supergraph as planned with each set of active labels.
    override_labels: Vec<String>,
    label_variants: moka::sync::Cache<Vec<String>, Arc<Supergraph>>,
    /// Operations parsed, validated and planned (cache misses), by every replica.
    prepared_total: std::sync::atomic::AtomicU64,
    /// Operations planned (misses of `plans`), by every replica.
    planned_total: std::sync::atomic::AtomicU64,
    signer: Option<Signer>,
    limits: OperationLimits,
    authorization: Authorization,
    reject_unauthorized: bool,
    caches: Arc<Caches>,
    /// The SHA-256 of the supergraph served, in every cache key.
    schema_hash: Sha256,
    /// Which client headers reach which subgraph.
    header_rules: HeaderRules,
    /// Where administrators' and the trusted-document gate's actions are recorded.
    audit: AuditSink,
}

/// The HTTP client subgraph fetches go through: keep-alive connections, pooled.
fn subgraph_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
        .build()
        .unwrap_or_default()
}

impl Router {
    /// A router over `supergraph`. Panics when `options.cache_redis_url` is not a Redis
    /// URL (callers that read it from configuration use [`Router::try_new`]).
    pub fn new(supergraph: Supergraph, options: &RouterOptions) -> Self {
        Self::try_new(supergraph, options).expect("a valid Redis URL for the caches")
    }

    /// A router over `supergraph`, or why the caches' Redis URL cannot be used.
    pub fn try_new(
        supergraph: Supergraph,
        options: &RouterOptions,
    ) -> Result<Self, redis::RedisError> {
        let http = subgraph_http_client();
        let clients = supergraph
            .subgraphs
            .iter()
            .map(|s| {
                let url = options
                    .subgraph_urls
                    .get(&s.name)
                    .cloned()
                    .unwrap_or_else(|| s.url.clone());
                let timeout = options
                    .subgraph_timeouts
                    .get(&s.name)
                    .copied()
                    .unwrap_or(options.subgraph_timeout);
                SubgraphClient::new(http.clone(), url, timeout, options.traffic.shaping(&s.name))
            })
            .collect();
        let header_rules = {
            let names: Vec<&str> = supergraph
                .subgraphs
                .iter()
                .map(|s| s.name.as_str())
                .collect();
            options.headers.for_subgraphs(&names)
        };
        let audit = AuditSink::new(
            supergraph
                .subgraphs
                .iter()
                .find(|s| s.name == "users")
                .map(|s| {
                    options
                        .subgraph_urls
                        .get(&s.name)
                        .unwrap_or(&s.url)
                        .as_str()
                }),
            options.identity_key.as_ref(),
        );
        let supergraph_schema = supergraph.schema.clone();
        let schema_hash = persisted::sha256(&supergraph_schema.to_string());
        let caches = match &options.shared_caches {
            Some(shared) => shared.clone(),
            None => {
                let caches = Arc::new(Caches::new(
                    &options.cache,
                    &supergraph,
                    options.cache_redis_url.as_deref(),
                )?);
                // Other replicas' invalidations (when a runtime is there to listen on).
                if tokio::runtime::Handle::try_current().is_ok() {
                    caches.listen();
                }
                caches
            }
        };
        Ok(Self {
            shared: Arc::new(Shared {
                caches,
                schema_hash,
                supergraph: Arc::new(supergraph),
                prepared: moka::sync::Cache::new(options.plan_cache_size),
                plans: moka::sync::Cache::new(options.plan_cache_size),
                signer: options
                    .identity_key
                    .as_ref()
                    .map(|key| Signer::new(key, options.identity_ttl)),
                limits: options.limits.clone(),
                authorization: Authorization::from_schema(&supergraph_schema),
                reject_unauthorized: options.reject_unauthorized,
                persisted: options.persisted.clone(),
                override_labels: options.override_labels.clone(),
                label_variants: moka::sync::Cache::new(64),
                prepared_total: std::sync::atomic::AtomicU64::new(0),
                planned_total: std::sync::atomic::AtomicU64::new(0),
                header_rules,
                audit,
            }),
            clients,
        })
    }

    /// A replica for one worker thread: the same supergraph, plans, caches, signer and
    /// counters, with connection pools and in-flight tables of its own, so that a
    /// request's fetches, and the connections they travel on, stay on the thread that
    /// serves it (see `docs/benchmarks.md` on the slow mode two threads sharing them
    /// fell into). Build it on the runtime that will use it.
    pub fn replica(&self) -> Self {
        let http = subgraph_http_client();
        Self {
            shared: self.shared.clone(),
            clients: self
                .clients
                .iter()
                .map(|c| c.replica(http.clone()))
                .collect(),
        }
    }

    /// How many operations this router parsed, validated and planned (each a miss of
    /// its cache of prepared operations).
    pub fn operations_prepared(&self) -> u64 {
        self.shared
            .prepared_total
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many of those it planned: the others had the normalized form of an
    /// operation planned before.
    pub fn operations_planned(&self) -> u64 {
        self.shared
            .planned_total
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Persisted queries and trusted documents.
    pub fn persisted(&self) -> &Persisted {
        &self.shared.persisted
    }

    /// The supergraph served.
    pub fn supergraph(&self) -> &Supergraph {
        &self.shared.supergraph
    }

    /// What `/health/ready` says: the supergraph served (the first 12 hex digits of
    /// its SHA-256), each subgraph's breaker, and each use of Redis (`up`, `down`:
    /// skipped until a probe answers, `off`: not configured).
    pub fn readiness(&self) -> serde_json::Value {
        let subgraphs: serde_json::Map<String, serde_json::Value> = self
            .shared
            .supergraph
            .subgraphs
            .iter()
            .zip(&self.clients)
            .map(|(s, c)| {
                (
                    s.name.clone(),
                    serde_json::json!({ "breaker": c.shaping().breaker_state() }),
                )
            })
            .collect();
        let link = |up: Option<bool>| match up {
            Some(true) => "up",
            Some(false) => "down",
            None => "off",
        };
        serde_json::json!({
            "status": "ready",
            "supergraph": persisted::hex(&self.shared.schema_hash)[..12],
            "subgraphs": subgraphs,
            "redis": {
                "caches": link(self.shared.caches.redis().map(|r| r.is_up())),
                "apq": link(self.shared.persisted.apq().and_then(|a| a.redis_configured().then(|| a.redis_up()))),
            },
        })
    }

    /// Where administrators' and the trusted-document gate's actions are recorded.
    pub fn audit(&self) -> &AuditSink {
        &self.shared.audit
    }

    /// The response and entity caches (shared with routers over variants).
    pub fn caches(&self) -> &Arc<Caches> {
        &self.shared.caches
    }

    /// Answers one request of `identity`. `allow_mutations` is false for GET.
    pub async fn execute(
        &self,
        request: GraphqlRequest,
        allow_mutations: bool,
        identity: &Identity,
    ) -> RouterResponse {
        self.execute_with(request, allow_mutations, identity, &Forwarded::default())
            .await
    }

    /// What the client's `headers` make each subgraph get (`router.headers`).
    pub fn forward(&self, headers: &axum::http::HeaderMap) -> Forwarded {
        self.shared.header_rules.forward(headers)
    }

    /// [`Router::execute`], the subgraphs getting the client's headers `forwarded`
    /// ([`Router::forward`]).
    pub async fn execute_with(
        &self,
        mut request: GraphqlRequest,
        allow_mutations: bool,
        identity: &Identity,
        forwarded: &Forwarded,
    ) -> RouterResponse {
        let prepared = match self.resolve(&mut request, identity).await {
            Ok(prepared) => prepared,
            Err(err) => return err.into(),
        };
        // A client that does not take incremental delivery gets the deferred fragments
        // in place, in one answer: the full operation runs. Its variables are checked
        // against the operation as written first (the full one drops those only a
        // `@defer(if:)` uses).
        let prepared = match &prepared.deferral {
            Some(deferral) => {
                let name = request.operation_name.clone();
                let full = prepared
                    .document
                    .operations
                    .get(name.as_deref())
                    .map_or(Ok(()), |operation| {
                        variables::coerce(
                            &self.shared.supergraph.api,
                            &prepared.document,
                            operation,
                            request.variables.as_ref().unwrap_or(&JsonMap::new()),
                        )
                        .map(|_| ())
                    })
                    .and_then(|()| {
                        self.prepared((DocKey::Text(deferral.full.clone()), name), None)
                    });
                match full {
                    Ok(full) => full,
                    Err(err) => return err.into(),
                }
            }
            None => prepared,
        };
        self.run(
            &prepared,
            request.operation_name,
            request.variables,
            allow_mutations,
            (identity, forwarded),
        )
        .await
    }

    /// A prepared operation run, stage by stage (see the module's list), for a caller
    /// (who, and the headers their subgraph fetches forward).
    async fn run(
        &self,
        prepared: &Prepared,
        operation_name: Option<String>,
        variables: Option<JsonMap>,
        allow_mutations: bool,
        caller: (&Identity, &Forwarded),
    ) -> RouterResponse {
        self.stages(
            prepared,
            operation_name.as_deref(),
            variables,
            allow_mutations,
            caller,
        )
        .await
        .unwrap_or_else(RouterResponse::from)
    }

    async fn stages(
        &self,
        prepared: &Prepared,
        name: Option<&str>,
        variables: Option<JsonMap>,
        allow_mutations: bool,
        (identity, forwarded): (&Identity, &Forwarded),
    ) -> Result<RouterResponse, PipelineError> {
        let operation = self.operation(prepared, name, allow_mutations, identity)?;
        let variables = variables::coerce(
            &self.shared.supergraph.api,
            &prepared.document,
            operation,
            &variables.unwrap_or_default(),
        )?;
        self.within_cost(prepared, operation, &variables)?;
        let authorized = self.authorize(&prepared.document, operation, identity)?;
        let labels = self.active_labels();
        let started = std::time::Instant::now();
        let cache_keys = self.cache_keys(
            prepared,
            name,
            &variables,
            (identity, forwarded),
            (&authorized.removed, &labels),
        );
        if let Some(keys) = &cache_keys
            && let Some(hit) = self.cached_response(keys, identity).await
        {
            return Ok(hit);
        }
        let chosen = self.plan_variant(
            (&prepared.planned, &prepared.document, &prepared.conditions),
            name,
            &authorized,
            labels,
            &variables,
        )?;
        // The subgraphs' answers, which the data tree borrows from until the response
        // is written.
        let bodies = Bodies::default();
        let outcome = self
            .execute_plan(
                operation,
                chosen.plan(),
                &variables,
                (identity, forwarded),
                &bodies,
            )
            .await;
        self.respond(Executed {
            prepared,
            operation,
            variables: &variables,
            identity,
            outcome,
            errors: authorized.errors(),
            cache_keys,
            started,
        })
        .await
    }

    /// Drops cached responses and entities holding what `changed` names, in every
    /// replica: the tags dropped, and which replicas were told.
    pub async fn invalidate(&self, changed: &[Invalidation]) -> (Vec<String>, Reach) {
        let mut tags: Vec<String> = changed
            .iter()
            .flat_map(|c| EntityKeys::invalidation_tags(&c.typename, c.key.as_ref()))
            .collect();
        tags.sort();
        tags.dedup();
        let reach = self.shared.caches.invalidate(&tags).await;
        (tags, reach)
    }

    /// The first half of [`Router::execute`], for benchmarks: resolves the request's
    /// document (text, persisted-query hash or trusted id) and finds or prepares its
    /// operation, without executing it.
    pub async fn prepare_request(
        &self,
        mut request: GraphqlRequest,
        identity: &Identity,
    ) -> Result<(), RouterResponse> {
        self.resolve(&mut request, identity)
            .await
            .map(|_| ())
            .map_err(RouterResponse::from)
    }
}

#[cfg(test)]
mod tests;
