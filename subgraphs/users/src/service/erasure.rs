//! Erasure everywhere: deleting an account tells every domain ([`AccountDeleted`]);
//! each erases the person's rows by its own rule and confirms ([`ErasureConfirmed`]);
//! this domain keeps the confirmations as the erasure receipt. The person is given a
//! receipt token when they delete their account (their sessions end with it), and can
//! read the receipt with it until the account is purged; administrators read anyone's.

use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    sea_query::OnConflict,
};
use tessera_kit::{
    error::ServiceError,
    events::{
        HandleError,
        catalogue::{AccountDeleted, ErasureConfirmed},
        outbox,
    },
};
use uuid::Uuid;

use crate::{
    entity::erasure::{receipt, request},
    service::sessions::digest,
};

/// Every domain that holds a person's data, users first: the receipt is complete when
/// each has confirmed.
pub const DOMAINS: [&str; 5] = ["users", "workouts", "notifications", "journal", "codex"];

/// This domain's name as a producer of events.
pub const PRODUCER: &str = "users";

/// A deleted account's erasure, as far as it has gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The account.
    pub user_id: Uuid,
    /// When its owner deleted it.
    pub requested_at: DateTime<Utc>,
    /// The domains that confirmed, in [`DOMAINS`] order.
    pub confirmed: Vec<receipt::Model>,
    /// The domains that have not yet.
    pub pending: Vec<&'static str>,
}

/// In `txn` (the deletion's transaction): announces the deletion to every domain,
/// records this domain's own part (the account hidden at once, its sessions ended by
/// the caller, its row purged after the retention) and returns the receipt token for
/// the person.
pub async fn request(
    txn: &impl ConnectionTrait,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let now = now.trunc_subsecs(6);
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ServiceError::internal(format!("no randomness: {e}")))?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let row = request::Model {
        user_id,
        token_hash: digest(&token),
        requested_at: now,
    };
    request::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(request::Column::UserId)
                .update_columns([request::Column::TokenHash, request::Column::RequestedAt])
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    outbox::append(
        txn,
        PRODUCER,
        &AccountDeleted {
            user_id,
            requested_at: now,
        },
        now,
    )
    .await?;
    let own = ErasureConfirmed {
        user_id,
        domain: PRODUCER.to_owned(),
        erased: BTreeMap::from([("account".to_owned(), 1)]),
    };
    confirm(txn, &own, now)
        .await
        .map_err(|e| ServiceError::internal(e.to_string()))?;
    Ok(token)
}

/// Records `confirmed` (a second confirmation from the same domain keeps the first).
pub async fn confirm(
    txn: &impl ConnectionTrait,
    confirmed: &ErasureConfirmed,
    now: DateTime<Utc>,
) -> Result<(), HandleError> {
    if !DOMAINS.contains(&confirmed.domain.as_str()) {
        return Err(HandleError::Rejected(format!(
            "`{}` is not a domain that holds personal data",
            confirmed.domain
        )));
    }
    let row = receipt::Model {
        user_id: confirmed.user_id,
        domain: confirmed.domain.clone(),
        confirmed_at: now.trunc_subsecs(6),
        detail: serde_json::to_string(&confirmed.erased).unwrap_or_default(),
    };
    receipt::Entity::insert(row.into_active_model())
        .on_conflict_do_nothing_on([receipt::Column::UserId, receipt::Column::Domain])
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// The receipt of the account whose deletion gave `token`, while it is not purged.
pub async fn by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<Receipt>, ServiceError> {
    let Some(asked) = request::Entity::find()
        .filter(request::Column::TokenHash.eq(digest(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(receipt_of(db, asked).await?))
}

/// The receipt of `user_id`'s erasure, if they deleted their account (for
/// administrators; the request is gone once the account is purged, the confirmations
/// stay, without a request time).
pub async fn of_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<Receipt>, ServiceError> {
    if let Some(asked) = request::Entity::find_by_id(user_id).one(db).await? {
        return Ok(Some(receipt_of(db, asked).await?));
    }
    let confirmed = confirmations(db, user_id).await?;
    let Some(first) = confirmed.iter().map(|r| r.confirmed_at).min() else {
        return Ok(None);
    };
    Ok(Some(assemble(user_id, first, confirmed)))
}

async fn receipt_of(
    db: &impl ConnectionTrait,
    asked: request::Model,
) -> Result<Receipt, ServiceError> {
    let confirmed = confirmations(db, asked.user_id).await?;
    Ok(assemble(asked.user_id, asked.requested_at, confirmed))
}

async fn confirmations(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<receipt::Model>, ServiceError> {
    Ok(receipt::Entity::find()
        .filter(receipt::Column::UserId.eq(user_id))
        .order_by_asc(receipt::Column::ConfirmedAt)
        .all(db)
        .await?)
}

fn assemble(user_id: Uuid, requested_at: DateTime<Utc>, confirmed: Vec<receipt::Model>) -> Receipt {
    let mut confirmed = confirmed;
    confirmed.sort_by_key(|r| DOMAINS.iter().position(|d| *d == r.domain));
    let pending = DOMAINS
        .into_iter()
        .filter(|d| !confirmed.iter().any(|r| r.domain == *d))
        .collect();
    Receipt {
        user_id,
        requested_at,
        confirmed,
        pending,
    }
}

/// Forgets the receipt tokens of purged accounts (`users`).
pub async fn forget_requests(
    db: &impl ConnectionTrait,
    users: &[Uuid],
) -> Result<u64, ServiceError> {
    if users.is_empty() {
        return Ok(0);
    }
    Ok(request::Entity::delete_many()
        .filter(request::Column::UserId.is_in(users.iter().copied()))
        .exec(db)
        .await?
        .rows_affected)
}
