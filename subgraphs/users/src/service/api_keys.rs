//! API keys issued to partners.
//!
//! A partner (a user holding the partner role) creates keys for their programs and
//! revokes them; administrators may revoke anyone's. A key is `tsk_` and 43 characters
//! of base64url (32 random bytes); it is shown once, at creation: only its SHA-256 is
//! stored, with its first 12 characters to recognise it by.
//!
//! The router exchanges a key for a short-lived access token ([`exchange`], served at
//! `POST /api-keys/exchange`) that grants the `partner` role only, whatever else the
//! owner holds, and verifies that token like any other. A revoked key, or one whose
//! owner is deleted or is no longer a partner, is refused at its next exchange.

use std::collections::HashMap;

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionSession, TransactionTrait, sea_query::Expr,
};
use tessera_kit::{error::ServiceError, loader::GroupedQuery};
use uuid::Uuid;

use crate::{
    entity::{
        api_key,
        user::{self, Role},
    },
    service::{
        access::Access,
        audit::{self, Event, actions},
        directory,
        keys::KeyRing,
        sessions::{self, AuthSettings, TokenFor, digest, refused},
    },
};

/// What every key starts with (so leaked keys are easy to scan for).
pub const PREFIX: &str = "tsk_";
/// Live (unrevoked) keys one partner may hold.
pub const MAX_LIVE: u64 = 10;
/// Longest name, in characters.
pub const NAME_MAX: usize = 64;
/// How many characters of a key are kept to recognise it by.
const SHOWN: usize = 12;
/// `last_used_at` is written at most this often per key.
const LAST_USED_EVERY: Duration = Duration::minutes(1);

const UNKNOWN: &str = "the API key is unknown or revoked";

/// A key just created: the key itself (shown once) and its record.
#[derive(Debug, Clone)]
pub struct Created {
    /// The key; nothing keeps it after this.
    pub key: String,
    /// Its record.
    pub record: api_key::Model,
}

/// Creates a key named `name` for the caller, who must be a partner.
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    access: &Access,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Created, ServiceError> {
    let me = access.require()?;
    if !me.roles().has(Role::Partner) {
        return Err(ServiceError::Forbidden(
            "API keys are issued to partners only".to_owned(),
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(ServiceError::invalid(
            "name",
            format!("a key's name is 1 to {NAME_MAX} characters"),
        ));
    }
    let live = api_key::Entity::find()
        .filter(api_key::Column::OwnerId.eq(me.id))
        .filter(api_key::Column::RevokedAt.is_null())
        .count(db)
        .await?;
    if live >= MAX_LIVE {
        return Err(ServiceError::invalid(
            "name",
            format!("a partner holds at most {MAX_LIVE} live API keys: revoke one first"),
        ));
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ServiceError::internal(format!("no randomness: {e}")))?;
    let key = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let record = api_key::Model {
        id: Uuid::now_v7(),
        owner_id: me.id,
        name: name.to_owned(),
        prefix: key[..SHOWN].to_owned(),
        key_hash: digest(&key),
        created_at: now.trunc_subsecs(6),
        last_used_at: None,
        revoked_at: None,
    };
    let txn = tessera_kit::db::begin_write(db).await?;
    api_key::Entity::insert(api_key::ActiveModel::from(record.clone()))
        .exec_without_returning(&txn)
        .await?;
    let event = Event::new(actions::API_KEY_CREATED)
        .by(me.id)
        .on(record.id)
        .with(serde_json::json!({ "owner": me.id, "name": record.name, "prefix": record.prefix }));
    audit::append(&txn, event, now).await?;
    txn.commit().await?;
    Ok(Created { key, record })
}

/// Revokes key `id`: its owner or an administrator. Revoking twice keeps the first
/// time. Someone else's key is `NOT_FOUND`, as if it did not exist.
pub async fn revoke<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    access: &Access,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<api_key::Model, ServiceError> {
    let me = access.require()?;
    let not_found = || ServiceError::NotFound(format!("no API key {id}"));
    let mut row = api_key::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    if row.owner_id != me.id && !access.is_admin() {
        return Err(not_found());
    }
    if row.revoked_at.is_none() {
        let now = now.trunc_subsecs(6);
        let txn = tessera_kit::db::begin_write(db).await?;
        api_key::Entity::update_many()
            .col_expr(api_key::Column::RevokedAt, Expr::value(now))
            .filter(api_key::Column::Id.eq(id))
            .filter(api_key::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        let event = Event::new(actions::API_KEY_REVOKED)
            .by(me.id)
            .on(id)
            .with(serde_json::json!({ "owner": row.owner_id, "prefix": row.prefix }));
        audit::append(&txn, event, now).await?;
        txn.commit().await?;
        row.revoked_at = Some(now);
    }
    Ok(row)
}

/// Whether the caller may see `owner`'s keys: the partner themself and administrators.
pub fn may_see(access: &Access, owner: Uuid) -> Result<(), ServiceError> {
    if access.is(owner) || access.is_admin() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "only the partner and administrators may see their API keys".to_owned(),
        ))
    }
}

/// Each owner's keys, newest first, revoked ones included, in one statement (see
/// [`may_see`] for who may read them).
pub struct KeysOf;

impl GroupedQuery for KeysOf {
    type Args = ();
    type Value = Vec<api_key::Model>;

    async fn load(
        db: &DatabaseConnection,
        owners: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        let rows = api_key::Entity::find()
            .filter(api_key::Column::OwnerId.is_in(owners.iter().copied()))
            .order_by_desc(api_key::Column::CreatedAt)
            .order_by_desc(api_key::Column::Id)
            .all(db)
            .await?;
        let mut out: HashMap<Uuid, Self::Value> = HashMap::new();
        for row in rows {
            out.entry(row.owner_id).or_default().push(row);
        }
        Ok(out)
    }
}

/// An access token for the holder of `key`: the owner, with the partner role only.
/// `CredentialsRefused` for a key that is malformed, unknown or revoked, or whose owner
/// is deleted or no longer a partner.
pub async fn exchange(
    db: &impl ConnectionTrait,
    keys: &KeyRing,
    settings: &AuthSettings,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), ServiceError> {
    let key = key.trim();
    if !key.starts_with(PREFIX) {
        return Err(refused(UNKNOWN));
    }
    let row = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(digest(key)))
        .filter(api_key::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| refused(UNKNOWN))?;
    let owner: user::Model = directory::by_id(db, row.owner_id)
        .await?
        .ok_or_else(|| refused(UNKNOWN))?;
    if !owner.roles().has(Role::Partner) {
        return Err(refused("the API key's owner is no longer a partner"));
    }
    if row
        .last_used_at
        .is_none_or(|last| now - last >= LAST_USED_EVERY)
    {
        api_key::Entity::update_many()
            .col_expr(
                api_key::Column::LastUsedAt,
                Expr::value(now.trunc_subsecs(6)),
            )
            .filter(api_key::Column::Id.eq(row.id))
            .exec(db)
            .await?;
    }
    sessions::access_token(
        keys,
        settings,
        TokenFor {
            user: &owner,
            sid: row.id,
            roles: vec![sessions::role_name(Role::Partner)],
            scopes: &[],
            athletes: Vec::new(),
        },
        now,
    )
    .await
}
