//! The router's settings that are not in the supergraph.

use std::{collections::HashMap, sync::Arc, time::Duration};

use tessera_identity::Ed25519Key;

use crate::{
    cache::CacheOptions,
    cache::Caches,
    executor::{headers::HeaderOptions, shaping::Traffic},
    limits::OperationLimits,
    persisted::Persisted,
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
    /// Per-subgraph retries, circuit breakers and concurrency limits (shared by every
    /// router built with these options).
    pub traffic: Traffic,
    /// Which client headers reach which subgraph.
    pub headers: HeaderOptions,
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
            traffic: Traffic::default(),
            headers: HeaderOptions::default(),
        }
    }
}
