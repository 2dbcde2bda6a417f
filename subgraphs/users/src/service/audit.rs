//! The tamper-evident audit log of sensitive actions.
//!
//! - **A hash chain.** Each record carries the previous record's hash and its own:
//!   SHA-256 over its place, time, actor, action, subject, detail and that previous
//!   hash ([`record_hash`]). A record appended in the action's own transaction moves
//!   the head (`audit_head`, one row) first: on PostgreSQL its row lock orders
//!   concurrent appends, on SQLite the write transaction already does. So places run
//!   from 1 without gaps, and the log commits with the action or not at all.
//! - **Checkpoints.** Every [`CHECKPOINT_EVERY`] (and at start), the head's place and
//!   hash are MAC'd (HMAC-SHA-256 under a key derived from the first key-encryption
//!   key, which never enters the database) into `audit_checkpoints`. Whoever can
//!   write the database but does not hold the KEK can edit a record and recompute the
//!   chain after it, but cannot vouch for the new hashes: the next checkpoint then
//!   disagrees.
//! - **Verification** ([`verify`], `tessera audit verify`) walks the log in order and
//!   names the first record that was edited (its hash is not its content's), deleted
//!   (a gap in the places, or fewer records than the head or a checkpoint counts),
//!   reordered or inserted (its previous hash is not the record before it), or
//!   rewritten (a checkpoint's hash is not the record's).
//!
//! What it cannot show: records removed from the end together with the head, after the
//! last checkpoint (at most [`CHECKPOINT_EVERY`] of them); keep checkpoints elsewhere
//! too (a log shipper) where that matters.

use std::{fmt, time::Duration};

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tessera_kit::error::ServiceError;
use uuid::Uuid;

use crate::{
    entity::audit::{checkpoint, head, record},
    service::{
        access::Access,
        key_encryption::{KeyEncryption, hex},
    },
};

/// The hash before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How often the head is checkpointed (when it moved).
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(60);

/// What the log records, by the names its records carry.
pub mod actions {
    /// A sign-in that succeeded.
    pub const SIGNED_IN: &str = "session.signed_in";
    /// A sign-in refused (wrong email or password); the subject is the email's account
    /// when there is one.
    pub const SIGN_IN_FAILED: &str = "session.sign_in_failed";
    /// A spent refresh token presented again: its session was ended.
    pub const REFRESH_REUSED: &str = "session.refresh_reused";
    /// Every session of a person signed out.
    pub const SIGNED_OUT_EVERYWHERE: &str = "session.signed_out_everywhere";
    /// A password changed.
    pub const PASSWORD_CHANGED: &str = "account.password_changed";
    /// An account's roles replaced.
    pub const ROLES_CHANGED: &str = "account.roles_changed";
    /// An account deleted.
    pub const ACCOUNT_DELETED: &str = "account.deleted";
    /// A coach linked to an athlete.
    pub const COACHING_LINKED: &str = "coaching.linked";
    /// A coach–athlete link removed.
    pub const COACHING_UNLINKED: &str = "coaching.unlinked";
    /// An API key created.
    pub const API_KEY_CREATED: &str = "api_key.created";
    /// An API key revoked.
    pub const API_KEY_REVOKED: &str = "api_key.revoked";
    /// Cached responses dropped by an administrator at the router (sent by the router).
    pub const CACHE_INVALIDATED: &str = tessera_identity::internal::AUDIT_CACHE_INVALIDATED;
    /// An operation refused because it is not a trusted document (sent by the router).
    pub const UNTRUSTED_REFUSED: &str = tessera_identity::internal::AUDIT_UNTRUSTED_REFUSED;
}

/// One sensitive action, to append.
#[derive(Debug, Clone)]
pub struct Event {
    /// Who acted (a user's id, `router`), none when unknown.
    pub actor: Option<String>,
    /// One of [`actions`].
    pub action: &'static str,
    /// What it concerns.
    pub subject: Option<String>,
    /// More, as JSON (never a secret: no password, token or key).
    pub detail: Value,
}

impl Event {
    /// `action`, by nobody known, about nothing in particular yet.
    pub fn new(action: &'static str) -> Self {
        Self {
            actor: None,
            action,
            subject: None,
            detail: Value::Object(serde_json::Map::new()),
        }
    }

    /// Done by the user `actor`.
    pub fn by(mut self, actor: Uuid) -> Self {
        self.actor = Some(actor.to_string());
        self
    }

    /// Done by `actor` (not a user: `router`).
    pub fn by_name(mut self, actor: &str) -> Self {
        self.actor = Some(actor.to_owned());
        self
    }

    /// Concerning `subject`.
    pub fn on(mut self, subject: impl fmt::Display) -> Self {
        self.subject = Some(subject.to_string());
        self
    }

    /// With `detail`.
    pub fn with(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// The hash of a record: SHA-256, in hex, over each field length-prefixed (so no two
/// records encode alike) after a version label.
pub fn record_hash(
    seq: i64,
    at: &DateTime<Utc>,
    actor: Option<&str>,
    action: &str,
    subject: Option<&str>,
    detail: &str,
    prev_hash: &str,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"tessera-audit-v1");
    let seq = seq.to_string();
    let at = timestamp(at);
    for field in [
        Some(seq.as_str()),
        Some(at.as_str()),
        actor,
        Some(action),
        subject,
        Some(detail),
        Some(prev_hash),
    ] {
        match field {
            None => hasher.update(b"\x00"),
            Some(text) => {
                hasher.update(b"\x01");
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text.as_bytes());
            }
        }
    }
    hex(&hasher.finalize())
}

/// The text a checkpoint's MAC is taken over.
fn checkpoint_message(seq: i64, hash: &str) -> Vec<u8> {
    format!("tessera-audit-checkpoint-v1\n{seq}\n{hash}").into_bytes()
}

fn timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Appends `event` inside `txn`, the action's own write transaction; its place.
pub async fn append(
    txn: &impl ConnectionTrait,
    event: Event,
    now: DateTime<Utc>,
) -> Result<i64, ServiceError> {
    // Moving the head first takes its lock (PostgreSQL) before anything is read.
    head::Entity::update_many()
        .col_expr(head::Column::Seq, Expr::col(head::Column::Seq).add(1))
        .filter(head::Column::Id.eq(1))
        .exec(txn)
        .await?;
    let head = head::Entity::find_by_id(1)
        .one(txn)
        .await?
        .ok_or_else(|| ServiceError::internal("the audit log has no head row"))?;
    let at = now.trunc_subsecs(6);
    let detail = event.detail.to_string();
    let hash = record_hash(
        head.seq,
        &at,
        event.actor.as_deref(),
        event.action,
        event.subject.as_deref(),
        &detail,
        &head.hash,
    );
    record::ActiveModel {
        seq: Set(head.seq),
        at: Set(at),
        actor: Set(event.actor),
        action: Set(event.action.to_owned()),
        subject: Set(event.subject),
        detail: Set(detail),
        prev_hash: Set(head.hash),
        hash: Set(hash.clone()),
    }
    .insert(txn)
    .await?;
    head::Entity::update_many()
        .col_expr(head::Column::Hash, Expr::value(hash))
        .filter(head::Column::Id.eq(1))
        .exec(txn)
        .await?;
    Ok(head.seq)
}

/// Appends `event` in a transaction of its own (an action that wrote nothing, such as
/// a refused sign-in).
pub async fn append_alone<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    event: Event,
    now: DateTime<Utc>,
) -> Result<i64, ServiceError> {
    let txn = tessera_kit::db::begin_write(db).await?;
    let seq = append(&txn, event, now).await?;
    txn.commit().await?;
    Ok(seq)
}

/// Checkpoints the head when it moved since the last checkpoint; the place vouched
/// for, if any. Replicas racing to checkpoint the same head make one row.
pub async fn checkpoint<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    keys: &KeyEncryption,
    now: DateTime<Utc>,
) -> Result<Option<i64>, ServiceError> {
    let txn = tessera_kit::db::begin_write(db).await?;
    let Some(head) = head::Entity::find_by_id(1).one(&txn).await? else {
        return Ok(None);
    };
    let done = checkpoint::Entity::find_by_id(head.seq).one(&txn).await?;
    if head.seq == 0 || done.is_some() {
        return Ok(None);
    }
    let (kek_id, mac) = keys.audit_mac(&checkpoint_message(head.seq, &head.hash));
    checkpoint::ActiveModel {
        seq: Set(head.seq),
        hash: Set(head.hash),
        kek_id: Set(kek_id),
        mac: Set(mac),
        at: Set(now.trunc_subsecs(6)),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Some(head.seq))
}

/// What an administrator's page of the log asks for.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Records after this place (0: from the first).
    pub after: i64,
    /// How many (1 to 500).
    pub first: u64,
    /// Only this action.
    pub action: Option<String>,
    /// Only records about this subject.
    pub subject: Option<String>,
}

/// A page of the log, oldest first (administrators only).
pub async fn list(
    db: &impl ConnectionTrait,
    access: &Access,
    page: &Page,
) -> Result<Vec<record::Model>, ServiceError> {
    access.require()?;
    if !access.is_admin() {
        return Err(ServiceError::Forbidden(
            "only administrators may read the audit log".to_owned(),
        ));
    }
    if !(1..=500).contains(&page.first) {
        return Err(ServiceError::invalid("first", "must be between 1 and 500"));
    }
    let mut query = record::Entity::find()
        .filter(record::Column::Seq.gt(page.after))
        .order_by_asc(record::Column::Seq)
        .limit(page.first);
    if let Some(action) = &page.action {
        query = query.filter(record::Column::Action.eq(action.as_str()));
    }
    if let Some(subject) = &page.subject {
        query = query.filter(record::Column::Subject.eq(subject.as_str()));
    }
    Ok(query.all(db).await?)
}

/// The first thing wrong with the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Records `first..=last` are not there: deleted.
    Missing {
        /// The first missing place.
        first: i64,
        /// The last missing place.
        last: i64,
    },
    /// The record's hash is not its content's: edited (or moved to another place).
    Altered {
        /// Its place.
        seq: i64,
    },
    /// The record's previous hash is not the hash of the record before it: records
    /// were reordered or inserted here.
    OutOfChain {
        /// Its place.
        seq: i64,
    },
    /// A checkpoint vouches for another hash than the record has: the chain up to it
    /// was recomputed after an edit.
    Rewritten {
        /// The checkpointed place.
        seq: i64,
        /// The last checkpoint before it that still matches (0: none).
        since: i64,
    },
    /// A checkpoint whose MAC is wrong: forged or altered.
    ForgedCheckpoint {
        /// Its place.
        seq: i64,
    },
}

impl Problem {
    /// The place it names.
    pub fn seq(&self) -> i64 {
        match self {
            Problem::Missing { first, .. } => *first,
            Problem::Altered { seq }
            | Problem::OutOfChain { seq }
            | Problem::Rewritten { seq, .. }
            | Problem::ForgedCheckpoint { seq } => *seq,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing { first, last } if first == last => {
                write!(f, "record {first} was deleted")
            }
            Problem::Missing { first, last } => {
                write!(f, "records {first} to {last} were deleted")
            }
            Problem::Altered { seq } => write!(
                f,
                "record {seq} was edited: its content does not give its hash"
            ),
            Problem::OutOfChain { seq } => write!(
                f,
                "record {seq} does not follow record {}: records were reordered or inserted here",
                seq - 1
            ),
            Problem::Rewritten { seq, since } => write!(
                f,
                "record {seq} is not the record checkpoint {seq} vouches for: the chain was rewritten after record {since}"
            ),
            Problem::ForgedCheckpoint { seq } => {
                write!(f, "checkpoint {seq} was forged or edited: its MAC is wrong")
            }
        }
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    /// Records read.
    pub records: u64,
    /// The last place read (0: none).
    pub last: i64,
    /// Checkpoints whose MAC was checked and held.
    pub checkpoints: u64,
    /// Checkpoints made under a KEK no longer configured (their ids): not checked.
    pub unverifiable: Vec<(i64, String)>,
    /// Everything wrong, by place; the first is the one to look at.
    pub problems: Vec<Problem>,
}

impl Verification {
    /// Whether nothing is wrong.
    pub fn intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// How many records are read at a time.
const BATCH: u64 = 1_000;

/// Walks the whole log and its checkpoints.
pub async fn verify(
    db: &impl ConnectionTrait,
    keys: &KeyEncryption,
) -> Result<Verification, ServiceError> {
    let mut found = Verification::default();
    let checkpoints = checkpoint::Entity::find()
        .order_by_asc(checkpoint::Column::Seq)
        .all(db)
        .await?;
    let mut vouched = std::collections::BTreeMap::new();
    for c in &checkpoints {
        match keys.audit_mac_matches(&c.kek_id, &checkpoint_message(c.seq, &c.hash), &c.mac) {
            Some(true) => {
                found.checkpoints += 1;
                vouched.insert(c.seq, c.hash.clone());
            }
            Some(false) => found
                .problems
                .push(Problem::ForgedCheckpoint { seq: c.seq }),
            None => found.unverifiable.push((c.seq, c.kek_id.clone())),
        }
    }
    let mut expected = 1;
    let mut previous = GENESIS.to_owned();
    let mut last_good_checkpoint = 0;
    loop {
        let batch = record::Entity::find()
            .filter(record::Column::Seq.gte(expected))
            .order_by_asc(record::Column::Seq)
            .limit(BATCH)
            .all(db)
            .await?;
        let Some(end) = batch.last().map(|r| r.seq) else {
            break;
        };
        for r in batch {
            if r.seq != expected {
                found.problems.push(Problem::Missing {
                    first: expected,
                    last: r.seq - 1,
                });
            } else if r.prev_hash != previous {
                found.problems.push(Problem::OutOfChain { seq: r.seq });
            }
            let computed = record_hash(
                r.seq,
                &r.at,
                r.actor.as_deref(),
                &r.action,
                r.subject.as_deref(),
                &r.detail,
                &r.prev_hash,
            );
            if computed != r.hash {
                found.problems.push(Problem::Altered { seq: r.seq });
            }
            if let Some(hash) = vouched.get(&r.seq) {
                if *hash == r.hash {
                    last_good_checkpoint = r.seq;
                } else {
                    found.problems.push(Problem::Rewritten {
                        seq: r.seq,
                        since: last_good_checkpoint,
                    });
                }
            }
            found.records += 1;
            found.last = r.seq;
            previous = r.hash;
            expected = r.seq + 1;
        }
        if end < expected - 1 {
            break;
        }
    }
    // Records the head or a checkpoint counts but the log no longer has: deleted from
    // the end.
    let head = head::Entity::find_by_id(1).one(db).await?;
    let counted = vouched
        .keys()
        .next_back()
        .copied()
        .into_iter()
        .chain(head.map(|h| h.seq))
        .max()
        .unwrap_or(0);
    if counted > found.last {
        found.problems.push(Problem::Missing {
            first: found.last + 1,
            last: counted,
        });
    }
    found.problems.sort_by_key(Problem::seq);
    Ok(found)
}
