//! Signing in: passwords for access tokens and rotating refresh tokens.
//!
//! - An access token is a JWT (`EdDSA`, the [`KeyRing`]'s current key, `kid` in the
//!   header) with `iss`, `aud`, `sub`, `iat`, `nbf`, `exp`, `jti`, `sid` (the session),
//!   `roles`, `scope` and `tier`, and for a coach `athletes`: the ids of the athletes they
//!   coach ([`coaching::roster_of`]), read from the database at sign-in and at every
//!   refresh, so a link removed here lapses everywhere within one access-token lifetime.
//!   It lives minutes; the router verifies it against the JWKS and never calls back.
//! - A refresh token is 32 random bytes (base64url); only its SHA-256 is stored. Each
//!   refresh spends the token and returns a successor in the same family. Presenting a
//!   spent token again means it was copied: the whole family is revoked, and both the
//!   thief and the owner must sign in again.
//! - Signing out revokes the session's family; "everywhere" revokes all of the user's.
//!   Whatever ends a session returns its id, which the mutation names in
//!   `extensions.invalidate` (a `Session`): the router then refuses the session's
//!   access tokens at once, on every replica, rather than when they expire.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use jsonwebtoken::Header;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, TransactionSession,
    TransactionTrait,
    sea_query::{Expr, OnConflict},
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tessera_identity::Ed25519Key;
use tessera_kit::error::ServiceError;
use uuid::Uuid;

use crate::{
    entity::{
        credential, refresh_token,
        user::{self, Role, SubscriptionTier},
    },
    service::{
        access::Access,
        audit::{self, Event, actions},
        coaching, directory,
        keys::KeyRing,
        passwords,
    },
};

/// The `iss` of access tokens.
pub const ISSUER: &str = "tessera-users";
/// The `aud` of access tokens.
pub const AUDIENCE: &str = "tessera";

/// Lifetimes of tokens and keys.
#[derive(Debug, Clone, Copy)]
pub struct AuthSettings {
    /// Access-token lifetime.
    pub access_ttl: Duration,
    /// Refresh-token (session) lifetime; each refresh starts it again.
    pub refresh_ttl: Duration,
    /// How long a signing key signs before the next one takes over.
    pub key_rotation: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            access_ttl: Duration::minutes(15),
            refresh_ttl: Duration::days(30),
            key_rotation: Duration::days(30),
        }
    }
}

/// A scope a session may ask for at sign-in, beyond what roles give.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionScope {
    /// Support access to people's private data (administrators only).
    Support,
}

impl SessionScope {
    fn as_str(self) -> &'static str {
        match self {
            Self::Support => "support",
        }
    }
}

/// A signed-in session: what `signIn` and `refreshSession` return.
#[derive(Debug, Clone)]
pub struct Session {
    /// The JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
    /// The one-time refresh token.
    pub refresh_token: String,
    /// When the session ends unless refreshed.
    pub refresh_expires_at: DateTime<Utc>,
    /// Scopes granted.
    pub scopes: Vec<String>,
    /// Who signed in.
    pub user: user::Model,
}

/// The lowercase wire name of a role (the router's and subgraphs' spelling).
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Athlete => "athlete",
        Role::Coach => "coach",
        Role::Admin => "admin",
        Role::Partner => "partner",
    }
}

fn tier_name(tier: SubscriptionTier) -> &'static str {
    match tier {
        SubscriptionTier::Free => "free",
        SubscriptionTier::Premium => "premium",
        SubscriptionTier::Pro => "pro",
    }
}

#[derive(Serialize)]
struct AccessClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: String,
    sid: String,
    roles: Vec<&'static str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    scope: &'a str,
    tier: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    athletes: Vec<String>,
}

pub(crate) fn refused(message: &str) -> ServiceError {
    ServiceError::CredentialsRefused(message.to_owned())
}

const WRONG_CREDENTIALS: &str = "the email or password is wrong";

/// Sets (or replaces) `user_id`'s password.
pub async fn set_password(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    password: &str,
    field: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    passwords::validate(password, field)?;
    let hash = passwords::hash(password).await?;
    store_hash(db, user_id, hash, now).await
}

/// Stores a PHC string as `user_id`'s password (the demo seed stores a precomputed one).
pub async fn store_hash(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    hash: String,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    credential::Entity::insert(credential::ActiveModel {
        user_id: Set(user_id),
        password_hash: Set(hash),
        updated_at: Set(now.trunc_subsecs(6)),
    })
    .on_conflict(
        OnConflict::column(credential::Column::UserId)
            .update_columns([
                credential::Column::PasswordHash,
                credential::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Signs in with email and password, asking for `scopes` beyond the roles'.
pub async fn sign_in<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &KeyRing,
    settings: &AuthSettings,
    email: &str,
    password: &str,
    scopes: &[SessionScope],
    now: DateTime<Utc>,
) -> Result<Session, ServiceError> {
    let email = email.trim().to_lowercase();
    let user = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .filter(directory::active())
        .one(db)
        .await?;
    let hash = match &user {
        Some(u) => credential::Entity::find_by_id(u.id)
            .one(db)
            .await?
            .map(|c| c.password_hash),
        None => None,
    };
    if !passwords::verify(password, hash).await {
        let mut failed = Event::new(actions::SIGN_IN_FAILED);
        if let Some(user) = &user {
            failed = failed.on(user.id);
        }
        audit::append_alone(db, failed, now).await?;
        return Err(refused(WRONG_CREDENTIALS));
    }
    let user = user.ok_or_else(|| refused(WRONG_CREDENTIALS))?;
    if scopes.contains(&SessionScope::Support) && !user.roles().has(Role::Admin) {
        return Err(ServiceError::Forbidden(
            "only administrators may ask for the support scope".to_owned(),
        ));
    }
    let scopes: Vec<String> = scopes.iter().map(|s| s.as_str().to_owned()).collect();
    let athletes = athletes_claim(db, &user).await?;
    let family = Uuid::now_v7();
    let txn = tessera_kit::db::begin_write(db).await?;
    let refresh = new_refresh_token(&txn, settings, family, user.id, &scopes, now).await?;
    let signed_in = Event::new(actions::SIGNED_IN)
        .by(user.id)
        .on(user.id)
        .with(serde_json::json!({ "session": family, "scopes": scopes }));
    audit::append(&txn, signed_in, now).await?;
    txn.commit().await?;
    let session = Issued {
        user,
        family,
        scopes,
        athletes,
    };
    issue(keys, settings, session, refresh, now).await
}

/// Exchanges a refresh token for a new access token and its successor.
/// Exchanges a refresh token for a new session. A spent token presented again
/// revokes its family, whose id is pushed on `ended` although the call fails.
pub async fn refresh<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &KeyRing,
    settings: &AuthSettings,
    token: &str,
    now: DateTime<Utc>,
    ended: &mut Vec<Uuid>,
) -> Result<Session, ServiceError> {
    let now = now.trunc_subsecs(6);
    let row = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(digest(token)))
        .one(db)
        .await?
        .ok_or_else(|| refused("this refresh token is unknown; sign in again"))?;
    if row.revoked_at.is_some() {
        return Err(refused("this session was signed out; sign in again"));
    }
    if row.used_at.is_some() {
        revoke_reused(db, &row, now).await?;
        ended.push(row.family_id);
        tracing::warn!(user = %row.user_id, family = %row.family_id, "refresh token reused: session revoked");
        return Err(refused(
            "this refresh token was already used, so it may have been copied: the session is signed out everywhere it was used; sign in again",
        ));
    }
    if row.expires_at <= now {
        return Err(refused("this session has expired; sign in again"));
    }
    let user = user::Entity::find_by_id(row.user_id)
        .filter(directory::active())
        .one(db)
        .await?
        .ok_or_else(|| refused("this account no longer exists"))?;
    let txn = tessera_kit::db::begin_write(db).await?;
    // Spend the token; a concurrent refresh with the same token spends it first and
    // this one then counts as a reuse.
    let spent = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        drop(txn);
        revoke_reused(db, &row, now).await?;
        ended.push(row.family_id);
        return Err(refused(
            "this refresh token was already used, so it may have been copied: the session is signed out everywhere it was used; sign in again",
        ));
    }
    let scopes: Vec<String> = row.scopes.split_whitespace().map(str::to_owned).collect();
    let successor = new_refresh_token(&txn, settings, row.family_id, user.id, &scopes, now).await?;
    txn.commit().await?;
    let athletes = athletes_claim(db, &user).await?;
    let session = Issued {
        user,
        family: row.family_id,
        scopes,
        athletes,
    };
    issue(keys, settings, session, successor, now).await
}

/// Signs out the session `token` belongs to (spent or not): the session, when one was
/// live. Unknown tokens are a no-op (`None`, as for a session already signed out):
/// signing out must never tell whether a token existed.
pub async fn sign_out(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, ServiceError> {
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(digest(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let revoked = revoke_family(db, row.family_id, now.trunc_subsecs(6)).await?;
    Ok((revoked > 0).then_some(row.family_id))
}

/// What revoking a user's sessions ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ended {
    /// The sessions (refresh-token families) that were live.
    pub sessions: Vec<Uuid>,
    /// How many refresh tokens were revoked.
    pub tokens: u64,
}

/// Signs the caller out of every session.
pub async fn sign_out_everywhere<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    access: &Access,
    now: DateTime<Utc>,
) -> Result<Ended, ServiceError> {
    let me = access.require()?;
    let txn = tessera_kit::db::begin_write(db).await?;
    let ended = revoke_user(&txn, me.id, now).await?;
    let event = Event::new(actions::SIGNED_OUT_EVERYWHERE)
        .by(me.id)
        .on(me.id)
        .with(serde_json::json!({ "sessions": ended.sessions }));
    audit::append(&txn, event, now).await?;
    txn.commit().await?;
    Ok(ended)
}

/// Revokes every live refresh token of `user_id` (sign-out everywhere, password change,
/// account deletion).
pub async fn revoke_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Ended, ServiceError> {
    let live = refresh_token::Column::RevokedAt.is_null();
    let mut sessions: Vec<Uuid> = refresh_token::Entity::find()
        .select_only()
        .column(refresh_token::Column::FamilyId)
        .distinct()
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(live.clone())
        .into_tuple()
        .all(db)
        .await?;
    sessions.sort_unstable();
    let result = refresh_token::Entity::update_many()
        .col_expr(
            refresh_token::Column::RevokedAt,
            Expr::value(now.trunc_subsecs(6)),
        )
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(live)
        .exec(db)
        .await?;
    Ok(Ended {
        sessions,
        tokens: result.rows_affected,
    })
}

/// Changes the caller's password after checking the current one; every session is
/// signed out (what ended is returned).
pub async fn change_password<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    access: &Access,
    current: &str,
    new: &str,
    now: DateTime<Utc>,
) -> Result<Ended, ServiceError> {
    let me = access.require()?;
    let hash = credential::Entity::find_by_id(me.id)
        .one(db)
        .await?
        .map(|c| c.password_hash);
    if !passwords::verify(current, hash).await {
        return Err(ServiceError::invalid(
            "currentPassword",
            "the current password is wrong",
        ));
    }
    passwords::validate(new, "newPassword")?;
    let hash = passwords::hash(new).await?;
    let txn = tessera_kit::db::begin_write(db).await?;
    store_hash(&txn, me.id, hash, now).await?;
    let ended = revoke_user(&txn, me.id, now).await?;
    let event = Event::new(actions::PASSWORD_CHANGED)
        .by(me.id)
        .on(me.id)
        .with(serde_json::json!({ "sessions_ended": ended.sessions }));
    audit::append(&txn, event, now).await?;
    txn.commit().await?;
    Ok(ended)
}

/// Ends the session of a refresh token presented again, and records it.
async fn revoke_reused<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    row: &refresh_token::Model,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let txn = tessera_kit::db::begin_write(db).await?;
    revoke_family(&txn, row.family_id, now).await?;
    let event = Event::new(actions::REFRESH_REUSED)
        .on(row.user_id)
        .with(serde_json::json!({ "session": row.family_id }));
    audit::append(&txn, event, now).await?;
    txn.commit().await?;
    Ok(())
}

async fn revoke_family(
    db: &impl ConnectionTrait,
    family: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    let result = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Hex SHA-256 of a token (surrounding whitespace ignored): what is stored of it.
pub(crate) fn digest(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct NewRefresh {
    token: String,
    expires_at: DateTime<Utc>,
}

async fn new_refresh_token(
    db: &impl ConnectionTrait,
    settings: &AuthSettings,
    family: Uuid,
    user_id: Uuid,
    scopes: &[String],
    now: DateTime<Utc>,
) -> Result<NewRefresh, ServiceError> {
    let now = now.trunc_subsecs(6);
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ServiceError::internal(format!("no randomness: {e}")))?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let expires_at = now + settings.refresh_ttl;
    refresh_token::Entity::insert(refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family),
        user_id: Set(user_id),
        token_hash: Set(digest(&token)),
        scopes: Set(scopes.join(" ")),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(NewRefresh { token, expires_at })
}

/// The `athletes` claim of `user`'s next access token: their roster if they hold the
/// coach role, nothing otherwise.
async fn athletes_claim(
    db: &impl ConnectionTrait,
    user: &user::Model,
) -> Result<Vec<String>, ServiceError> {
    if !user.roles().has(Role::Coach) {
        return Ok(Vec::new());
    }
    Ok(coaching::roster_of(db, user.id)
        .await?
        .iter()
        .map(Uuid::to_string)
        .collect())
}

/// Who an access token is for.
struct Issued {
    user: user::Model,
    family: Uuid,
    scopes: Vec<String>,
    athletes: Vec<String>,
}

async fn issue(
    keys: &KeyRing,
    settings: &AuthSettings,
    issued: Issued,
    refresh: NewRefresh,
    now: DateTime<Utc>,
) -> Result<Session, ServiceError> {
    let Issued {
        user,
        family,
        scopes,
        athletes,
    } = issued;
    let roles = user.roles().to_vec().into_iter().map(role_name).collect();
    let (access_token, expires_at) = access_token(
        keys,
        settings,
        TokenFor {
            user: &user,
            sid: family,
            roles,
            scopes: &scopes,
            athletes,
        },
        now,
    )
    .await?;
    Ok(Session {
        access_token,
        expires_at,
        refresh_token: refresh.token,
        refresh_expires_at: refresh.expires_at,
        scopes,
        user,
    })
}

/// What an access token says.
pub(crate) struct TokenFor<'a> {
    /// Its subject.
    pub user: &'a user::Model,
    /// The session (`sid`): a refresh-token family, or an API key.
    pub sid: Uuid,
    /// Roles it grants (a subset of the user's).
    pub roles: Vec<&'static str>,
    /// Scopes it grants.
    pub scopes: &'a [String],
    /// A coach's athletes.
    pub athletes: Vec<String>,
}

/// Signs an access token with the current key; returns it and when it expires.
pub(crate) async fn access_token(
    keys: &KeyRing,
    settings: &AuthSettings,
    token: TokenFor<'_>,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), ServiceError> {
    let key = keys.signing_key(now).await?;
    let now = now.trunc_subsecs(0);
    let expires_at = now + settings.access_ttl;
    let scope = token.scopes.join(" ");
    let claims = AccessClaims {
        iss: ISSUER,
        aud: AUDIENCE,
        sub: token.user.id.to_string(),
        iat: now.timestamp(),
        nbf: now.timestamp(),
        exp: expires_at.timestamp(),
        jti: Uuid::now_v7().to_string(),
        sid: token.sid.to_string(),
        roles: token.roles,
        scope: &scope,
        tier: tier_name(token.user.subscription_tier),
        athletes: token.athletes,
    };
    let mut header = Header::new(Ed25519Key::ALGORITHM);
    header.kid = Some(key.kid().to_owned());
    let signed = jsonwebtoken::encode(&header, &claims, &key.encoding_key())
        .map_err(|e| ServiceError::internal(format!("signing: {e}")))?;
    Ok((signed, expires_at))
}

/// Checks a sign-up's password before the account is created.
pub fn validate_new_password(password: &str) -> Result<(), ServiceError> {
    passwords::validate(password, "password")
}
