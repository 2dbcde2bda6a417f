//! Sending: authorised, idempotent, and transactional with its outbox.
//!
//! A send names an idempotency key. The first attempt writes one notification per
//! recipient and, in the same transaction, one delivery row per channel the recipient
//! wants (preference on, and consent recorded for email and SMS). A retry with the same
//! key — after a timeout, a crash, a network error — finds those rows and returns them:
//! it never creates a second notification. Two retries racing each other are settled by
//! the unique index on `(sender, key, recipient)`.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    SqlErr, TransactionSession, TransactionTrait,
};
use tessera_kit::{
    error::ServiceError,
    events::{catalogue::NotificationCreated, outbox},
};
use uuid::Uuid;

use crate::{
    entity::{
        coach_contact, delivery,
        kinds::{Channel, DeliveryStatus, NotificationKind},
        notification,
    },
    reactions::PRODUCER,
    service::{access::Access, settings, validation},
};

/// What a sender asks for.
#[derive(Debug, Clone)]
pub struct Send {
    /// Who receives it.
    pub recipient_ids: Vec<Uuid>,
    /// What it is about.
    pub kind: NotificationKind,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// A JSON object for the app.
    pub data: Option<String>,
    /// The sender's key for this send.
    pub idempotency_key: String,
}

/// What a send produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// One notification per recipient, in recipient order of the first attempt.
    pub notifications: Vec<notification::Model>,
    /// Whether these were made by an earlier attempt with the same key.
    pub replayed: bool,
}

/// Kinds a coach may send.
const COACH_KINDS: [NotificationKind; 3] = [
    NotificationKind::CoachMessage,
    NotificationKind::PlanAssigned,
    NotificationKind::WorkoutReminder,
];

/// Sends `input` as the caller.
pub async fn send<C>(
    db: &C,
    access: &Access,
    input: Send,
    now: DateTime<Utc>,
) -> Result<Sent, ServiceError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let sender = access.require()?;
    let key = validation::idempotency_key(&input.idempotency_key)?;
    let title = validation::title(&input.title)?;
    let body = validation::body(&input.body)?;
    let data = validation::data(input.data.as_deref())?;
    let recipients: Vec<Uuid> = {
        let mut seen = HashSet::new();
        input
            .recipient_ids
            .iter()
            .copied()
            .filter(|r| seen.insert(*r))
            .collect()
    };
    if recipients.is_empty() || recipients.len() > validation::RECIPIENTS_MAX {
        return Err(ServiceError::invalid(
            "recipientIds",
            "name 1 to 100 recipients",
        ));
    }
    authorise(db, access, sender, input.kind, &recipients).await?;

    if let Some(sent) = replay(db, sender, &key, &recipients).await? {
        return Ok(sent);
    }
    let now = now.trunc_subsecs(6);
    let channels = wanted_channels(db, &recipients, input.kind).await?;
    let notifications: Vec<notification::Model> = recipients
        .iter()
        .map(|r| notification::Model {
            id: Uuid::now_v7(),
            recipient_id: *r,
            sender_id: Some(sender),
            kind: input.kind,
            title: title.clone(),
            body: body.clone(),
            data: data.clone(),
            idempotency_key: key.clone(),
            created_at: now,
            read_at: None,
            deleted_at: None,
        })
        .collect();
    let deliveries: Vec<delivery::Model> = notifications
        .iter()
        .flat_map(|n| deliveries_of(n, channels.get(&n.recipient_id).into_iter().flatten(), now))
        .collect();

    match write(db, &notifications, &deliveries).await {
        Ok(()) => Ok(Sent {
            notifications,
            replayed: false,
        }),
        // A concurrent retry won the race: its rows are the send.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            replay(db, sender, &key, &recipients)
                .await?
                .ok_or(ServiceError::Internal(err))
        }
        Err(err) => Err(err.into()),
    }
}

/// The inbox's announcement of `notification` (live subscriptions), written in the
/// transaction that writes it.
fn announced(notification: &notification::Model) -> NotificationCreated {
    NotificationCreated {
        notification_id: notification.id,
        recipient_id: notification.recipient_id,
    }
}

/// One pending delivery of `notification` per channel.
fn deliveries_of<'a>(
    notification: &'a notification::Model,
    channels: impl IntoIterator<Item = &'a Channel> + 'a,
    now: DateTime<Utc>,
) -> impl Iterator<Item = delivery::Model> + 'a {
    channels.into_iter().map(move |channel| delivery::Model {
        id: Uuid::now_v7(),
        notification_id: notification.id,
        recipient_id: notification.recipient_id,
        channel: *channel,
        status: DeliveryStatus::Pending,
        attempts: 0,
        detail: None,
        not_before: now,
        updated_at: now,
    })
}

/// A notification the platform sends because of an event (an athlete's session
/// completed, a plan assigned): nobody's authority to check, the recipient's
/// preferences and quiet hours as for any other.
#[derive(Debug, Clone)]
pub struct Notice {
    /// Who receives it.
    pub recipient_id: Uuid,
    /// On whose behalf (the athlete, the coach), if anyone's.
    pub sender_id: Option<Uuid>,
    /// What it is about.
    pub kind: NotificationKind,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// A JSON object for the app.
    pub data: serde_json::Value,
    /// What makes it unique for its sender and recipient: the same notice written
    /// again is not written twice.
    pub key: String,
}

/// Writes `notice` in `txn` with its deliveries, unless it was written before or the
/// recipient wants no channel at all for its kind; the notification, if written.
pub async fn notify(
    txn: &impl ConnectionTrait,
    notice: Notice,
    now: DateTime<Utc>,
) -> Result<Option<notification::Model>, ServiceError> {
    let now = now.trunc_subsecs(6);
    let mut earlier = notification::Entity::find()
        .filter(notification::Column::RecipientId.eq(notice.recipient_id))
        .filter(notification::Column::IdempotencyKey.eq(notice.key.as_str()));
    earlier = match notice.sender_id {
        Some(sender) => earlier.filter(notification::Column::SenderId.eq(sender)),
        None => earlier.filter(notification::Column::SenderId.is_null()),
    };
    if earlier.one(txn).await?.is_some() {
        return Ok(None);
    }
    let channels = wanted_channels(txn, &[notice.recipient_id], notice.kind).await?;
    let channels = channels
        .get(&notice.recipient_id)
        .cloned()
        .unwrap_or_default();
    if channels.is_empty() {
        return Ok(None);
    }
    let written = notification::Model {
        id: Uuid::now_v7(),
        recipient_id: notice.recipient_id,
        sender_id: notice.sender_id,
        kind: notice.kind,
        title: validation::title(&notice.title)?,
        body: validation::body(&notice.body)?,
        data: notice.data.to_string(),
        idempotency_key: notice.key,
        created_at: now,
        read_at: None,
        deleted_at: None,
    };
    notification::Entity::insert(written.clone().into_active_model())
        .exec_without_returning(txn)
        .await?;
    outbox::append(txn, PRODUCER, &announced(&written), now).await?;
    delivery::Entity::insert_many(
        deliveries_of(&written, &channels, now).map(IntoActiveModel::into_active_model),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(Some(written))
}

async fn write<C>(
    db: &C,
    notifications: &[notification::Model],
    deliveries: &[delivery::Model],
) -> Result<(), DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = tessera_kit::db::begin_write(db).await?;
    notification::Entity::insert_many(
        notifications
            .iter()
            .cloned()
            .map(IntoActiveModel::into_active_model),
    )
    .exec_without_returning(&txn)
    .await?;
    let arrived: Vec<NotificationCreated> = notifications.iter().map(announced).collect();
    let at = notifications
        .first()
        .map_or_else(Utc::now, |n| n.created_at);
    outbox::append_all(&txn, PRODUCER, &arrived, at).await?;
    if !deliveries.is_empty() {
        delivery::Entity::insert_many(
            deliveries
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await
}

/// Administrators send anything to anyone; coaches send coaching kinds to their athletes
/// (the roster from users) who accept their messages; nobody else sends.
async fn authorise(
    db: &impl ConnectionTrait,
    access: &Access,
    sender: Uuid,
    kind: NotificationKind,
    recipients: &[Uuid],
) -> Result<(), ServiceError> {
    if access.is_admin() {
        return Ok(());
    }
    if !access.is_coach() {
        return Err(ServiceError::Forbidden(
            "only administrators and coaches may send notifications".to_owned(),
        ));
    }
    if !COACH_KINDS.contains(&kind) {
        return Err(ServiceError::Forbidden(
            "coaches may send coach messages, plan assignments and workout reminders".to_owned(),
        ));
    }
    let outside = recipients.iter().filter(|r| !access.coaches(**r)).count();
    if outside > 0 {
        return Err(ServiceError::Forbidden(format!(
            "{outside} of the recipients are not athletes you coach"
        )));
    }
    let accepting: HashSet<Uuid> = coach_contact::Entity::find()
        .filter(coach_contact::Column::CoachId.eq(sender))
        .filter(coach_contact::Column::AthleteId.is_in(recipients.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.athlete_id)
        .collect();
    let refused = recipients.iter().filter(|r| !accepting.contains(r)).count();
    if refused > 0 {
        return Err(ServiceError::Forbidden(format!(
            "{refused} of the recipients do not accept messages from you"
        )));
    }
    Ok(())
}

/// The rows an earlier attempt with `key` made, if any; `CONFLICT` when that attempt
/// went to other recipients (the key was reused for a different send).
async fn replay(
    db: &impl ConnectionTrait,
    sender: Uuid,
    key: &str,
    recipients: &[Uuid],
) -> Result<Option<Sent>, ServiceError> {
    let earlier = notification::Entity::find()
        .filter(notification::Column::SenderId.eq(sender))
        .filter(notification::Column::IdempotencyKey.eq(key))
        .order_by_asc(notification::Column::Id)
        .all(db)
        .await?;
    if earlier.is_empty() {
        return Ok(None);
    }
    let before: BTreeSet<Uuid> = earlier.iter().map(|n| n.recipient_id).collect();
    let now: BTreeSet<Uuid> = recipients.iter().copied().collect();
    if before != now {
        return Err(ServiceError::Conflict {
            field: Some("idempotencyKey".to_owned()),
            message: "this idempotency key was used for a send to other recipients".to_owned(),
        });
    }
    Ok(Some(Sent {
        notifications: earlier,
        replayed: true,
    }))
}

/// The channels each recipient wants for `kind`: preference on (or default), and for
/// email and SMS a standing consent. Two statements for any number of recipients.
async fn wanted_channels(
    db: &impl ConnectionTrait,
    recipients: &[Uuid],
    kind: NotificationKind,
) -> Result<HashMap<Uuid, Vec<Channel>>, ServiceError> {
    let preferences = settings::preferences_of(db, recipients).await?;
    let consents = settings::consents_of(db, recipients).await?;
    Ok(recipients
        .iter()
        .map(|r| {
            let consented: HashSet<Channel> = consents
                .get(r)
                .into_iter()
                .flatten()
                .filter(|c| c.granted)
                .map(|c| c.channel)
                .collect();
            let channels = preferences
                .get(r)
                .into_iter()
                .flatten()
                .filter(|p| p.kind == kind && p.enabled)
                .map(|p| p.channel)
                .filter(|c| !c.needs_consent() || consented.contains(c))
                .collect();
            (*r, channels)
        })
        .collect())
}
