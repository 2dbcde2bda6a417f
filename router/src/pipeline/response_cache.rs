//! Stages: response-cache lookup and store. A request's keys in the response cache
//! (by schema, document, operation, variables, caller, fields denied and labels on),
//! an answer found under one of them, and an answer kept under the one its policy
//! allows, tagged with the entities it holds.

use apollo_compiler::{ExecutableDocument, Name, executable::Operation, response::JsonValue};
use tessera_identity::Identity;

use super::{Router, RouterResponse, prepare::Prepared, request::Body};
use crate::{
    cache::{CacheKeys, CachePolicy, Entry, Key, KeyParts},
    executor::headers::Forwarded,
};

impl Router {
    /// The request's keys in the response cache, when the cache is on and the
    /// operation's policy lets it be kept for this caller.
    pub(super) fn cache_keys(
        &self,
        prepared: &Prepared,
        operation_name: Option<&str>,
        variables: &apollo_compiler::response::JsonMap,
        (identity, forwarded): (&Identity, &Forwarded),
        (removed, labels): (&[(Name, Name)], &[String]),
    ) -> Option<CacheKeys> {
        self.shared.caches.responses.as_ref()?;
        prepared.policy.cacheable_for()?;
        let forwarded = forwarded.key_text();
        let keys = self.shared.caches.response_keys(
            &KeyParts {
                forwarded: &forwarded,
                schema: &self.shared.schema_hash,
                document: &prepared.hash,
                operation_name,
                variables,
                identity,
                denied: removed,
                labels,
            },
            prepared.policy.private,
        );
        // A private operation of an anonymous caller has nowhere to go.
        (!keys.candidates().is_empty()).then_some(keys)
    }

    /// A cached answer under one of `keys`, with what is left of its max age.
    pub(super) async fn cached_response(
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
    pub(super) async fn kept(
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
        let tags = match &response.body {
            Body::Json(body) => match body.get("data") {
                Some(JsonValue::Object(data)) => self.shared.caches.keys.tags(
                    &self.shared.supergraph.api,
                    document,
                    &operation.selection_set,
                    data,
                ),
                _ => Vec::new(),
            },
            Body::Encoded(_) => Vec::new(),
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
}
