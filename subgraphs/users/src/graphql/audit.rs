//! The audit log, for administrators.

use async_graphql::{Context, ID, Object, Result, ResultExt};
use chrono::{DateTime, Utc};

use crate::{
    entity::audit::record,
    graphql::context::{access, db},
    service::audit,
};

/// One record of the audit log.
pub struct AuditRecord(pub record::Model);

/// A sensitive action, as the tamper-evident audit log keeps it: each record carries
/// the hash of the one before, so an edited, deleted or reordered record shows
/// (`tessera audit verify`).
#[Object(directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
impl AuditRecord {
    /// Its place in the log, from 1, without gaps.
    async fn seq(&self) -> i64 {
        self.0.seq
    }

    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// Who acted: a user's id, `router`, or none when unknown (a refused sign-in).
    async fn actor(&self) -> Option<ID> {
        self.0.actor.clone().map(ID)
    }

    /// What happened, e.g. `session.signed_in`, `api_key.revoked`,
    /// `account.roles_changed`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// What it happened to: a user's, API key's or other id.
    async fn subject(&self) -> Option<ID> {
        self.0.subject.clone().map(ID)
    }

    /// More about it, as a JSON object in text (never a password, token or key).
    async fn detail(&self) -> &str {
        &self.0.detail
    }

    /// Its hash (hex SHA-256 over its content and the previous record's hash).
    async fn hash(&self) -> &str {
        &self.0.hash
    }
}

/// The audit log's root field.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit log, oldest first (administrators with the `users:admin` scope only).
    #[graphql(requires_scopes = "users:admin")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Records after this place (0: from the first).", default = 0)] after: i64,
        #[graphql(desc = "How many (1 to 500).", default = 50)] first: i32,
        #[graphql(desc = "Only this action, e.g. `session.sign_in_failed`.")] action: Option<
            String,
        >,
        #[graphql(desc = "Only records about this id.")] subject: Option<ID>,
    ) -> Result<Vec<AuditRecord>> {
        let access = access(ctx).await?;
        let page = audit::Page {
            after,
            first: u64::try_from(first).unwrap_or(0),
            action,
            subject: subject.map(|s| s.0),
        };
        Ok(audit::list(db(ctx), access, &page)
            .await
            .extend()?
            .into_iter()
            .map(AuditRecord)
            .collect())
    }
}
