//! Payloads of account deletion and data export.

use async_graphql::{ID, SimpleObject};
use chrono::{DateTime, Utc};

use crate::{
    entity::user::{self, Role, SubscriptionTier},
    graphql::api_key::ApiKey,
    service::accounts::{Export, ExportedLink},
};

/// An account scheduled for purging.
#[derive(SimpleObject)]
pub struct DeletedAccount {
    /// The deleted account's id.
    pub id: ID,
    /// When it was deleted (and hidden from everyone).
    pub deleted_at: DateTime<Utc>,
    /// When its data will be removed for good.
    pub purge_after: DateTime<Utc>,
    /// Reads the erasure receipt (`erasureReceipt(token:)`) until the account is purged;
    /// shown this once, keep it.
    pub erasure_receipt_token: String,
}

impl DeletedAccount {
    /// The payload for a soft-deleted row.
    pub fn of(row: &user::Model, erasure_receipt_token: String) -> Self {
        Self {
            id: ID(row.id.to_string()),
            deleted_at: row.deleted_at.unwrap_or(row.updated_at),
            purge_after: row.purge_after.unwrap_or(row.updated_at),
            erasure_receipt_token,
        }
    }
}

/// Everything the users domain holds about the caller.
#[derive(SimpleObject)]
pub struct UserDataExport {
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// The caller's profile, private fields included.
    pub profile: ExportedProfile,
    /// The caller's coaches.
    pub coaches: Vec<ExportedLinkObject>,
    /// The athletes the caller coaches.
    pub athletes: Vec<ExportedLinkObject>,
    /// The API keys issued to the caller, oldest first (their records; no key is kept).
    pub api_keys: Vec<ApiKey>,
}

/// A profile as stored.
#[derive(SimpleObject)]
pub struct ExportedProfile {
    /// Id.
    pub id: ID,
    /// Handle.
    pub handle: String,
    /// Display name.
    pub display_name: String,
    /// Email address.
    pub email: String,
    /// Roles.
    pub roles: Vec<Role>,
    /// Plan.
    pub subscription_tier: SubscriptionTier,
    /// IANA time zone.
    pub timezone: String,
    /// Picture URL.
    pub avatar_url: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A coach–athlete link in an export.
#[derive(SimpleObject)]
#[graphql(name = "ExportedLink")]
pub struct ExportedLinkObject {
    /// The other person's id.
    pub user_id: ID,
    /// Since when the link exists.
    pub since: DateTime<Utc>,
}

impl From<Export> for UserDataExport {
    fn from(export: Export) -> Self {
        let p = export.profile;
        Self {
            exported_at: export.exported_at,
            profile: ExportedProfile {
                id: ID(p.id.to_string()),
                handle: p.handle,
                display_name: p.display_name,
                email: p.email,
                roles: user::Roles(p.roles).to_vec(),
                subscription_tier: p.subscription_tier,
                timezone: p.timezone,
                avatar_url: p.avatar_url,
                created_at: p.created_at,
                updated_at: p.updated_at,
            },
            coaches: export.coaches.into_iter().map(Into::into).collect(),
            athletes: export.athletes.into_iter().map(Into::into).collect(),
            api_keys: export.api_keys.into_iter().map(ApiKey).collect(),
        }
    }
}

impl From<ExportedLink> for ExportedLinkObject {
    fn from(link: ExportedLink) -> Self {
        Self {
            user_id: ID(link.user_id.to_string()),
            since: link.since,
        }
    }
}
