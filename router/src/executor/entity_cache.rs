//! The entity cache inside an `_entities` fetch: representations whose entity is
//! cached are taken out of the request (a fetch whose representations are all cached
//! is not sent), their cached entities merged like answered ones, and the answered ones
//! stored for the next request — of this query or of any other whose fetch asks the
//! same subgraph for the same selection of the same type.
//!
//! An entity is keyed by that call (subgraph, type, selection text), the client
//! variables the fetch forwards, its representation, and the caller as for responses
//! (authorization scope; the caller's id when private). It is kept as long as the
//! static hints of its selection and the subgraph's `Cache-Control` allow, and never
//! from an answer with errors.

use std::time::Instant;

use apollo_compiler::response::JsonMap;
use bytes::Bytes;
use tessera_identity::Identity;

use super::{fetch::Bodies, paths::Address, tree::Value};
use crate::{
    cache::{CachePolicy, Caches, Entry, Key, Tiered, tags},
    planner::EntityCall,
    supergraph::Supergraph,
};

/// What the entity cache needs of one request.
pub struct EntityCache<'a> {
    /// The caches (hints, keys, invalidation tags).
    pub caches: &'a Caches,
    /// The entity store.
    pub store: &'a Tiered,
    /// The SHA-256 of the schema the router serves.
    pub schema: &'a [u8; 32],
    /// The caller.
    pub identity: &'a Identity,
    /// The client headers forwarded to subgraphs, as key text (empty: none).
    pub headers: &'a str,
}

/// One `_entities` call as the cache sees it.
#[derive(Clone)]
pub struct CachedCall {
    id: [u8; 32],
    /// Static policy of its selection.
    policy: CachePolicy,
}

/// What the cache answered of a fetch.
pub struct Hits<'p, 'b> {
    /// Cached entities, with the objects each stands for.
    pub entities: Vec<(Vec<Address<'p>>, Value<'b>)>,
    /// Per call, how it is cached (`None`: not cacheable).
    pub calls: Vec<Option<CachedCall>>,
    /// What the cached entities impose on the response's policy.
    pub policy: CachePolicy,
}

/// The representations of one call: where each came from, and its JSON text (written
/// for deduplication, sent to the subgraph as it is, and the key of its cache entry).
#[derive(Default)]
pub struct Representations<'p> {
    /// Per representation, the objects it stands for.
    pub from: Vec<Vec<Address<'p>>>,
    /// Per representation, its JSON text.
    pub texts: Vec<Vec<u8>>,
}

impl EntityCache<'_> {
    /// Takes the cached entities out of `calls`' representations; returns them with
    /// where they go, per call how it is cached (`None`: not cacheable), and what the
    /// hits impose on the response's policy (what is left of their time; private when
    /// one was). The entities borrow from their cached text, which `bodies` keeps.
    pub async fn take_hits<'p, 'b>(
        &self,
        sg: &Supergraph,
        subgraph: &str,
        calls: &[EntityCall],
        forwarded: &str,
        reps: &mut [&mut Representations<'p>],
        bodies: &'b Bodies,
    ) -> Hits<'p, 'b> {
        let cached: Vec<Option<CachedCall>> = calls
            .iter()
            .map(|call| {
                let (id, policy) = *call.cache_identity.get_or_init(|| {
                    (
                        Caches::entity_call(subgraph, &call.entity, &call.selection.to_string()),
                        self.caches
                            .hints
                            .of_entity(&sg.schema, &call.entity, &call.selection),
                    )
                });
                policy.cacheable_for().map(|_| CachedCall { id, policy })
            })
            .collect();
        let mut asked: Vec<(usize, usize)> = Vec::new();
        let mut candidates: Vec<Vec<Key>> = Vec::new();
        for (k, (call, reps)) in cached.iter().zip(reps.iter()).enumerate() {
            let Some(call) = call else { continue };
            for (i, text) in reps.texts.iter().enumerate() {
                let keys = self.keys(call, forwarded, text, call.policy.private);
                asked.push((k, i));
                candidates.push(keys.candidates());
            }
        }
        if asked.is_empty() {
            return Hits {
                entities: Vec::new(),
                calls: cached,
                policy: CachePolicy::UNRESTRICTED,
            };
        }
        let found = self.store.get_many(&candidates).await;
        let mut hits = Vec::new();
        let mut policy = CachePolicy::UNRESTRICTED;
        // Per call, indices of hits, removed from the back so earlier ones stay put.
        let mut taken: Vec<Vec<usize>> = vec![Vec::new(); reps.len()];
        for ((k, i), entry) in asked.into_iter().zip(found) {
            let Some(entry) = entry else { continue };
            let Ok(entity) = super::tree::from_slice(bodies.keep(entry.body.clone())) else {
                continue;
            };
            taken[k].push(i);
            policy = policy.restrict(CachePolicy {
                max_age: Some(entry.remaining_secs()),
                private: entry.private,
            });
            hits.push((std::mem::take(&mut reps[k].from[i]), entity));
        }
        let (hit, miss) = (hits.len(), candidates.len() - hits.len());
        metrics::counter!("tessera_cache_lookups_total", "cache" => "entity", "outcome" => "hit")
            .increment(hit as u64);
        metrics::counter!("tessera_cache_lookups_total", "cache" => "entity", "outcome" => "miss")
            .increment(miss as u64);
        for (reps, taken) in reps.iter_mut().zip(taken) {
            for i in taken.into_iter().rev() {
                reps.from.remove(i);
                reps.texts.remove(i);
            }
        }
        Hits {
            entities: hits,
            calls: cached,
            policy,
        }
    }

    /// Stores `answered` (per call: representation text and entity JSON) under the
    /// policy of each call restricted by the subgraph's answer.
    pub async fn store(
        &self,
        calls: &[EntityCall],
        cached: &[Option<CachedCall>],
        forwarded: &str,
        answer_policy: CachePolicy,
        answered: Vec<(usize, Vec<u8>, Bytes)>,
        started: Instant,
    ) {
        for (k, text, body) in answered {
            let Some(Some(call)) = cached.get(k) else {
                continue;
            };
            let policy = call.policy.restrict(answer_policy);
            let Some(max_age) = policy.cacheable_for() else {
                continue;
            };
            let Some(key) = self
                .keys(call, forwarded, &text, policy.private)
                .for_policy(&policy)
            else {
                continue;
            };
            let tags = match serde_json::from_slice::<JsonMap>(&text) {
                Ok(representation) => self
                    .caches
                    .keys
                    .tags_of_object(&calls[k].entity, &representation),
                Err(_) => continue,
            };
            let entry = Entry::new(body, policy.private, self.caches.ttl(max_age), tags);
            if self.store.put(key, entry, started).await {
                metrics::counter!("tessera_cache_stores_total", "cache" => "entity").increment(1);
            }
        }
    }

    fn keys(
        &self,
        call: &CachedCall,
        forwarded: &str,
        text: &[u8],
        private: bool,
    ) -> crate::cache::CacheKeys {
        let with_headers;
        let forwarded = if self.headers.is_empty() {
            forwarded
        } else {
            with_headers = format!("{forwarded}\nheaders\n{}", self.headers);
            &with_headers
        };
        self.caches.entity_keys(
            self.schema,
            &call.id,
            forwarded,
            std::str::from_utf8(text).unwrap_or_default(),
            self.identity,
            private,
        )
    }
}

/// The forwarded client variables, as part of entity keys.
pub fn forwarded_text(variables: &JsonMap) -> String {
    tags::canonical_map(variables)
}
