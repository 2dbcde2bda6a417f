//! API keys: what a partner sees of their keys, and the key shown once at creation.

use async_graphql::{ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::entity::api_key;

/// An API key issued to a partner (its record).
pub struct ApiKey(pub api_key::Model);

/// An API key issued to a partner, for `x-api-key` at the router. The key itself is
/// shown once, when created; this is what stays known of it.
#[Object(directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
impl ApiKey {
    /// The key's id (for `revokeApiKey`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// What the partner calls it.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The key's first 12 characters, to recognise it by.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it was last used (to the minute), if ever.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }

    /// When it was revoked; a revoked key is refused.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

/// A key just created.
#[derive(SimpleObject)]
#[graphql(directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
pub struct CreatedApiKey {
    /// The key: send it as `x-api-key`. It is shown only now; keep it secret.
    pub key: String,
    /// Its record.
    pub api_key: ApiKey,
}

/// A new key's name.
#[derive(InputObject)]
pub struct CreateApiKeyInput {
    /// What to call it (`production`, `staging`), 1 to 64 characters.
    pub name: String,
}
