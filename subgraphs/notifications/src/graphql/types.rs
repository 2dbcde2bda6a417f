//! The object types: `Notification`, `Delivery`, `Device`, preferences, quiet hours,
//! consent.

use async_graphql::{Context, ID, Object, Result, ResultExt, SimpleObject};
use chrono::{DateTime, Utc};

use crate::{
    entity::{
        consent, delivery, device,
        kinds::{Channel, DeliveryStatus, NotificationKind, Platform},
        notification, quiet_hours,
    },
    graphql::{context::loaders, user::User},
    service::settings::Preference,
};

/// A notification as GraphQL shows it.
#[derive(Clone)]
pub struct Notification(pub notification::Model);

tessera_kit::connection!(
    NotificationConnection,
    NotificationEdge,
    Notification,
    "A page of notifications, oldest first."
);

/// A message to one person: in their in-app inbox, and delivered on the other channels
/// they want.
#[Object]
impl Notification {
    /// Stable identifier (a UUIDv7).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// What it is about.
    async fn kind(&self) -> NotificationKind {
        self.0.kind
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Text.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// A JSON object for the app (deep link, ids), as text.
    async fn data(&self) -> &str {
        &self.0.data
    }

    /// Who sent it; `null` for the platform.
    async fn sender(&self) -> Option<User> {
        self.0.sender_id.map(|id| User::new(id, None))
    }

    /// Who receives it.
    async fn recipient(&self) -> User {
        User::new(self.0.recipient_id, None)
    }

    /// When it was sent.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the recipient read it, if they did.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }

    /// Where it stands on each channel the recipient wants.
    async fn deliveries(&self, ctx: &Context<'_>) -> Result<Vec<Delivery>> {
        Ok(loaders(ctx)
            .deliveries
            .load_one((self.0.id, ()))
            .await
            .extend()?
            .unwrap_or_default()
            .into_iter()
            .map(Delivery)
            .collect())
    }

    /// The sender's idempotency key: internal bookkeeping, hidden from the public API.
    #[graphql(inaccessible)]
    async fn idempotency_key(&self) -> &str {
        &self.0.idempotency_key
    }
}

/// A delivery as GraphQL shows it.
#[derive(Clone)]
pub struct Delivery(pub delivery::Model);

/// One notification on one channel: identified by both together.
#[Object]
impl Delivery {
    /// The notification.
    async fn notification_id(&self) -> ID {
        ID(self.0.notification_id.to_string())
    }

    /// The channel.
    async fn channel(&self) -> Channel {
        self.0.channel
    }

    /// Where it stands.
    async fn status(&self) -> DeliveryStatus {
        self.0.status
    }

    /// Attempts made with the channel's provider.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    /// Why it was skipped, held back or failed.
    async fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }

    /// Not delivered before this time (quiet hours, retry back-off).
    async fn not_before(&self) -> DateTime<Utc> {
        self.0.not_before
    }

    /// When its status last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// A device registered for push messages.
#[derive(SimpleObject)]
pub struct Device {
    /// Stable identifier (a UUIDv7).
    pub id: ID,
    /// Its platform.
    pub platform: Platform,
    /// The push service's token.
    pub token: String,
    /// When it was registered.
    pub registered_at: DateTime<Utc>,
}

impl From<device::Model> for Device {
    fn from(d: device::Model) -> Self {
        Self {
            id: ID(d.id.to_string()),
            platform: d.platform,
            token: d.token,
            registered_at: d.created_at,
        }
    }
}

/// Whether one kind of notification uses one channel.
#[derive(SimpleObject)]
pub struct NotificationPreference {
    /// The kind.
    pub kind: NotificationKind,
    /// The channel.
    pub channel: Channel,
    /// Whether it is on (the channel's default when never set).
    pub enabled: bool,
}

impl From<Preference> for NotificationPreference {
    fn from(p: Preference) -> Self {
        Self {
            kind: p.kind,
            channel: p.channel,
            enabled: p.enabled,
        }
    }
}

/// When push and SMS stay silent.
#[derive(SimpleObject)]
pub struct QuietHours {
    /// Start, local time `HH:MM`.
    pub start: String,
    /// End, local time `HH:MM` (before `start` when they span midnight).
    pub end: String,
    /// The IANA zone the delivery worker evaluates them in.
    pub timezone: String,
}

impl From<quiet_hours::Model> for QuietHours {
    fn from(q: quiet_hours::Model) -> Self {
        let clock = |m: i32| format!("{:02}:{:02}", m / 60, m % 60);
        Self {
            start: clock(q.start_minute),
            end: clock(q.end_minute),
            timezone: q.timezone,
        }
    }
}

/// Consent to a channel, as last recorded.
#[derive(SimpleObject)]
pub struct Consent {
    /// The channel.
    pub channel: Channel,
    /// Whether it is granted.
    pub granted: bool,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

impl From<consent::Model> for Consent {
    fn from(c: consent::Model) -> Self {
        Self {
            channel: c.channel,
            granted: c.granted,
            recorded_at: c.recorded_at,
        }
    }
}

/// What a send produced.
#[derive(SimpleObject)]
pub struct SendNotificationResult {
    /// One notification per recipient.
    pub notifications: Vec<Notification>,
    /// Whether an earlier attempt with the same idempotency key made them (a retry).
    pub replayed: bool,
}

/// Everything the notifications domain holds about the caller.
#[derive(SimpleObject)]
pub struct NotificationDataExport {
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// The caller's notifications with their deliveries, oldest first.
    pub notifications: Vec<Notification>,
    /// The caller's devices.
    pub devices: Vec<Device>,
    /// The preferences the caller set explicitly.
    pub preferences: Vec<NotificationPreference>,
    /// The caller's quiet hours.
    pub quiet_hours: Option<QuietHours>,
    /// The caller's whole consent history, oldest first.
    pub consents: Vec<Consent>,
    /// Coaches the caller accepts messages from.
    pub coach_ids: Vec<ID>,
}

/// What erasing the caller's notification data did.
#[derive(SimpleObject)]
pub struct NotificationDataErasure {
    /// Notifications hidden from every query.
    pub notifications: u64,
    /// Devices removed.
    pub devices: u64,
    /// Consent records kept, without your name or id, as evidence of the consent you
    /// gave or withdrew: removed after three years.
    pub consent_records_kept: u64,
}
