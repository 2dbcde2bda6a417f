//! One GraphQL request through the router: parse, validate, plan (cached), coerce
//! variables, execute, shape.
//!
//! # Layout
//! - [`request`]: the request and response types of the pipeline.
//! - [`defer`]: `@defer`, answered in two parts.
//! - [`variables`]: why a variable's value does not fit its type.
//! - this file: the [`Router`] and the stages.

pub mod defer;
pub mod request;
pub mod variables;

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::Duration,
};

use apollo_compiler::{
    ExecutableDocument, Name, Node,
    ast::OperationType,
    executable::{Fragment, Operation, Selection, SelectionSet},
    parser::Parser,
    request::coerce_variable_values,
    response::{GraphQLError, JsonMap, JsonValue},
    validation::Valid,
};
use bytes::Bytes;
use tessera_codes::ErrorCode;
use tessera_identity::{Ed25519Key, Identity, internal::Signer};

use self::request::executed_body_start;
pub use self::request::{GraphqlRequest, RouterResponse};
use crate::{
    authorization::{self, Authorization, Denied},
    cache::{CacheKeys, CacheOptions, CachePolicy, Caches, EntityKeys, Entry, Key, KeyParts},
    executor::{
        self, EntityCache,
        fetch::{Invalidation, SubgraphClient},
        project::project_text,
        shape::shape,
    },
    limits::{self, Measured, OperationLimits},
    persisted::{self, Persisted, Resolved, Sha256},
    planner::{self, Plan, PlanError},
    supergraph::Supergraph,
};

/// Router settings that are not in the supergraph.
#[derive(Debug, Clone)]
pub struct RouterOptions {
    /// How long a subgraph request may take, from connecting to the answer's last byte.
    pub subgraph_timeout: Duration,
    /// Subgraphs with a timeout of their own instead (by subgraph name).
    pub subgraph_timeouts: HashMap<String, Duration>,
    /// Subgraph URLs to use instead of the supergraph's (by subgraph name).
    pub subgraph_urls: HashMap<String, String>,
    /// Prepared operations kept (parsed, validated, planned).
    pub plan_cache_size: u64,
    /// The key the router signs subgraph identity tokens with (none: subgraphs get no
    /// identity, which only foreign subgraphs accept).
    pub identity_key: Option<Ed25519Key>,
    /// Lifetime of those tokens.
    pub identity_ttl: Duration,
    /// What one operation may ask for.
    pub limits: OperationLimits,
    /// Refuse a whole operation that selects anything the caller may not see, instead
    /// of answering `null` with an error for those parts.
    pub reject_unauthorized: bool,
    /// Automatic persisted queries and trusted documents.
    pub persisted: Arc<Persisted>,
    /// Progressive `@override` labels that are always on (`percent(n)` labels are
    /// rolled per request).
    pub override_labels: Vec<String>,
    /// The response and entity caches.
    pub cache: CacheOptions,
    /// Redis the caches share with other replicas, and invalidations travel on (caches
    /// on or off).
    pub cache_redis_url: Option<String>,
    /// Caches to share instead of making new ones (a router over a variant of another
    /// router's supergraph: one invalidation then reaches both, even without Redis).
    pub shared_caches: Option<Arc<Caches>>,
}

impl Default for RouterOptions {
    fn default() -> Self {
        Self {
            subgraph_timeout: Duration::from_secs(30),
            subgraph_timeouts: HashMap::new(),
            subgraph_urls: HashMap::new(),
            plan_cache_size: 1_000,
            identity_key: None,
            identity_ttl: Duration::from_secs(60),
            limits: OperationLimits::default(),
            reject_unauthorized: false,
            persisted: Arc::new(Persisted::default()),
            override_labels: Vec::new(),
            cache: CacheOptions::default(),
            cache_redis_url: None,
            shared_caches: None,
        }
    }
}

/// A plan of a variant of an operation (some fields removed, some override labels
/// on), or why it could not be made.
type FilteredPlan = Arc<Result<Plan, String>>;

/// Which variant: the active override labels, the fields removed and the values of the
/// operation's condition variables ([`Prepared::conditions`]).
type VariantKey = (Vec<String>, Vec<(Name, Name)>, Vec<bool>);

/// The plans of an operation, shared by every document whose selected operation
/// normalizes to the same text (see [`normalized`]).
struct Planned {
    /// The plan when no variant applies (an operation with condition variables has
    /// none: each combination of their values is a variant).
    plan: Result<Plan, PlanError>,
    /// Plans of this operation without the fields some callers may not see, with
    /// progressive override labels on, and with its `@skip`/`@include` variables set,
    /// by the labels, the set of fields removed and those variables' values.
    variants: moka::sync::Cache<VariantKey, FilteredPlan>,
}

/// A parsed, validated and planned operation.
struct Prepared {
    /// The SHA-256 of the document's text.
    hash: Sha256,
    document: Valid<ExecutableDocument>,
    /// The selected operation's cache policy from the schema's hints.
    policy: CachePolicy,
    planned: Arc<Planned>,
    /// The selected operation's size (none when the name matches no operation).
    measured: Option<Measured>,
    /// The estimated cost when it is the same for every request: the operation has no
    /// variables (and a cost limit is set).
    cost: Option<f64>,
    /// The size of the last response body written for it (at most
    /// [`BODY_SIZE_HINT_MAX`]), to size the next one's.
    body_size: std::sync::atomic::AtomicUsize,
    /// The selected operation's `@defer`s: it runs as the operations derived from it
    /// (and is not planned itself).
    deferral: Option<Arc<defer::Deferral>>,
    /// The variables the selected operation's `@skip`/`@include` read: the operation
    /// is planned per combination of their values (`planner::fold`).
    conditions: Vec<Name>,
}

/// The most room a response body starts with (see `Prepared::body_size`); larger ones
/// grow as they are written.
const BODY_SIZE_HINT_MAX: usize = 1 << 20;

/// How a prepared operation is found again: by its text, or by the SHA-256 of its
/// text when a persisted-query feature hashed it anyway (then a request carrying only
/// the hash skips parsing, validation and planning).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum DocKey {
    Text(String),
    Sha256(Sha256),
}

/// What [`Router::execute_incremental`] answers.
pub enum Incremental {
    /// The whole answer at once.
    Whole(RouterResponse),
    /// An operation with `@defer`: the answer without the deferred fragments
    /// (`hasNext: true`), then the payload with them (`hasNext: false`, `incremental`).
    Parts {
        /// The first payload.
        first: Bytes,
        /// The last payload, when the full operation is answered.
        rest: std::pin::Pin<Box<dyn Future<Output = Bytes> + Send>>,
    },
}

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
                SubgraphClient::new(http.clone(), url, timeout)
            })
            .collect();
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

    /// The response and entity caches (shared with routers over variants).
    pub fn caches(&self) -> &Arc<Caches> {
        &self.shared.caches
    }

    /// Answers one request of `identity`. `allow_mutations` is false for GET.
    pub async fn execute(
        &self,
        mut request: GraphqlRequest,
        allow_mutations: bool,
        identity: &Identity,
    ) -> RouterResponse {
        let prepared = match self.prepared_request(&mut request, identity).await {
            Ok(p) => p,
            Err(response) => return response,
        };
        // A client that does not take incremental delivery gets the deferred fragments
        // in place, in one answer.
        // The variables are checked against the operation as written: the derived
        // operations drop those only a `@defer(if:)` uses.
        if prepared.deferral.is_some()
            && let Ok(operation) = prepared
                .document
                .operations
                .get(request.operation_name.as_deref())
            && let Err(response) = self.coerced(
                &prepared.document,
                operation,
                request.variables.as_ref().unwrap_or(&JsonMap::new()),
            )
        {
            return response;
        }
        let prepared = match &prepared.deferral {
            Some(deferral) => match self.prepared(
                (
                    DocKey::Text(deferral.full.clone()),
                    request.operation_name.clone(),
                ),
                None,
            ) {
                Ok(full) => full,
                Err(response) => return response,
            },
            None => prepared,
        };
        self.execute_prepared(
            &prepared,
            request.operation_name,
            request.variables,
            allow_mutations,
            identity,
        )
        .await
    }

    /// [`Router::execute`] for a client that takes incremental delivery (`multipart/mixed`,
    /// `deferSpec=20220824`): an operation with active `@defer`s is answered in two
    /// parts (see [`defer`]), any other one whole.
    pub async fn execute_incremental(
        self: &Arc<Self>,
        mut request: GraphqlRequest,
        allow_mutations: bool,
        identity: &Identity,
    ) -> Incremental {
        let prepared = match self.prepared_request(&mut request, identity).await {
            Ok(p) => p,
            Err(response) => return Incremental::Whole(response),
        };
        let name = request.operation_name;
        let (Some(deferral), Ok(operation)) = (
            prepared.deferral.clone(),
            prepared.document.operations.get(name.as_deref()),
        ) else {
            return Incremental::Whole(
                self.execute_prepared(
                    &prepared,
                    name,
                    request.variables,
                    allow_mutations,
                    identity,
                )
                .await,
            );
        };
        let derived =
            |text: &str| self.prepared((DocKey::Text(text.to_owned()), name.clone()), None);
        let full = match derived(&deferral.full) {
            Ok(full) => full,
            Err(response) => return Incremental::Whole(response),
        };
        // Checked against the operation as written (see `execute`), defaults applied.
        let variables = match self.coerced(
            &prepared.document,
            operation,
            request.variables.as_ref().unwrap_or(&JsonMap::new()),
        ) {
            Ok(variables) => variables,
            Err(response) => return Incremental::Whole(response),
        };
        let active = deferral.active(&variables);
        // A mutation runs once: its deferred fragments come with the rest.
        if active.is_empty() || operation.operation_type != OperationType::Query {
            return Incremental::Whole(
                self.execute_prepared(&full, name, request.variables, allow_mutations, identity)
                    .await,
            );
        }
        let primary = match derived(&deferral.primary(
            &prepared.document,
            operation,
            &active,
            &self.shared.supergraph.api,
        )) {
            Ok(primary) => primary,
            Err(response) => return Incremental::Whole(response),
        };
        // The full operation runs beside the primary one, not after it.
        let rest = {
            let (router, name, variables, identity) = (
                Arc::clone(self),
                name.clone(),
                request.variables.clone(),
                identity.clone(),
            );
            tokio::spawn(async move {
                router
                    .execute_prepared(&full, name, variables, allow_mutations, &identity)
                    .await
            })
        };
        let first = self
            .execute_prepared(&primary, name, request.variables, allow_mutations, identity)
            .await;
        if first.request_error.is_some() {
            rest.abort();
            return Incremental::Whole(first);
        }
        let mut first = match first.to_json() {
            JsonValue::Object(body) => body,
            _ => JsonMap::new(),
        };
        if let Some(data) = first.get_mut("data") {
            defer::strip_stand_ins(data);
        }
        first.insert("hasNext", JsonValue::Bool(true));
        let seen: Vec<JsonValue> = match first.get("errors") {
            Some(JsonValue::Array(errors)) => errors.clone(),
            _ => Vec::new(),
        };
        let rest = async move {
            let mut payload = JsonMap::new();
            payload.insert("hasNext", JsonValue::Bool(false));
            match rest.await {
                Ok(full) => {
                    let mut body = match full.to_json() {
                        JsonValue::Object(body) => body,
                        _ => JsonMap::new(),
                    };
                    let errors = match body.remove("errors") {
                        Some(JsonValue::Array(errors)) => {
                            errors.into_iter().filter(|e| !seen.contains(e)).collect()
                        }
                        _ => Vec::new(),
                    };
                    let data = body.remove("data").unwrap_or(JsonValue::Null);
                    let (items, left) = deferral.items(&active, &data, errors);
                    if !items.is_empty() {
                        payload.insert(
                            "incremental",
                            JsonValue::Array(items.into_iter().map(JsonValue::Object).collect()),
                        );
                    }
                    if !left.is_empty() {
                        payload.insert("errors", JsonValue::Array(left));
                    }
                }
                Err(err) => {
                    tracing::error!(error = %err, "the deferred part of an operation failed");
                    payload.insert(
                        "errors",
                        JsonValue::Array(vec![JsonValue::Object(crate::error::error_object(
                            ErrorCode::InternalServerError,
                            "the deferred part of the operation could not be completed",
                        ))]),
                    );
                }
            }
            Bytes::from(serde_json::to_vec(&payload).unwrap_or_default())
        };
        Incremental::Parts {
            first: Bytes::from(serde_json::to_vec(&first).unwrap_or_default()),
            rest: Box::pin(rest),
        }
    }

    /// [`Router::execute`] once the document is prepared.
    async fn execute_prepared(
        &self,
        prepared: &Prepared,
        operation_name: Option<String>,
        variables: Option<JsonMap>,
        allow_mutations: bool,
        identity: &Identity,
    ) -> RouterResponse {
        let document = &prepared.document;
        let Ok(operation) = document.operations.get(operation_name.as_deref()) else {
            let message = match &operation_name {
                Some(name) => format!("unknown operation named `{name}`"),
                None => {
                    "the document has several operations: say which with `operationName`".to_owned()
                }
            };
            return RouterResponse::request_error(ErrorCode::BadRequest, &message);
        };
        if !allow_mutations && operation.operation_type != OperationType::Query {
            return RouterResponse::request_error(
                ErrorCode::MethodNotAllowed,
                "only queries may be sent with GET; use POST for mutations",
            );
        }
        if operation.operation_type == OperationType::Subscription {
            return RouterResponse::request_error(
                ErrorCode::BadRequest,
                "subscriptions are not supported over this transport",
            );
        }
        if let Some(measured) = &prepared.measured
            && let Err(exceeded) = self.shared.limits.check(measured, identity)
        {
            return RouterResponse::request_error(exceeded.code, &exceeded.message);
        }
        let raw_variables = variables.unwrap_or_default();
        let variables = match self.coerced(document, operation, &raw_variables) {
            Ok(v) => v,
            Err(response) => return response,
        };
        let cost = match prepared.cost {
            Some(cost) => self.shared.limits.check_estimate(cost),
            None => self.shared.limits.check_cost(
                &self.shared.supergraph.api,
                document,
                operation,
                &variables,
            ),
        };
        if let Err(exceeded) = cost {
            return RouterResponse::request_error(exceeded.code, &exceeded.message);
        }
        let denied = self
            .shared
            .authorization
            .denied(document, operation, identity);
        if !denied.is_empty() && self.shared.reject_unauthorized {
            let first = &denied[0];
            return RouterResponse::request_error(
                ErrorCode::UnauthorizedFieldOrType,
                &format!(
                    "the operation selects what the caller may not see: `{}.{}` (at {}) needs {}",
                    first.coordinate.0,
                    first.coordinate.1,
                    first.path.join("."),
                    first.needs
                ),
            );
        }
        let labels = if self.shared.supergraph.override_labels().is_empty() {
            Vec::new()
        } else {
            self.active_labels()
        };
        let mut removed: Vec<(Name, Name)> = denied.iter().map(|d| d.coordinate.clone()).collect();
        removed.sort();
        removed.dedup();
        let started = std::time::Instant::now();
        let cache_keys = match (
            &self.shared.caches.responses,
            prepared.policy.cacheable_for(),
        ) {
            (Some(_), Some(_)) => Some(self.shared.caches.response_keys(
                &KeyParts {
                    schema: &self.shared.schema_hash,
                    document: &prepared.hash,
                    operation_name: operation_name.as_deref(),
                    variables: &variables,
                    identity,
                    denied: &removed,
                    labels: &labels,
                },
                prepared.policy.private,
            )),
            _ => None,
        }
        // A private operation of an anonymous caller has nowhere to go.
        .filter(|keys| !keys.candidates().is_empty());
        if let Some(keys) = &cache_keys
            && let Some(hit) = self.cached_response(keys, identity).await
        {
            return hit;
        }
        let decided: Vec<bool> = prepared
            .conditions
            .iter()
            .map(|name| matches!(variables.get(name.as_str()), Some(JsonValue::Bool(true))))
            .collect();
        let variant;
        let plan = if denied.is_empty()
            && self.shared.supergraph.override_labels().is_empty()
            && decided.is_empty()
        {
            match &prepared.planned.plan {
                Ok(plan) => plan,
                Err(err) => {
                    tracing::error!(error = %err, "query planning failed");
                    return RouterResponse::request_error(
                        ErrorCode::QueryPlanningFailed,
                        &err.to_string(),
                    );
                }
            }
        } else {
            variant = self.variant_plan(
                prepared,
                operation_name.as_deref(),
                &denied,
                (labels, removed, decided),
                &variables,
            );
            match &*variant {
                Ok(plan) => plan,
                Err(err) => {
                    tracing::error!(error = %err, "query planning failed (a variant)");
                    return RouterResponse::request_error(ErrorCode::QueryPlanningFailed, err);
                }
            }
        };
        let token = self.shared.signer.as_ref().map(|s| s.token(identity));
        // Not for mutations: their entity fetches must see what the mutation changed
        // (its invalidations apply once the plan has run).
        let entity_cache = self
            .shared
            .caches
            .entities
            .as_deref()
            .filter(|_| operation.operation_type == OperationType::Query)
            .map(|store| EntityCache {
                caches: &self.shared.caches,
                store,
                schema: &self.shared.schema_hash,
                identity,
            });
        // The subgraphs' answers, which the data tree borrows from until the response
        // is written.
        let bodies = executor::fetch::Bodies::default();
        let outcome = executor::execute(
            &self.shared.supergraph,
            &self.clients,
            plan,
            &variables,
            token.as_ref(),
            entity_cache.as_ref(),
            &bodies,
        )
        .await;
        if !outcome.invalidations.is_empty() {
            self.invalidate(&outcome.invalidations).await;
        }
        let mut errors: Vec<JsonMap> = denied.iter().map(authorization::error).collect();
        errors.extend(outcome.errors);
        // A response no cache keeps is written straight from the data tree when the
        // projector can shape it (no shaping error): no response tree is built.
        let clean_policy = if errors.is_empty() {
            prepared.policy.restrict(outcome.policy)
        } else {
            CachePolicy::UNCACHEABLE
        };
        let stored = self.shared.caches.responses.is_some()
            && clean_policy.cacheable_for().is_some()
            && cache_keys
                .as_ref()
                .is_some_and(|k| k.for_policy(&clean_policy).is_some());
        if !stored
            && let Some(mut body) = project_text(
                &self.shared.supergraph.api,
                document,
                operation,
                &variables,
                &outcome.data,
                executed_body_start(
                    &errors,
                    prepared
                        .body_size
                        .load(std::sync::atomic::Ordering::Relaxed),
                ),
            )
        {
            body.push(b'}');
            // The next answer to this operation starts with room for this one's size, up
            // to a bound: one huge answer must not make every later one reserve as much.
            prepared.body_size.store(
                body.len().min(BODY_SIZE_HINT_MAX),
                std::sync::atomic::Ordering::Relaxed,
            );
            return RouterResponse::encoded(
                Bytes::from(body),
                (clean_policy, identity.subject.is_none()),
            );
        }
        // Introspection reads the API schema as it is (see `Supergraph::shaping`).
        let introspects = prepared.measured.as_ref().is_some_and(|m| m.introspection);
        match shape(
            (
                &self.shared.supergraph.api,
                self.shared
                    .supergraph
                    .shaping
                    .as_ref()
                    .filter(|_| !introspects),
            ),
            document,
            operation,
            &variables,
            &outcome.data,
        ) {
            Ok(shaped) => {
                let response = RouterResponse::executed(shaped, errors);
                let policy = if response.body.contains_key("errors") {
                    CachePolicy::UNCACHEABLE
                } else {
                    prepared.policy.restrict(outcome.policy)
                };
                let target = cache_keys.as_ref().and_then(|k| k.for_policy(&policy));
                self.kept(
                    response,
                    policy,
                    target,
                    identity,
                    (document, operation),
                    started,
                )
                .await
            }
            Err(err) => {
                let error = err.to_graphql_error(&document.sources);
                RouterResponse::from_errors(ErrorCode::BadRequest, vec![error])
            }
        }
    }

    /// A cached answer under one of `keys`, with what is left of its max age.
    async fn cached_response(
        &self,
        keys: &CacheKeys,
        identity: &Identity,
    ) -> Option<RouterResponse> {
        let store = self.shared.caches.responses.as_ref()?;
        let Some(entry) = store.get(&keys.candidates()).await else {
            metrics::counter!("tessera_cache_lookups_total", "cache" => "response", "outcome" => "miss").increment(1);
            return None;
        };
        metrics::counter!("tessera_cache_lookups_total", "cache" => "response", "outcome" => "hit")
            .increment(1);
        let policy = CachePolicy {
            max_age: Some(entry.remaining_secs()),
            private: entry.private,
        };
        Some(RouterResponse::encoded(
            entry.body.clone(),
            (policy, identity.subject.is_none()),
        ))
    }

    /// `response` with its `policy`, stored under `key` (tagged with the entities it
    /// holds) when the policy allows and the response cache is on.
    async fn kept(
        &self,
        mut response: RouterResponse,
        policy: CachePolicy,
        key: Option<Key>,
        identity: &Identity,
        (document, operation): (&ExecutableDocument, &Operation),
        started: std::time::Instant,
    ) -> RouterResponse {
        let cache = (policy, identity.subject.is_none());
        let (Some(store), Some(max_age), Some(key)) =
            (&self.shared.caches.responses, policy.cacheable_for(), key)
        else {
            response.cache = Some(cache);
            return response;
        };
        let bytes = response.to_bytes();
        let tags = match response.body.get("data") {
            Some(JsonValue::Object(data)) => self.shared.caches.keys.tags(
                &self.shared.supergraph.api,
                document,
                &operation.selection_set,
                data,
            ),
            _ => Vec::new(),
        };
        let entry = Entry::new(
            bytes.clone(),
            policy.private,
            self.shared.caches.ttl(max_age),
            tags,
        );
        if store.put(key, entry, started).await {
            metrics::counter!("tessera_cache_stores_total", "cache" => "response").increment(1);
        }
        RouterResponse::encoded(bytes, cache)
    }

    /// Drops cached responses and entities holding what `changed` names, in every
    /// replica.
    pub async fn invalidate(&self, changed: &[Invalidation]) -> Vec<String> {
        let mut tags: Vec<String> = changed
            .iter()
            .flat_map(|c| EntityKeys::invalidation_tags(&c.typename, c.key.as_ref()))
            .collect();
        tags.sort();
        tags.dedup();
        self.shared.caches.invalidate(&tags).await;
        tags
    }

    /// The progressive override labels on for one request: those configured as always
    /// on, and each `percent(n)` label with a probability of n %.
    fn active_labels(&self) -> Vec<String> {
        self.shared
            .supergraph
            .override_labels()
            .iter()
            .filter(|label| match percent(label) {
                Some(p) => roll_under(p),
                None => self.shared.override_labels.contains(label),
            })
            .cloned()
            .collect()
    }

    /// `raw` coerced to `operation`'s variables, or the client's error: why the first
    /// value that does not fit does not (see [`variables`]), located at its variable's
    /// definition when apollo-compiler gives no location.
    fn coerced(
        &self,
        document: &Valid<ExecutableDocument>,
        operation: &Operation,
        raw: &JsonMap,
    ) -> Result<Valid<JsonMap>, RouterResponse> {
        coerce_variable_values(&self.shared.supergraph.api, operation, raw).map_err(|err| {
            let mut error = err.to_graphql_error(&document.sources);
            let offending = self.offending_variable(operation, raw);
            if let Some(why) = offending.and_then(|definition| {
                variables::explain(
                    &self.shared.supergraph.api,
                    definition,
                    raw.get(definition.name.as_str()),
                )
            }) {
                error.message = why;
            }
            if error.locations.is_empty() {
                error.locations.extend(
                    offending
                        .and_then(|definition| definition.location())
                        .and_then(|at| at.line_column(&document.sources)),
                );
            }
            RouterResponse::from_errors(ErrorCode::BadUserInput, vec![error])
        })
    }

    /// The first of `operation`'s variables whose value in `values` does not coerce on
    /// its own (the error path only: it coerces them one by one).
    fn offending_variable<'o>(
        &self,
        operation: &'o Operation,
        values: &JsonMap,
    ) -> Option<&'o Node<apollo_compiler::ast::VariableDefinition>> {
        operation.variables.iter().find(|definition| {
            let alone = Operation {
                variables: vec![(*definition).clone()],
                ..operation.clone()
            };
            coerce_variable_values(&self.shared.supergraph.api, &alone, values).is_err()
        })
    }

    /// The plan of `prepared`'s operation without the `denied` fields, with the
    /// variant's labels on and its conditions decided by `variables`.
    fn variant_plan(
        &self,
        prepared: &Prepared,
        operation_name: Option<&str>,
        denied: &[Denied],
        variant: VariantKey,
        variables: &JsonMap,
    ) -> FilteredPlan {
        let labels = variant.0.clone();
        prepared.planned.variants.get_with(variant, || {
            let supergraph = if self.shared.supergraph.override_labels().is_empty() {
                self.shared.supergraph.clone()
            } else {
                self.shared.label_variants.get_with(labels.clone(), || {
                    Arc::new(self.shared.supergraph.with_active_labels(&labels))
                })
            };
            let document = if denied.is_empty() {
                Ok(prepared.document.clone())
            } else {
                authorization::without(
                    &self.shared.supergraph.api,
                    &prepared.document,
                    operation_name,
                    denied,
                )
            };
            let plan = document.and_then(|document| {
                let operation = document
                    .operations
                    .get(operation_name)
                    .map_err(|e| e.message().to_string())?;
                planner::plan(&supergraph, &document, operation, variables)
                    .map_err(|e| e.to_string())
            });
            Arc::new(plan)
        })
    }

    /// The first half of [`Router::execute`], for benchmarks: resolves the request's
    /// document (text, persisted-query hash or trusted id) and finds or prepares its
    /// operation, without executing it.
    pub async fn prepare_request(
        &self,
        mut request: GraphqlRequest,
        identity: &Identity,
    ) -> Result<(), RouterResponse> {
        self.prepared_request(&mut request, identity)
            .await
            .map(|_| ())
    }

    /// The request's document (persisted-query rules first), prepared; its text is
    /// taken out of `request`.
    async fn prepared_request(
        &self,
        request: &mut GraphqlRequest,
        identity: &Identity,
    ) -> Result<Arc<Prepared>, RouterResponse> {
        self.resolved_and_prepared(
            request.query.take(),
            request.extensions.as_ref(),
            request.document_id.as_deref(),
            request.operation_name.clone(),
            identity,
        )
        .await
    }

    /// The request's document (persisted-query rules first), prepared.
    async fn resolved_and_prepared(
        &self,
        query: Option<String>,
        extensions: Option<&JsonMap>,
        document_id: Option<&str>,
        operation_name: Option<String>,
        identity: &Identity,
    ) -> Result<Arc<Prepared>, RouterResponse> {
        let resolved = self
            .shared
            .persisted
            .resolve(query, extensions, document_id, identity)
            .map_err(refused)?;
        self.prepared_for(resolved, operation_name).await
    }

    /// Parses, validates and plans `query` unless the cache holds it already (warm-up
    /// at start, and the benchmarks, use this). Errors are the client's answer.
    pub fn prepare_cached(
        &self,
        query: &str,
        operation_name: Option<&str>,
    ) -> Result<(), RouterResponse> {
        let key = (
            DocKey::Text(query.to_owned()),
            operation_name.map(str::to_owned),
        );
        self.prepared(key, None).map(|_| ())
    }

    /// The prepared operation of a resolved document: from the cache by text or hash;
    /// else read from the APQ store when only the hash came, parsed, validated,
    /// planned, and registered when the request asked for it.
    async fn prepared_for(
        &self,
        resolved: Resolved,
        operation_name: Option<String>,
    ) -> Result<Arc<Prepared>, RouterResponse> {
        match resolved {
            Resolved::Text(text) => self.prepared((DocKey::Text(text), operation_name), None),
            Resolved::Known { hash, text } => {
                self.prepared((DocKey::Sha256(hash), operation_name), Some(&text))
            }
            Resolved::Apq(hash) => {
                let key = (DocKey::Sha256(hash), operation_name);
                if let Some(p) = self.shared.prepared.get(&key) {
                    metrics::counter!("tessera_persisted_queries_total", "outcome" => "hit")
                        .increment(1);
                    return Ok(p);
                }
                let store = self
                    .shared
                    .persisted
                    .apq()
                    .ok_or_else(|| refused(persisted::not_found()))?;
                let Some(text) = store.get(&hash).await else {
                    metrics::counter!("tessera_persisted_queries_total", "outcome" => "not_found")
                        .increment(1);
                    return Err(refused(persisted::not_found()));
                };
                metrics::counter!("tessera_persisted_queries_total", "outcome" => "hit")
                    .increment(1);
                self.prepared(key, Some(&text))
            }
            Resolved::Register { hash, text } => {
                let prepared =
                    self.prepared((DocKey::Sha256(hash), operation_name), Some(&text))?;
                if let Some(store) = self.shared.persisted.apq() {
                    store.put(hash, text).await;
                    metrics::counter!("tessera_persisted_queries_total", "outcome" => "registered")
                        .increment(1);
                }
                Ok(prepared)
            }
        }
    }

    /// The cached operation of `key`, else `text` (the key's own text when `None`)
    /// prepared and cached.
    fn prepared(
        &self,
        key: (DocKey, Option<String>),
        text: Option<&str>,
    ) -> Result<Arc<Prepared>, RouterResponse> {
        if let Some(p) = self.shared.prepared.get(&key) {
            return Ok(p);
        }
        let text = match (&key.0, text) {
            (_, Some(text)) => text,
            (DocKey::Text(text), None) => text.as_str(),
            (DocKey::Sha256(_), None) => "",
        };
        let p = Arc::new(self.prepare(text, key.1.as_deref())?);
        self.shared.prepared.insert(key, p.clone());
        Ok(p)
    }

    fn prepare(
        &self,
        query: &str,
        operation_name: Option<&str>,
    ) -> Result<Prepared, RouterResponse> {
        metrics::counter!("tessera_operations_prepared_total").increment(1);
        self.shared
            .prepared_total
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut parser = Parser::new();
        if let Some(limit) = self.shared.limits.token_limit() {
            parser = parser.token_limit(limit);
        }
        let ast = parser.parse_ast(query, "query.graphql").map_err(|with| {
            let errors: Vec<GraphQLError> = with.errors.iter().map(|d| d.to_json()).collect();
            if errors
                .iter()
                .any(|e| e.message.contains("token limit reached"))
            {
                return RouterResponse::request_error(
                    ErrorCode::MaxTokensLimit,
                    &format!(
                        "the document has more than {} tokens",
                        self.shared.limits.token_limit().unwrap_or_default()
                    ),
                );
            }
            RouterResponse::from_errors(ErrorCode::GraphqlParseFailed, errors)
        })?;
        let document = ast
            .to_executable_validate(&self.shared.supergraph.api)
            .map_err(|with| {
                let errors: Vec<GraphQLError> = with.errors.iter().map(|d| d.to_json()).collect();
                RouterResponse::from_errors(ErrorCode::GraphqlValidationFailed, errors)
            })?;
        let planned = |plan| {
            Arc::new(Planned {
                plan,
                variants: moka::sync::Cache::new(64),
            })
        };
        let cost = document
            .operations
            .get(operation_name)
            .ok()
            .filter(|operation| {
                self.shared.limits.max_cost.is_some() && operation.variables.is_empty()
            })
            .map(|operation| {
                limits::estimate(
                    &self.shared.limits,
                    &self.shared.supergraph.api,
                    &document,
                    operation,
                    &JsonMap::new(),
                )
            });
        let deferral = document
            .operations
            .get(operation_name)
            .ok()
            .and_then(|operation| defer::Deferral::of(&document, operation))
            .map(Arc::new);
        let conditions = document
            .operations
            .get(operation_name)
            .map(|operation| planner::fold::condition_variables(&document, operation))
            .unwrap_or_default();
        let (planned, measured, policy) = match document.operations.get(operation_name) {
            // Run as the operations derived from it, each prepared on its own.
            Ok(operation) if deferral.is_some() => (
                planned(Ok(Plan::default())),
                Some(limits::measure(&document, operation)),
                CachePolicy::UNCACHEABLE,
            ),
            Ok(operation) => (
                self.shared.plans.get_with(
                    persisted::sha256(&normalized(&document, operation)),
                    || {
                        metrics::counter!("tessera_operations_planned_total").increment(1);
                        self.shared
                            .planned_total
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        // With condition variables, each combination of their
                        // values is planned as a variant, on first use.
                        planned(if conditions.is_empty() {
                            planner::plan(
                                &self.shared.supergraph,
                                &document,
                                operation,
                                &JsonMap::new(),
                            )
                        } else {
                            Ok(Plan::default())
                        })
                    },
                ),
                Some(limits::measure(&document, operation)),
                self.shared.caches.hints.of_operation(
                    &self.shared.supergraph.api,
                    &document,
                    operation,
                ),
            ),
            // An unknown name is answered per request; nothing to plan.
            Err(_) => (planned(Ok(Plan::default())), None, CachePolicy::UNCACHEABLE),
        };
        Ok(Prepared {
            hash: persisted::sha256(query),
            policy,
            document,
            planned,
            measured,
            cost,
            body_size: std::sync::atomic::AtomicUsize::new(0),
            deferral,
            conditions,
        })
    }
}

/// The operation as the planner sees it, whatever the document's layout: `operation`
/// and the fragments it uses (by name), printed on one line each without comments.
/// Other operations and unused fragments of the document are left out.
fn normalized(document: &ExecutableDocument, operation: &Operation) -> String {
    fn spreads<'a>(
        document: &'a ExecutableDocument,
        selections: &'a SelectionSet,
        used: &mut BTreeMap<&'a Name, &'a Node<Fragment>>,
    ) {
        for selection in &selections.selections {
            match selection {
                Selection::Field(field) => spreads(document, &field.selection_set, used),
                Selection::InlineFragment(inline) => {
                    spreads(document, &inline.selection_set, used);
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = document.fragments.get(&spread.fragment_name)
                        && used.insert(&spread.fragment_name, fragment).is_none()
                    {
                        spreads(document, &fragment.selection_set, used);
                    }
                }
            }
        }
    }
    let mut used = BTreeMap::new();
    spreads(document, &operation.selection_set, &mut used);
    let mut text = operation.serialize().no_indent().to_string();
    for fragment in used.values() {
        text.push('\n');
        text.push_str(&fragment.serialize().no_indent().to_string());
    }
    text
}

/// `n` of a `percent(n)` label (0–100, decimals allowed).
fn percent(label: &str) -> Option<f64> {
    let n: f64 = label
        .strip_prefix("percent(")?
        .strip_suffix(')')?
        .trim()
        .parse()
        .ok()?;
    (0.0..=100.0).contains(&n).then_some(n)
}

/// True with a probability of `p` % (the operating system's randomness; `percent(0)`
/// never, `percent(100)` always).
fn roll_under(p: f64) -> bool {
    // Uniform in [0, 1): never 1, so 100 % always holds.
    let r = f64::from(getrandom::u32().unwrap_or(u32::MAX)) / 4_294_967_296.0;
    r * 100.0 < p
}

fn refused(refused: persisted::Refused) -> RouterResponse {
    RouterResponse::request_error(refused.code, &refused.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELLED: &str = include_str!("../../tests/fixtures/override-labels.graphql");

    #[test]
    fn percent_labels_parse_and_roll_at_their_rate() {
        assert_eq!(percent("percent(25)"), Some(25.0));
        assert_eq!(percent("percent(0.5)"), Some(0.5));
        assert_eq!(percent("percent(101)"), None);
        assert_eq!(percent("new-colour"), None);
        assert!((0..1_000).all(|_| roll_under(100.0)));
        assert!((0..1_000).all(|_| !roll_under(0.0)));
        // 25 % of 4 000 rolls: 1 000 expected, standard deviation ~27.
        let hits = (0..4_000).filter(|_| roll_under(25.0)).count();
        assert!((800..1_200).contains(&hits), "{hits}");
    }

    /// A subgraph over real HTTP: `fields` names what it resolves on `Product`, and it
    /// answers with those the request asks for, at the root (`product`) or as one entity.
    async fn product_subgraph(fields: &'static [(&'static str, serde_json::Value)]) -> String {
        let app = axum::Router::new().route(
            "/graphql",
            axum::routing::post(move |body: String| async move {
                let mut product = serde_json::json!({ "__typename": "Product", "id": "1" });
                for (name, value) in fields {
                    if body.contains(name) {
                        product[*name] = value.clone();
                    }
                }
                let data = if body.contains("_entities") {
                    serde_json::json!({ "_entities": [product] })
                } else {
                    serde_json::json!({ "product": product })
                };
                axum::Json(serde_json::json!({ "data": data }))
            }),
        );
        crate::test_support::serve(app).await
    }

    #[tokio::test]
    async fn each_request_is_planned_with_its_own_labels() {
        static A: std::sync::LazyLock<Vec<(&str, serde_json::Value)>> =
            std::sync::LazyLock::new(|| vec![("price", 1.0.into()), ("colour", "red (a)".into())]);
        static B: std::sync::LazyLock<Vec<(&str, serde_json::Value)>> =
            std::sync::LazyLock::new(|| vec![("price", 2.0.into()), ("colour", "blue (b)".into())]);
        let a = product_subgraph(&A).await;
        let b = product_subgraph(&B).await;
        let router = Router::new(
            Supergraph::parse(LABELLED).expect("loads"),
            &RouterOptions {
                subgraph_urls: HashMap::from([("a".to_owned(), a), ("b".to_owned(), b)]),
                override_labels: vec!["new-colour".to_owned()],
                ..RouterOptions::default()
            },
        );
        let mut from_b = 0;
        for _ in 0..200 {
            let request = GraphqlRequest {
                query: Some("{ product { price colour } }".to_owned()),
                ..GraphqlRequest::default()
            };
            let response = router.execute(request, false, &Identity::ANONYMOUS).await;
            let body = response.to_json();
            assert_eq!(body["data"]["product"]["colour"], "blue (b)", "{body}");
            match body["data"]["product"]["price"].as_f64() {
                Some(2.0) => from_b += 1,
                Some(1.0) => {}
                _ => panic!("{body}"),
            }
        }
        // percent(25) of 200: 50 expected, standard deviation ~6.
        assert!((20..80).contains(&from_b), "{from_b}");
        assert_eq!(
            router.operations_prepared(),
            1,
            "one operation, prepared once"
        );
    }

    /// A router over the labelled fixture whose subgraphs `a` and `b` are both at `url`.
    fn over_one_subgraph(url: String) -> Router {
        Router::new(
            Supergraph::parse(LABELLED).expect("loads"),
            &RouterOptions {
                subgraph_urls: HashMap::from([
                    ("a".to_owned(), url.clone()),
                    ("b".to_owned(), url),
                ]),
                ..RouterOptions::default()
            },
        )
    }

    #[tokio::test]
    async fn a_replica_answers_with_the_plans_of_its_original() {
        static FIELDS: std::sync::LazyLock<Vec<(&str, serde_json::Value)>> =
            std::sync::LazyLock::new(|| vec![("price", 3.0.into()), ("colour", "green".into())]);
        let a = product_subgraph(&FIELDS).await;
        let router = over_one_subgraph(a);
        let replica = router.replica();
        for serving in [&router, &replica, &replica] {
            let request = GraphqlRequest {
                query: Some("{ product { price } }".to_owned()),
                ..GraphqlRequest::default()
            };
            let response = serving.execute(request, false, &Identity::ANONYMOUS).await;
            assert_eq!(
                serde_json::from_slice::<serde_json::Value>(&response.to_bytes()).expect("JSON"),
                serde_json::json!({ "data": { "product": { "price": 3.0 } } })
            );
        }
        // Planned once, by the original; the count is shared too.
        assert_eq!(router.operations_prepared(), 1);
        assert_eq!(replica.operations_prepared(), 1);
    }

    /// A subgraph over real HTTP answering `product { name }` with `cache_control` as
    /// its `Cache-Control` header.
    async fn subgraph_saying(cache_control: &'static str) -> String {
        let app = axum::Router::new().route(
            "/graphql",
            axum::routing::post(move || async move {
                (
                    [("cache-control", cache_control)],
                    axum::Json(serde_json::json!({ "data": { "product": { "name": "Bar" } } })),
                )
            }),
        );
        crate::test_support::serve(app).await
    }

    #[tokio::test]
    async fn documents_whose_operation_normalizes_alike_share_one_plan() {
        static NAME: std::sync::LazyLock<Vec<(&str, serde_json::Value)>> =
            std::sync::LazyLock::new(|| vec![("name", "Bar".into())]);
        let a = product_subgraph(&NAME).await;
        let router = over_one_subgraph(a);
        let same = serde_json::json!({ "product": { "name": "Bar", "id": "1" } });
        let documents = [
            (
                "query Q { product { name ...P } } fragment P on Product { id }",
                &same,
            ),
            // Layout, commas and comments.
            (
                "# the same\nquery Q {\n  product {\n    name,\n    ...P\n  }\n}\n\nfragment P on Product {\n  id # the key\n}\n",
                &same,
            ),
            // Another operation, with a fragment of its own, around it.
            (
                "fragment C on Product { colour } query Other { product { ...C } } fragment P on Product { id } query Q { product { name ...P } }",
                &same,
            ),
            // What the planner reads differs: a field more, a fragment's selection.
            (
                "query Q { product { name __typename ...P } } fragment P on Product { id }",
                &serde_json::json!({ "product": { "name": "Bar", "__typename": "Product", "id": "1" } }),
            ),
            (
                "query Q { product { name ...P } } fragment P on Product { name }",
                &serde_json::json!({ "product": { "name": "Bar" } }),
            ),
        ];
        for (query, data) in documents {
            let request = GraphqlRequest {
                query: Some(query.to_owned()),
                operation_name: Some("Q".to_owned()),
                ..GraphqlRequest::default()
            };
            let response = router.execute(request, false, &Identity::ANONYMOUS).await;
            assert_eq!(
                serde_json::from_slice::<serde_json::Value>(&response.to_bytes()).expect("JSON"),
                serde_json::json!({ "data": data }),
                "{query}"
            );
        }
        assert_eq!(
            router.operations_prepared(),
            5,
            "each text parsed and validated"
        );
        assert_eq!(router.operations_planned(), 3, "three operations planned");
    }

    /// Subgraph `b` over real HTTP: a `Product`'s `weight` as one entity, after `delay`.
    async fn weighing_subgraph(delay: Duration) -> String {
        let app = axum::Router::new().route(
            "/graphql",
            axum::routing::post(move || async move {
                tokio::time::sleep(delay).await;
                axum::Json(serde_json::json!({
                    "data": { "_entities": [{ "__typename": "Product", "weight": 2.5 }] }
                }))
            }),
        );
        crate::test_support::serve(app).await
    }

    /// A subgraph that reads the request, starts a 200 answer and hangs up halfway.
    async fn hanging_up_subgraph() -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let addr = listener.local_addr().expect("bound");
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut request = Vec::new();
                let mut chunk = [0_u8; 4096];
                // Headers, then as many bytes as `content-length` says.
                while let Ok(n @ 1..) = stream.read(&mut chunk).await {
                    request.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if body.len() >= length {
                            break;
                        }
                    }
                }
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{\"data\":{\"_ent")
                    .await;
            }
        });
        format!("http://{addr}/graphql")
    }

    #[tokio::test]
    async fn a_failed_subgraph_is_named_with_what_went_wrong_and_never_its_address() {
        static NAME: std::sync::LazyLock<Vec<(&str, serde_json::Value)>> =
            std::sync::LazyLock::new(|| vec![("name", "Bar".into())]);
        let a = product_subgraph(&NAME).await;
        // An address nothing listens on.
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
            format!("http://{}/graphql", listener.local_addr().expect("bound"))
        };
        let slow = Duration::from_millis(400);
        // `b` gets its own timeout, or the default (which the slow `b` is within).
        let cases = [
            (
                weighing_subgraph(slow).await,
                Some(100),
                Some("no answer within 100 ms"),
            ),
            (weighing_subgraph(slow).await, None, None),
            (closed, None, Some("no connection could be made to it")),
            (
                hanging_up_subgraph().await,
                None,
                Some("the connection failed before the answer was complete"),
            ),
        ];
        for (b, own_timeout, failure) in cases {
            let router = Router::new(
                Supergraph::parse(LABELLED).expect("loads"),
                &RouterOptions {
                    subgraph_urls: HashMap::from([
                        ("a".to_owned(), a.clone()),
                        ("b".to_owned(), b),
                    ]),
                    subgraph_timeout: Duration::from_secs(5),
                    subgraph_timeouts: own_timeout
                        .map(|ms| ("b".to_owned(), Duration::from_millis(ms)))
                        .into_iter()
                        .collect(),
                    ..RouterOptions::default()
                },
            );
            let ask = |query: &str| {
                let request = GraphqlRequest {
                    query: Some(query.to_owned()),
                    ..GraphqlRequest::default()
                };
                let router = &router;
                async move {
                    let response = router.execute(request, false, &Identity::ANONYMOUS).await;
                    serde_json::from_slice::<serde_json::Value>(&response.to_bytes()).expect("JSON")
                }
            };
            let answer = ask("{ product { name weight } }").await;
            let expected = match failure {
                None => {
                    serde_json::json!({ "data": { "product": { "name": "Bar", "weight": 2.5 } } })
                }
                Some(what) => serde_json::json!({
                    "errors": [{
                        "message": format!("subgraph `b` could not be fetched: {what}"),
                        "path": ["product"],
                        "extensions": { "code": "SUBGRAPH_REQUEST_FAILED", "serviceName": "b" },
                    }],
                    "data": { "product": { "name": "Bar", "weight": null } },
                }),
            };
            assert_eq!(answer, expected);
            // The router goes on serving what does not need `b`.
            assert_eq!(
                ask("{ product { name } }").await,
                serde_json::json!({ "data": { "product": { "name": "Bar" } } })
            );
        }
    }

    #[tokio::test]
    async fn a_subgraphs_cache_control_header_restricts_the_responses_policy() {
        let cases = [
            ("max-age=20", Some(20), false),
            ("max-age=900", Some(300), false),
            ("max-age=20, private", Some(20), true),
            ("no-store", None, false),
            ("public", Some(300), false),
        ];
        for (header, max_age, private) in cases {
            let router = Router::new(
                Supergraph::parse(LABELLED).expect("loads"),
                &RouterOptions {
                    subgraph_urls: HashMap::from([("a".to_owned(), subgraph_saying(header).await)]),
                    // The fixture has no hints: everything may be kept 300 s.
                    cache: CacheOptions {
                        default_max_age: 300,
                        ..CacheOptions::default()
                    },
                    ..RouterOptions::default()
                },
            );
            let request = GraphqlRequest {
                query: Some("{ product { name } }".to_owned()),
                ..GraphqlRequest::default()
            };
            let response = router.execute(request, false, &Identity::ANONYMOUS).await;
            assert_eq!(
                serde_json::from_slice::<serde_json::Value>(&response.to_bytes()).expect("JSON"),
                serde_json::json!({ "data": { "product": { "name": "Bar" } } })
            );
            let (policy, _) = response.cache.expect("a policy");
            assert_eq!(
                (policy.cacheable_for(), policy.private),
                (max_age, private),
                "subgraph said `{header}`"
            );
        }
    }

    #[test]
    fn configured_labels_are_always_on_and_percent_labels_sometimes() {
        let router = Router::new(
            Supergraph::parse(LABELLED).expect("loads"),
            &RouterOptions {
                override_labels: vec!["new-colour".to_owned()],
                ..RouterOptions::default()
            },
        );
        let rolls: Vec<Vec<String>> = (0..400).map(|_| router.active_labels()).collect();
        assert!(rolls.iter().all(|r| r.contains(&"new-colour".to_owned())));
        let with_percent = rolls
            .iter()
            .filter(|r| r.contains(&"percent(25)".to_owned()))
            .count();
        assert!((40..160).contains(&with_percent), "{with_percent}");
        let plain = Router::new(
            Supergraph::parse(LABELLED).expect("loads"),
            &RouterOptions::default(),
        );
        assert!(
            (0..100).all(|_| !plain.active_labels().contains(&"new-colour".to_owned())),
            "a named label is off unless configured"
        );
    }

    /// A subgraph over real HTTP that keeps every operation it is sent and answers
    /// `product` with `name`, then `id`, then `__typename` (whichever it was asked for,
    /// in that order, whatever the operation's order).
    async fn keeping_subgraph(seen: Arc<std::sync::Mutex<Vec<String>>>) -> String {
        let app = axum::Router::new().route(
            "/graphql",
            axum::routing::post(move |body: axum::Json<serde_json::Value>| {
                let seen = seen.clone();
                async move {
                    let query = body["query"].as_str().unwrap_or_default().to_owned();
                    let mut product = serde_json::Map::new();
                    for (field, value) in [("name", "Bar"), ("id", "1"), ("__typename", "Product")]
                    {
                        if query.contains(field) {
                            product.insert(field.to_owned(), value.into());
                        }
                    }
                    seen.lock().expect("not poisoned").push(query);
                    axum::Json(serde_json::json!({ "data": { "product": product } }))
                }
            }),
        );
        crate::test_support::serve(app).await
    }

    async fn answer(
        router: &Router,
        query: &str,
        variables: serde_json::Value,
    ) -> serde_json::Value {
        let request = GraphqlRequest {
            query: Some(query.to_owned()),
            variables: serde_json::from_value(variables).expect("an object"),
            ..GraphqlRequest::default()
        };
        let response = router.execute(request, false, &Identity::ANONYMOUS).await;
        serde_json::from_slice(&response.to_bytes()).expect("JSON")
    }

    #[tokio::test]
    async fn conditions_are_decided_before_any_subgraph_is_asked() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let router = over_one_subgraph(keeping_subgraph(seen.clone()).await);
        let query = "query($s: Boolean!) { product { ... @include(if: true) { name @include(if: true) } id @skip(if: $s) } }";
        assert_eq!(
            answer(&router, query, serde_json::json!({ "s": true })).await,
            serde_json::json!({ "data": { "product": { "name": "Bar" } } })
        );
        assert_eq!(
            answer(&router, query, serde_json::json!({ "s": false })).await,
            serde_json::json!({ "data": { "product": { "name": "Bar", "id": "1" } } })
        );
        // Every field left out: the object is `{}`, and the subgraph is asked for its
        // type alone.
        assert_eq!(
            answer(
                &router,
                "{ product { name @include(if: false) } }",
                serde_json::json!({})
            )
            .await,
            serde_json::json!({ "data": { "product": {} } })
        );
        assert_eq!(
            *seen.lock().expect("not poisoned"),
            [
                "query {product {name}}",
                "query {product {name id}}",
                "query {product {__typename}}"
            ],
            "no condition reaches a subgraph"
        );
    }

    /// An interface no object type implements (its values come from an
    /// `@interfaceObject`, named as the interface) is shaped as itself, also when a
    /// null in a non-null position sends the response to the executor, not the
    /// projector (`Supergraph::shaping`).
    #[tokio::test]
    async fn a_value_of_an_interface_nothing_implements_is_shaped_by_both_shapers() {
        let app = axum::Router::new().route(
            "/graphql",
            axum::routing::post(|body: String| async move {
                let thing = if body.contains("must") {
                    serde_json::json!({ "must": null })
                } else {
                    serde_json::json!({ "__typename": "Thing" })
                };
                axum::Json(serde_json::json!({
                    "data": {
                        "lonely": { "__typename": "Lonely", "id": "n1", "field": "foo" },
                        "thing": thing,
                    }
                }))
            }),
        );
        let router = Router::new(
            Supergraph::parse(include_str!(
                "../../tests/fixtures/lonely-interface.graphql"
            ))
            .expect("loads"),
            &RouterOptions {
                subgraph_urls: HashMap::from([(
                    "a".to_owned(),
                    crate::test_support::serve(app).await,
                )]),
                ..RouterOptions::default()
            },
        );
        // The projector.
        assert_eq!(
            answer(
                &router,
                "{ lonely { id t: __typename field } thing { __typename } }",
                serde_json::json!({})
            )
            .await,
            serde_json::json!({ "data": {
                "lonely": { "id": "n1", "t": "Lonely", "field": "foo" },
                "thing": { "__typename": "Thing" },
            } })
        );
        // The executor: `must` is null, so `thing` is, with an error.
        let answered = answer(
            &router,
            "{ lonely { id t: __typename field } thing { must } }",
            serde_json::json!({}),
        )
        .await;
        assert_eq!(
            answered["data"],
            serde_json::json!({ "lonely": { "id": "n1", "t": "Lonely", "field": "foo" }, "thing": null })
        );
        assert_eq!(
            answered["errors"].as_array().map(Vec::len),
            Some(1),
            "{answered}"
        );
        assert_eq!(
            answered["errors"][0]["path"],
            serde_json::json!(["thing", "must"])
        );
        // Introspection reads the API schema as it is: the interface stays one. (Such a
        // value beside it is the one case left unshaped: docs/correctness.md.)
        let answered = answer(
            &router,
            r#"{ __type(name: "Lonely") { kind } lonely { id } }"#,
            serde_json::json!({}),
        )
        .await;
        assert_eq!(
            answered["data"]["__type"],
            serde_json::json!({ "kind": "INTERFACE" })
        );
        assert_eq!(
            answered["data"]["lonely"],
            serde_json::Value::Null,
            "{answered}"
        );
    }

    /// Two entity calls in one request to a subgraph (`_entities` and `_entities_1`),
    /// and the subgraph fails `_entities` as a whole (`data: null`, one error at
    /// `["_entities"]`): every object either call stood for gets an error, none is
    /// left null in silence.
    #[tokio::test]
    async fn a_subgraph_failing_every_entity_call_of_a_request_is_told_at_each() {
        let a = axum::Router::new().route(
            "/graphql",
            axum::routing::post(|| async {
                axum::Json(serde_json::json!({ "data": {
                    "me": { "__typename": "User", "id": "u1" },
                    "top": { "__typename": "Product", "id": "p1" },
                } }))
            }),
        );
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = seen.clone();
        let b = axum::Router::new().route(
            "/graphql",
            axum::routing::post(move |body: String| {
                let kept = kept.clone();
                async move {
                    kept.lock().expect("not poisoned").push(body);
                    axum::Json(serde_json::json!({
                        "data": null,
                        "errors": [{ "message": "boom", "path": ["_entities"] }],
                    }))
                }
            }),
        );
        let router = Router::new(
            Supergraph::parse(include_str!(
                "../../tests/fixtures/two-entity-calls.graphql"
            ))
            .expect("loads"),
            &RouterOptions {
                subgraph_urls: HashMap::from([
                    ("a".to_owned(), crate::test_support::serve(a).await),
                    ("b".to_owned(), crate::test_support::serve(b).await),
                ]),
                ..RouterOptions::default()
            },
        );
        let answered = answer(
            &router,
            "{ me { nick } top { name } }",
            serde_json::json!({}),
        )
        .await;
        let seen = seen.lock().expect("not poisoned").clone();
        assert_eq!(seen.len(), 1, "one request to b: {seen:?}");
        assert!(seen[0].contains("_entities_1"), "{}", seen[0]);
        assert_eq!(
            answered["data"],
            serde_json::json!({ "me": { "nick": null }, "top": { "name": null } })
        );
        let errors = answered["errors"].as_array().cloned().unwrap_or_default();
        let mut paths: Vec<String> = errors.iter().map(|e| e["path"].to_string()).collect();
        paths.sort();
        assert_eq!(paths, [r#"["me"]"#, r#"["top"]"#], "{answered}");
        assert!(
            errors
                .iter()
                .all(|e| e["message"] == "boom" && e["extensions"]["serviceName"] == "b"),
            "{answered}"
        );
    }

    #[tokio::test]
    async fn where_other_routers_differ_the_spec_is_kept() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let router = over_one_subgraph(keeping_subgraph(seen).await);
        // The operation's key order, not the subgraph's; `__typename` under an alias
        // answers the object's type.
        let text = |value: &serde_json::Value| value.to_string();
        assert_eq!(
            text(
                &answer(
                    &router,
                    "{ product { id kind: __typename name } }",
                    serde_json::json!({})
                )
                .await
            ),
            r#"{"data":{"product":{"id":"1","kind":"Product","name":"Bar"}}}"#
        );
        // Cyclic fragments are refused, as the spec's validation says.
        let cyclic = answer(
            &router,
            "{ product { ...A } } fragment A on Product { name ...B } fragment B on Product { id ...A }",
            serde_json::json!({}),
        )
        .await;
        assert_eq!(
            cyclic["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{cyclic}"
        );
        assert!(cyclic.get("data").is_none(), "{cyclic}");
        // Introspection lists the built-in scalars the schema uses, and no other.
        let types = answer(
            &router,
            "{ __schema { types { name } } }",
            serde_json::json!({}),
        )
        .await;
        let names: Vec<&str> = types["data"]["__schema"]["types"]
            .as_array()
            .expect("types")
            .iter()
            .filter_map(|t| t["name"].as_str())
            .collect();
        for used in ["ID", "String", "Float", "Boolean"] {
            assert!(names.contains(&used), "{used} in {names:?}");
        }
        assert!(!names.contains(&"Int"), "Int is used nowhere: {names:?}");
    }
}
