//! The consent ledger: the evidence of consent an erasure keeps.
//!
//! Email and SMS go out only with the person's recorded consent, and the platform must
//! be able to show that it had it (GDPR Art. 7(1)): who consented, to what, when, and
//! when they withdrew. An erasure (Art. 17) removes the person's data, consent records
//! included, from every query; but a complaint or a claim about a message sent before
//! the erasure can come afterwards, and Art. 17(3)(e) lets a controller keep what it
//! needs to establish, exercise or defend legal claims. So the erasure does not simply
//! delete the consent history, it moves a minimal, pseudonymised copy here:
//!
//! - **No person in it.** No user id, name, email, device or message: only
//!   [`subject_hash`], a SHA-256 of the user id under a fixed label. User ids are
//!   UUIDv7s with 74 random bits, so the hash cannot be walked back by trying ids; it can
//!   only be matched by someone who already holds the id — the person (it is in their
//!   data export) or the platform answering a claim that names it ([`evidence_of`]).
//!   That is pseudonymisation (Art. 4(5)), not anonymisation: the ledger is still
//!   personal data, kept for this one purpose.
//! - **Only what proves consent:** the channel, whether it was given or withdrawn, when,
//!   and who made the record (the person, or the erasure withdrawing what still stood:
//!   after an erasure nothing may be sent on consent given before it).
//! - **For a bounded time:** [`RETENTION_DAYS`] after the erasure (three years:
//!   Germany's regular limitation period, § 195 BGB; other jurisdictions differ, and
//!   the figure is a legal decision, not a technical one), then the purge removes the
//!   rows ([`purge_expired`]). The deadline is stored on each row, so a later change of
//!   the policy never shortens or stretches what was decided at the time.
//! - **Not readable through the API.** No GraphQL field reads the ledger; the erasure
//!   tells the person how many records it kept.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};
use tessera_kit::error::ServiceError;
use uuid::Uuid;

use crate::entity::{
    consent,
    consent_ledger::{self, LedgerSource},
    kinds::Channel,
};

/// How long the ledger keeps an erased person's consent records: three years.
pub const RETENTION_DAYS: i64 = 3 * 365;

/// Separates these hashes from any other SHA-256 of a user id.
const LABEL: &str = "tessera consent ledger v1\n";

/// The ledger's name for the person `user`: SHA-256 of a fixed label and the id, in hex.
pub fn subject_hash(user: Uuid) -> String {
    let digest = Sha256::new()
        .chain_update(LABEL.as_bytes())
        .chain_update(user.hyphenated().to_string().as_bytes())
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the ledger records of `user`'s consent `history` (oldest first), erased at
/// `now`: a copy of each record, then a withdrawal for each channel whose latest record
/// still granted consent. Returns how many records it wrote. Runs inside the erasure's
/// transaction, so the history is never lost nor kept twice.
pub async fn keep(
    db: &impl ConnectionTrait,
    user: Uuid,
    history: &[consent::Model],
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    if history.is_empty() {
        return Ok(0);
    }
    let now = now.trunc_subsecs(6);
    let subject = subject_hash(user);
    let retain_until = now + Duration::days(RETENTION_DAYS);
    let row = |channel, granted, source, recorded_at| consent_ledger::Model {
        id: Uuid::now_v7(),
        subject_hash: subject.clone(),
        channel,
        granted,
        source,
        recorded_at,
        retain_until,
    };
    let mut rows: Vec<consent_ledger::Model> = history
        .iter()
        .map(|c| row(c.channel, c.granted, LedgerSource::Person, c.recorded_at))
        .collect();
    for channel in Channel::ALL {
        let standing = history
            .iter()
            .rev()
            .find(|c| c.channel == channel)
            .is_some_and(|c| c.granted);
        if standing {
            rows.push(row(channel, false, LedgerSource::Erasure, now));
        }
    }
    let written = rows.len() as u64;
    consent_ledger::Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
        .exec_without_returning(db)
        .await?;
    Ok(written)
}

/// The ledger records of the person whose user id is `user`, oldest first: what the
/// platform shows when a claim about their consent comes after an erasure.
pub async fn evidence_of(
    db: &impl ConnectionTrait,
    user: Uuid,
) -> Result<Vec<consent_ledger::Model>, ServiceError> {
    Ok(consent_ledger::Entity::find()
        .filter(consent_ledger::Column::SubjectHash.eq(subject_hash(user)))
        .order_by_asc(consent_ledger::Column::RecordedAt)
        .order_by_asc(consent_ledger::Column::Id)
        .all(db)
        .await?)
}

/// Removes the ledger records whose retention ended at or before `now`; how many.
pub async fn purge_expired(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    Ok(consent_ledger::Entity::delete_many()
        .filter(consent_ledger::Column::RetainUntil.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_hash_is_fixed_per_person_and_hides_the_id() {
        let id = Uuid::parse_str("01930000-0000-7000-8000-000000000004").expect("an id");
        let hash = subject_hash(id);
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, subject_hash(id), "the same person, the same name");
        assert_ne!(hash, subject_hash(Uuid::now_v7()));
        assert!(!hash.contains("01930000"), "{hash}");
        // Not a bare SHA-256 of the id: the label is part of it.
        let bare: String = Sha256::digest(id.to_string().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_ne!(hash, bare);
    }
}
