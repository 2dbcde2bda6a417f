//! Response caching: cache policies from `@cacheControl` and subgraph headers, a
//! response cache and an entity cache in two tiers (in process, Redis), and their
//! invalidation across replicas.
//!
//! # What a cached response is keyed by
//! The SHA-256 of: the supergraph's hash, the document's hash, the operation name, the
//! coerced variables, the caller's authorization scope (roles, scopes, policies, a
//! coach's roster, the fields authorization removed, the active override labels) and,
//! for a private response, the caller's id. Authorization is decided before the key is built, so an entry made for
//! a caller who may see a field is never found by one who may not: their keys differ.
//! A public entry is shared by every caller with the same roles and scopes; a private
//! one (any part hinted `PRIVATE`, or a subgraph answered `Cache-Control: private`)
//! only by its caller, and never made for an anonymous caller.
//!
//! # Layout
//! - [`policy`]: a cache policy and the `Cache-Control` header.
//! - [`hints`]: the cache-control rules over the schema's `@cacheControl` hints.
//! - [`tags`]: the entities a response holds, for invalidation.
//! - [`store`]: the two tiers and the invalidation channel.
//! - this file: [`Caches`], what the pipeline and the executor call.

pub mod hints;
pub mod policy;
pub mod store;
pub mod tags;

use std::{sync::Arc, time::Duration};

use apollo_compiler::{Name, response::JsonMap};
use sha2::Digest;
use tessera_identity::Identity;

pub use self::{
    hints::Hints,
    policy::CachePolicy,
    store::{Entry, InvalidationHook, Key, Tiered},
    tags::EntityKeys,
};
use crate::{persisted::Sha256, redis_link::RedisLink, supergraph::Supergraph};

/// Settings of the caches.
#[derive(Debug, Clone)]
pub struct CacheOptions {
    /// Cache whole query responses.
    pub responses: bool,
    /// Cache `_entities` answers per entity.
    pub entities: bool,
    /// Max age of root fields and fields returning objects that no hint covers
    /// (Apollo's `defaultMaxAge`; 0: uncacheable).
    pub default_max_age: u32,
    /// In-process bytes of the response cache.
    pub response_memory_bytes: u64,
    /// In-process bytes of the entity cache.
    pub entity_memory_bytes: u64,
    /// Longest time anything is kept, whatever the hints say.
    pub max_ttl: Duration,
    /// What every Redis key and channel of the caches starts with (replicas of one
    /// deployment share it; deployments sharing a Redis must not).
    pub namespace: String,
}

impl Default for CacheOptions {
    fn default() -> Self {
        Self {
            responses: false,
            entities: false,
            default_max_age: 0,
            response_memory_bytes: 64 * 1024 * 1024,
            entity_memory_bytes: 64 * 1024 * 1024,
            max_ttl: Duration::from_secs(24 * 3600),
            namespace: "tessera".to_owned(),
        }
    }
}

/// The router's caches.
pub struct Caches {
    /// `@cacheControl` hints of the supergraph.
    pub hints: Hints,
    /// Key field sets of the entity types.
    pub keys: EntityKeys,
    /// Whole responses (none when off).
    pub responses: Option<Arc<Tiered>>,
    /// Entities (none when off).
    pub entities: Option<Arc<Tiered>>,
    redis: Option<Arc<RedisLink>>,
    /// The Redis channel invalidations travel on.
    channel: String,
    max_ttl: Duration,
    /// Told of every invalidation (see [`Caches::on_invalidation`]).
    hooks: store::Hooks,
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches")
            .field("responses", &self.responses.is_some())
            .field("entities", &self.entities.is_some())
            .field("redis", &self.redis.is_some())
            .finish_non_exhaustive()
    }
}

/// Which replicas an invalidation reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// No Redis: this replica is the only one.
    Alone,
    /// Published through Redis to this many listening replicas (this one included).
    Told(u64),
    /// Redis is configured but could not be told: other replicas keep their copies
    /// until they expire.
    NotTold,
}

impl Caches {
    /// The caches of `supergraph`, sharing Redis at `redis_url` when given. Routers
    /// over variants of the same supergraph may share them: every key holds the hash of
    /// the schema the router serves.
    pub fn new(
        options: &CacheOptions,
        supergraph: &Supergraph,
        redis_url: Option<&str>,
    ) -> Result<Self, redis::RedisError> {
        // Invalidations travel through Redis even when no tier is on: other things
        // keep copies they must drop (the API keys an authenticator exchanged).
        let redis = redis_url
            .map(|url| {
                RedisLink::new(
                    url,
                    "response and entity caches and their invalidations",
                    "tessera_cache_redis_up",
                    "tessera_cache_redis_failures_total",
                )
                .map(Arc::new)
            })
            .transpose()?;
        let namespace = &options.namespace;
        let store = |on: bool, name: &str, bytes: u64| {
            on.then(|| {
                Arc::new(Tiered::new(
                    &format!("{namespace}:{name}:"),
                    bytes,
                    redis.clone(),
                ))
            })
        };
        Ok(Self {
            hints: Hints::of(&supergraph.schema, options.default_max_age),
            keys: EntityKeys::of(supergraph),
            responses: store(options.responses, "response", options.response_memory_bytes),
            entities: store(options.entities, "entity", options.entity_memory_bytes),
            redis,
            channel: format!("{namespace}:cache:invalidations"),
            max_ttl: options.max_ttl,
            hooks: store::Hooks::default(),
        })
    }

    /// Starts listening for other replicas' invalidations (needs a tokio runtime).
    pub fn listen(&self) {
        let Some(redis) = &self.redis else {
            if self.responses.is_some() || self.entities.is_some() {
                tracing::info!(
                    "response caching: in-process tier only (no `redis.url`); replicas neither share entries nor hear of each other's invalidations"
                );
            }
            return;
        };
        redis.announce();
        let stores: Vec<Arc<Tiered>> = self
            .responses
            .iter()
            .chain(self.entities.iter())
            .cloned()
            .collect();
        store::listen(
            redis.clone(),
            self.channel.clone(),
            stores,
            self.hooks.clone(),
        );
    }

    /// Tells `hook` of every invalidation from now on: this replica's, and other
    /// replicas' when Redis carries them (see [`InvalidationHook`]).
    pub fn on_invalidation(&self, hook: InvalidationHook) {
        self.hooks
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(hook);
    }

    /// The Redis link, if any.
    pub fn redis(&self) -> Option<&Arc<RedisLink>> {
        self.redis.as_ref()
    }

    /// How long to keep a value whose policy allows `max_age` seconds.
    pub fn ttl(&self, max_age: u32) -> Duration {
        Duration::from_secs(u64::from(max_age)).min(self.max_ttl)
    }

    /// Drops every cached response and entity tagged with one of `tags`, in every
    /// replica; which replicas were told.
    pub async fn invalidate(&self, tags: &[String]) -> Reach {
        if tags.is_empty() {
            return Reach::Alone;
        }
        let mut deleted = 0;
        for store in self.responses.iter().chain(self.entities.iter()) {
            deleted += store.invalidate(tags).await;
        }
        store::run_hooks(&self.hooks, Some(tags));
        let reach = match &self.redis {
            None => Reach::Alone,
            Some(redis) => match store::publish(redis, &self.channel, tags).await {
                Some(listening) => Reach::Told(listening),
                None => Reach::NotTold,
            },
        };
        metrics::counter!("tessera_cache_invalidations_total").increment(tags.len() as u64);
        tracing::debug!(deleted, ?reach, "invalidated");
        reach
    }

    /// The keys a query's response may be found under: public (shared by callers of
    /// the same authorization scope) first, then private (this caller's own; none for
    /// an anonymous caller). A statically private operation has only the private one.
    pub fn response_keys(&self, request: &KeyParts<'_>, private: bool) -> CacheKeys {
        let variables = tags::canonical_map(request.variables);
        let denied: Vec<String> = request
            .denied
            .iter()
            .map(|(ty, field)| format!("{ty}.{field}"))
            .collect();
        let mut parts: Vec<&[u8]> = vec![
            request.schema,
            request.document,
            request.operation_name.unwrap_or_default().as_bytes(),
            variables.as_bytes(),
            b"denied",
        ];
        parts.extend(denied.iter().map(|d| d.as_bytes()));
        parts.push(b"labels");
        parts.extend(request.labels.iter().map(|l| l.as_bytes()));
        if !request.forwarded.is_empty() {
            parts.push(b"forwarded");
            parts.push(request.forwarded.as_bytes());
        }
        self.keys("response/v1", &parts, request.identity, private)
    }

    /// What identifies one `_entities` call for the entity cache: the subgraph, the
    /// entity type and the selection asked (its text).
    pub fn entity_call(subgraph: &str, entity: &str, selection: &str) -> Sha256 {
        let mut hash = sha2::Sha256::new();
        for part in [subgraph, entity, selection] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part.as_bytes());
        }
        hash.finalize().into()
    }

    /// The keys one entity may be found under: the schema served (its hash), the call
    /// (see [`Caches::entity_call`]), the client variables the fetch forwards, the
    /// representation, and the caller as for responses.
    pub fn entity_keys(
        &self,
        schema: &Sha256,
        call: &Sha256,
        variables: &str,
        representation: &str,
        identity: &Identity,
        private: bool,
    ) -> CacheKeys {
        let parts: [&[u8]; 4] = [
            schema,
            call,
            variables.as_bytes(),
            representation.as_bytes(),
        ];
        self.keys("entity/v1", &parts, identity, private)
    }

    fn keys(&self, kind: &str, parts: &[&[u8]], identity: &Identity, private: bool) -> CacheKeys {
        let public = (!private).then(|| self.key(kind, parts, identity, None));
        let private = identity
            .subject
            .as_deref()
            .map(|subject| self.key(kind, parts, identity, Some(subject)));
        CacheKeys { public, private }
    }

    fn key(&self, kind: &str, parts: &[&[u8]], identity: &Identity, subject: Option<&str>) -> Key {
        let mut hash = sha2::Sha256::new();
        let mut field = |bytes: &[u8]| {
            hash.update((bytes.len() as u64).to_le_bytes());
            hash.update(bytes);
        };
        field(kind.as_bytes());
        for part in parts {
            field(part);
        }
        field(authorization_scope(identity).as_bytes());
        field(subject.unwrap_or_default().as_bytes());
        hash.finalize().into()
    }
}

/// What a response's key is made of (with the caller's authorization scope).
pub struct KeyParts<'a> {
    /// The SHA-256 of the schema the router serves.
    pub schema: &'a Sha256,
    /// The SHA-256 of the document.
    pub document: &'a Sha256,
    /// The operation chosen.
    pub operation_name: Option<&'a str>,
    /// The coerced variables.
    pub variables: &'a JsonMap,
    /// The caller.
    pub identity: &'a Identity,
    /// Fields authorization removed for the caller (sorted).
    pub denied: &'a [(Name, Name)],
    /// Active progressive override labels (sorted).
    pub labels: &'a [String],
    /// The client headers forwarded to subgraphs (`router.headers`), as key text
    /// (empty when none).
    pub forwarded: &'a str,
}

/// Where a value (a response, an entity) may be cached.
#[derive(Debug, Clone, Copy)]
pub struct CacheKeys {
    /// Shared by callers of the same authorization scope.
    pub public: Option<Key>,
    /// The caller's own.
    pub private: Option<Key>,
}

impl CacheKeys {
    /// The keys to look in, in order.
    pub fn candidates(&self) -> Vec<Key> {
        self.public
            .iter()
            .chain(self.private.iter())
            .copied()
            .collect()
    }

    /// Where a response of `policy` goes (none: a private response for an anonymous
    /// caller).
    pub fn for_policy(&self, policy: &CachePolicy) -> Option<Key> {
        if policy.private {
            self.private
        } else {
            self.public
        }
    }
}

/// Everything authorization decides by, sorted: callers alike in all of it (roles,
/// scopes, policies, a coach's roster) share public entries.
fn authorization_scope(identity: &Identity) -> String {
    let sorted = |items: &[String]| {
        let mut items = items.to_vec();
        items.sort();
        items.join(",")
    };
    format!(
        "signed-in={}|roles={}|scopes={}|policies={}|athletes={}",
        identity.subject.is_some(),
        sorted(&identity.roles),
        sorted(&identity.scopes),
        sorted(&identity.policies),
        sorted(&identity.athletes),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callers_share_public_keys_by_authorization_scope_and_private_keys_never() {
        let supergraph =
            Supergraph::parse(include_str!("../../tests/fixtures/override-labels.graphql"))
                .expect("loads");
        let caches = Caches::new(
            &CacheOptions {
                responses: true,
                ..CacheOptions::default()
            },
            &supergraph,
            None,
        )
        .expect("no Redis to open");
        let variables = JsonMap::new();
        let athlete = |id: &str| Identity {
            subject: Some(id.to_owned()),
            roles: vec!["athlete".to_owned()],
            ..Identity::default()
        };
        let (ann, bob) = (athlete("ann"), athlete("bob"));
        let coach = Identity {
            subject: Some("cat".to_owned()),
            roles: vec!["coach".to_owned(), "athlete".to_owned()],
            ..Identity::default()
        };
        let parts = |identity| KeyParts {
            schema: &[0; 32],
            document: &[7; 32],
            operation_name: None,
            variables: &variables,
            identity,
            denied: &[],
            labels: &[],
            forwarded: "",
        };
        let keys = |identity, private| caches.response_keys(&parts(identity), private);
        assert_eq!(keys(&ann, false).public, keys(&bob, false).public);
        assert_ne!(keys(&ann, false).public, keys(&coach, false).public);
        let other_roster = Identity {
            athletes: vec!["drew".to_owned()],
            ..coach.clone()
        };
        assert_ne!(
            keys(&coach, false).public,
            keys(&other_roster, false).public,
            "coaches of different athletes never share an entry"
        );
        assert_ne!(keys(&ann, false).private, keys(&bob, false).private);
        assert_ne!(keys(&ann, false).public, keys(&ann, false).private);
        assert!(keys(&ann, true).public.is_none());
        let anonymous = Identity::ANONYMOUS;
        assert!(keys(&anonymous, false).private.is_none());
        let denied = [(
            Name::new_static_unchecked("User"),
            Name::new_static_unchecked("email"),
        )];
        let without_email = KeyParts {
            denied: &denied,
            ..parts(&ann)
        };
        assert_ne!(
            caches.response_keys(&without_email, false).public,
            keys(&ann, false).public,
            "a caller for whom authorization removed a field never shares an entry with one for whom it did not"
        );
    }
}
