//! GDPR: the export of everything this domain holds about the caller, and the erasure
//! of the caller's rows. Notifications are a person's data: soft-deleted (hidden at
//! once; their pending deliveries are skipped by the worker). Devices, preferences,
//! quiet hours and coach contacts are settings: removed. Consent records are removed
//! too, but a pseudonymised copy goes to the consent ledger first, for the time claims
//! about consent can still come ([`super::ledger`]).

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionSession,
    TransactionTrait, sea_query::ExprTrait,
};
use tessera_kit::{error::ServiceError, privacy::OwnedRows};
use uuid::Uuid;

use crate::{
    entity::{
        coach_contact, coaching_link, consent, device, notification, preference, quiet_hours,
    },
    service::{access::Access, ledger},
};

/// Notifications belong to their recipient.
const NOTIFICATIONS: OwnedRows<notification::Entity> = OwnedRows {
    owner: notification::Column::RecipientId,
    order: notification::Column::Id,
    deleted_at: notification::Column::DeletedAt,
    updated_at: None,
};

/// Everything the notifications domain holds about one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// Their notifications, oldest first.
    pub notifications: Vec<notification::Model>,
    /// Their devices.
    pub devices: Vec<device::Model>,
    /// Their explicit preferences.
    pub preferences: Vec<preference::Model>,
    /// Their quiet hours.
    pub quiet_hours: Option<quiet_hours::Model>,
    /// Their consent history, oldest first.
    pub consents: Vec<consent::Model>,
    /// Coaches they accept messages from.
    pub coaches: Vec<Uuid>,
}

/// The caller's own data (GDPR Art. 15/20).
pub async fn export(
    db: &impl ConnectionTrait,
    access: &Access,
    now: DateTime<Utc>,
) -> Result<Export, ServiceError> {
    let me = access.require()?;
    Ok(Export {
        exported_at: now.trunc_subsecs(6),
        notifications: NOTIFICATIONS.export_live(db, me).await?,
        devices: device::Entity::find()
            .filter(device::Column::UserId.eq(me))
            .order_by_asc(device::Column::Id)
            .all(db)
            .await?,
        preferences: preference::Entity::find()
            .filter(preference::Column::UserId.eq(me))
            .all(db)
            .await?,
        quiet_hours: quiet_hours::Entity::find_by_id(me).one(db).await?,
        consents: consent::Entity::find()
            .filter(consent::Column::UserId.eq(me))
            .order_by_asc(consent::Column::Id)
            .all(db)
            .await?,
        coaches: coach_contact::Entity::find()
            .filter(coach_contact::Column::AthleteId.eq(me))
            .order_by_asc(coach_contact::Column::CoachId)
            .all(db)
            .await?
            .into_iter()
            .map(|c| c.coach_id)
            .collect(),
    })
}

/// What an erasure removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    /// Notifications hidden.
    pub notifications: u64,
    /// Devices removed.
    pub devices: u64,
    /// Consent records kept, pseudonymised, in the consent ledger.
    pub consent_records_kept: u64,
}

/// Erases the caller's rows in one transaction, keeping the consent ledger's copy of
/// their consent history.
pub async fn erase<C>(db: &C, access: &Access, now: DateTime<Utc>) -> Result<Erased, ServiceError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let me = access.require()?;
    let txn = tessera_kit::db::begin_write(db).await?;
    let erased = erase_owner(&txn, me, now).await?;
    txn.commit().await?;
    Ok(erased)
}

/// Erases `owner`'s rows in `txn` (theirs, or an erasure after their account was
/// deleted), keeping the consent ledger's pseudonymised copy of their consent history.
pub async fn erase_owner(
    txn: &impl ConnectionTrait,
    owner: Uuid,
    now: DateTime<Utc>,
) -> Result<Erased, ServiceError> {
    let me = owner;
    let notifications = NOTIFICATIONS.erase(txn, me, now).await?;
    let devices = device::Entity::delete_many()
        .filter(device::Column::UserId.eq(me))
        .exec(txn)
        .await?
        .rows_affected;
    preference::Entity::delete_many()
        .filter(preference::Column::UserId.eq(me))
        .exec(txn)
        .await?;
    quiet_hours::Entity::delete_by_id(me).exec(txn).await?;
    let history = consent::Entity::find()
        .filter(consent::Column::UserId.eq(me))
        .order_by_asc(consent::Column::Id)
        .all(txn)
        .await?;
    let consent_records_kept = ledger::keep(txn, me, &history, now).await?;
    consent::Entity::delete_many()
        .filter(consent::Column::UserId.eq(me))
        .exec(txn)
        .await?;
    coach_contact::Entity::delete_many()
        .filter(
            coach_contact::Column::AthleteId
                .eq(me)
                .or(coach_contact::Column::CoachId.eq(me)),
        )
        .exec(txn)
        .await?;
    coaching_link::Entity::delete_many()
        .filter(
            coaching_link::Column::AthleteId
                .eq(me)
                .or(coaching_link::Column::CoachId.eq(me)),
        )
        .exec(txn)
        .await?;
    Ok(Erased {
        notifications,
        devices,
        consent_records_kept,
    })
}
