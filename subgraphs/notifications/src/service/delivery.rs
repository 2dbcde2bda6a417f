//! Delivering the outbox.
//!
//! Each channel is delivered by a [`ChannelProvider`]. The in-app inbox works out of the
//! box (the notification row *is* the inbox entry); push, email and SMS need a provider
//! that this build does not configure, so their deliveries are recorded as `skipped`
//! with the reason — never silently dropped. Push and SMS wait for the end of the
//! recipient's quiet hours. A failing provider is retried with back-off, then the
//! delivery is `failed`.
//!
//! The worker claims each due row with a conditional update (`pending` → `sending`), so
//! any number of replicas may run it without delivering a row twice.

use std::{collections::HashMap, future::Future, pin::Pin, sync::Arc};

use chrono::{DateTime, Duration, SubsecRound, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use tessera_kit::error::ServiceError;
use uuid::Uuid;

use crate::{
    entity::{
        delivery, device,
        kinds::{Channel, DeliveryStatus},
        notification,
    },
    service::settings,
};

/// Attempts before a delivery is given up as failed.
pub const MAX_ATTEMPTS: i32 = 5;

/// What a provider gets to deliver.
#[derive(Debug)]
pub struct Message<'a> {
    /// The notification.
    pub notification: &'a notification::Model,
    /// The recipient's devices (for push).
    pub devices: &'a [device::Model],
}

/// A provider's answer.
pub type Delivered<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Delivers one channel (APNs/FCM for push, an email or SMS gateway …).
pub trait ChannelProvider: Send + Sync {
    /// The channel it delivers.
    fn channel(&self) -> Channel;

    /// Delivers `message`; `Err` carries the provider's reason, and the delivery is
    /// retried.
    fn deliver<'a>(&'a self, message: &'a Message<'a>) -> Delivered<'a>;
}

/// The in-app inbox: the notification row is the entry, nothing to send.
#[derive(Debug, Clone, Copy, Default)]
pub struct InAppInbox;

impl ChannelProvider for InAppInbox {
    fn channel(&self) -> Channel {
        Channel::InApp
    }

    fn deliver<'a>(&'a self, _: &'a Message<'a>) -> Delivered<'a> {
        Box::pin(async { Ok(()) })
    }
}

/// The configured providers, by channel.
#[derive(Clone)]
pub struct Providers {
    by_channel: HashMap<Channel, Arc<dyn ChannelProvider>>,
}

impl Default for Providers {
    /// The in-app inbox only.
    fn default() -> Self {
        Self::none().with(Arc::new(InAppInbox))
    }
}

impl Providers {
    /// No providers at all.
    pub fn none() -> Self {
        Self {
            by_channel: HashMap::new(),
        }
    }

    /// Adds (or replaces) the provider of its channel.
    pub fn with(mut self, provider: Arc<dyn ChannelProvider>) -> Self {
        self.by_channel.insert(provider.channel(), provider);
        self
    }

    fn get(&self, channel: Channel) -> Option<&Arc<dyn ChannelProvider>> {
        self.by_channel.get(&channel)
    }
}

/// What one worker run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Delivered.
    pub delivered: usize,
    /// Recorded as skipped.
    pub skipped: usize,
    /// Put back to wait (quiet hours, retry back-off).
    pub deferred: usize,
    /// Given up.
    pub failed: usize,
}

/// Delivers up to `limit` due deliveries.
pub async fn deliver_due(
    db: &impl ConnectionTrait,
    providers: &Providers,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Report, ServiceError> {
    let now = now.trunc_subsecs(6);
    let due = delivery::Entity::find()
        .filter(delivery::Column::Status.eq(DeliveryStatus::Pending))
        .filter(delivery::Column::NotBefore.lte(now))
        .order_by_asc(delivery::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut claimed = Vec::with_capacity(due.len());
    for d in due {
        let won = delivery::Entity::update_many()
            .col_expr(
                delivery::Column::Status,
                Expr::value(DeliveryStatus::Sending),
            )
            .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
            .filter(delivery::Column::Id.eq(d.id))
            .filter(delivery::Column::Status.eq(DeliveryStatus::Pending))
            .exec(db)
            .await?
            .rows_affected
            == 1;
        if won {
            claimed.push(d);
        }
    }
    if claimed.is_empty() {
        return Ok(Report::default());
    }
    let recipients: Vec<Uuid> = claimed.iter().map(|d| d.recipient_id).collect();
    let notifications: HashMap<Uuid, notification::Model> = notification::Entity::find()
        .filter(notification::Column::Id.is_in(claimed.iter().map(|d| d.notification_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    let quiet = settings::quiet_hours_of(db, &recipients).await?;
    let devices = settings::devices_of(db, &recipients).await?;

    let mut report = Report::default();
    for d in claimed {
        let outcome = match notifications.get(&d.notification_id) {
            // Erased meanwhile (GDPR): nothing to deliver any more.
            None => Outcome::Skipped("the notification no longer exists".to_owned()),
            Some(n) if n.deleted_at.is_some() => {
                Outcome::Skipped("the notification no longer exists".to_owned())
            }
            Some(n) => {
                let quiet_end = quiet.get(&d.recipient_id).and_then(|q| {
                    let tz: Tz = q.timezone.parse().unwrap_or(Tz::UTC);
                    settings::quiet_until(q.start_minute, q.end_minute, tz, now)
                });
                let devices = devices.get(&d.recipient_id).map_or(&[][..], Vec::as_slice);
                match (providers.get(d.channel), quiet_end) {
                    (None, _) => Outcome::Skipped(format!(
                        "no {} provider is configured",
                        channel_name(d.channel)
                    )),
                    (Some(_), Some(until)) if d.channel.interrupts() => Outcome::Deferred(
                        until,
                        "held back until the recipient's quiet hours end".to_owned(),
                    ),
                    (Some(_), _) if d.channel == Channel::Push && devices.is_empty() => {
                        Outcome::Skipped("the recipient has no registered device".to_owned())
                    }
                    (Some(provider), _) => {
                        let message = Message {
                            notification: n,
                            devices,
                        };
                        match provider.deliver(&message).await {
                            Ok(()) => Outcome::Delivered,
                            Err(reason) if d.attempts + 1 >= MAX_ATTEMPTS => {
                                Outcome::Failed(reason)
                            }
                            Err(reason) => Outcome::Deferred(
                                now + Duration::seconds(30 << d.attempts.clamp(0, 10)),
                                format!("retrying: {reason}"),
                            ),
                        }
                    }
                }
            }
        };
        let (status, detail, not_before, attempted) = match outcome {
            Outcome::Delivered => {
                report.delivered += 1;
                (DeliveryStatus::Delivered, None, d.not_before, true)
            }
            Outcome::Skipped(why) => {
                report.skipped += 1;
                (DeliveryStatus::Skipped, Some(why), d.not_before, false)
            }
            Outcome::Deferred(until, why) => {
                report.deferred += 1;
                let attempted = why.starts_with("retrying");
                (DeliveryStatus::Pending, Some(why), until, attempted)
            }
            Outcome::Failed(why) => {
                report.failed += 1;
                (DeliveryStatus::Failed, Some(why), d.not_before, true)
            }
        };
        delivery::Entity::update_many()
            .col_expr(delivery::Column::Status, Expr::value(status))
            .col_expr(delivery::Column::Detail, Expr::value(detail))
            .col_expr(delivery::Column::NotBefore, Expr::value(not_before))
            .col_expr(
                delivery::Column::Attempts,
                Expr::value(d.attempts + i32::from(attempted)),
            )
            .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
            .filter(delivery::Column::Id.eq(d.id))
            .exec(db)
            .await?;
    }
    Ok(report)
}

enum Outcome {
    Delivered,
    Skipped(String),
    Deferred(DateTime<Utc>, String),
    Failed(String),
}

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::InApp => "in-app",
        Channel::Push => "push",
        Channel::Email => "email",
        Channel::Sms => "SMS",
    }
}
