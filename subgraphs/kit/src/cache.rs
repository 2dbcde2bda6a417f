//! What a subgraph tells the router's caches about one response, beyond the static
//! `@cacheControl` hints of its schema ([`crate::directives::cache_control`]):
//! - [`changed`]: a mutation names each entity it changed (type and key); the kit puts
//!   them in the response's `extensions.invalidate`, and the router drops the cached
//!   responses and entities holding them, on every replica;
//! - [`private`]: a resolver that returned something only this caller may see (a private
//!   codex entry to its author) narrows the response to `Cache-Control: private`, which
//!   the router honours over the schema's hints.
//!
//! Both are collected per request in a [`CacheNotes`] the kit's HTTP handler puts in
//! the request data and reads back after execution.

use std::sync::{Arc, Mutex};

use async_graphql::Context;
use serde_json::Value;

/// The notes of one request.
#[derive(Debug, Clone, Default)]
pub struct CacheNotes(Arc<Mutex<Notes>>);

#[derive(Debug, Default)]
struct Notes {
    changed: Vec<Value>,
    private: bool,
}

impl CacheNotes {
    fn with<T>(&self, f: impl FnOnce(&mut Notes) -> T) -> T {
        f(&mut self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// `extensions.invalidate` of the response: `[{"typename", "key"}]`, each once.
    pub fn invalidations(&self) -> Vec<Value> {
        self.with(|n| n.changed.clone())
    }

    /// Whether the response must be `Cache-Control: private`.
    pub fn is_private(&self) -> bool {
        self.with(|n| n.private)
    }
}

/// Records that this request changed the `typename` entity with `key` (its key
/// fields, as the type's `@key` names them: `json!({"id": id})`).
pub fn changed(ctx: &Context<'_>, typename: &str, key: Value) {
    note(ctx, serde_json::json!({ "typename": typename, "key": key }));
}

/// [`changed`] for a type keyed by `id`.
pub fn changed_id(ctx: &Context<'_>, typename: &str, id: impl std::fmt::Display) {
    changed(ctx, typename, serde_json::json!({ "id": id.to_string() }));
}

fn note(ctx: &Context<'_>, entry: Value) {
    let Some(notes) = ctx.data_opt::<CacheNotes>() else {
        return;
    };
    notes.with(|n| {
        if !n.changed.contains(&entry) {
            n.changed.push(entry);
        }
    });
}

/// Records that this request changed `typename` entities it cannot list (an erasure):
/// every cached response and entity holding one is dropped.
pub fn changed_all(ctx: &Context<'_>, typename: &str) {
    note(ctx, serde_json::json!({ "typename": typename }));
}

/// Records that this response holds something only this caller may see.
pub fn private(ctx: &Context<'_>) {
    if let Some(notes) = ctx.data_opt::<CacheNotes>() {
        notes.with(|n| n.private = true);
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptySubscription, Object, Schema};

    use super::*;

    struct Query;

    #[Object]
    impl Query {
        async fn mine(&self, ctx: &Context<'_>) -> i32 {
            private(ctx);
            1
        }

        async fn open(&self) -> i32 {
            2
        }
    }

    struct Mutation;

    #[Object]
    impl Mutation {
        async fn touch(&self, ctx: &Context<'_>) -> i32 {
            changed_id(ctx, "Entry", "e1");
            changed_id(ctx, "Entry", "e1");
            changed(
                ctx,
                "Delivery",
                serde_json::json!({ "notificationId": "n1", "channel": "PUSH" }),
            );
            changed_all(ctx, "Entry");
            3
        }
    }

    async fn run(query: &str) -> CacheNotes {
        let schema = Schema::new(Query, Mutation, EmptySubscription);
        let notes = CacheNotes::default();
        let response = schema
            .execute(async_graphql::Request::new(query).data(notes.clone()))
            .await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        notes
    }

    #[tokio::test]
    async fn changes_are_noted_once_each_in_order() {
        let notes = run("mutation { touch }").await;
        assert_eq!(
            Value::Array(notes.invalidations()),
            serde_json::json!([
                { "typename": "Entry", "key": { "id": "e1" } },
                { "typename": "Delivery", "key": { "notificationId": "n1", "channel": "PUSH" } },
                { "typename": "Entry" }
            ])
        );
        assert!(!notes.is_private());
    }

    #[tokio::test]
    async fn a_resolver_makes_the_response_private_only_when_it_says_so() {
        assert!(run("{ mine }").await.is_private());
        let open = run("{ open }").await;
        assert!(!open.is_private());
        assert!(open.invalidations().is_empty());
    }
}
