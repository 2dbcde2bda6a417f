//! Sign-in payloads and inputs.

use async_graphql::{Enum, InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use crate::{graphql::user::User, service::sessions};

/// A scope a session may ask for beyond what its roles give.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum AuthScope {
    /// Support access to people's private data, for an administrator handling a
    /// support case (administrators only; every use is logged by the domains).
    Support,
}

impl From<AuthScope> for sessions::SessionScope {
    fn from(scope: AuthScope) -> Self {
        match scope {
            AuthScope::Support => sessions::SessionScope::Support,
        }
    }
}

/// Email and password.
#[derive(InputObject)]
pub struct SignInInput {
    /// The account's email, in any letter case.
    pub email: String,
    /// The password.
    pub password: String,
    /// Extra scopes for this session.
    #[graphql(default)]
    pub scopes: Vec<AuthScope>,
}

/// A signed-in session.
#[derive(SimpleObject)]
pub struct AuthSession {
    /// The access token (a JWT): send it as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
    /// Seconds until then.
    pub expires_in: i64,
    /// Exchange it once with `refreshSession` for a new access token before the session
    /// ends; it is then spent, and presenting it again signs the session out.
    pub refresh_token: String,
    /// When the session ends unless refreshed.
    pub refresh_expires_at: DateTime<Utc>,
    /// Scopes granted beyond the account's roles.
    pub scopes: Vec<String>,
    /// The account signed in (its private fields need the new access token).
    pub user: User,
}

impl AuthSession {
    /// The payload of `session`, issued at `now`.
    pub fn of(session: sessions::Session, now: DateTime<Utc>) -> Self {
        Self {
            access_token: session.access_token,
            token_type: "Bearer".to_owned(),
            expires_in: (session.expires_at - now).num_seconds().max(0),
            expires_at: session.expires_at,
            refresh_token: session.refresh_token,
            refresh_expires_at: session.refresh_expires_at,
            scopes: session.scopes,
            user: User(session.user),
        }
    }
}
