//! Input types.

use async_graphql::{ID, InputObject, Result};

use crate::{
    entity::kinds::{Channel, NotificationKind},
    graphql::context::uuid_arg,
    service::{sending::Send, settings::Preference},
};

/// A notification to send.
#[derive(InputObject)]
pub struct SendNotificationInput {
    /// Who receives it (1–100 users).
    pub recipient_ids: Vec<ID>,
    /// What it is about.
    pub kind: NotificationKind,
    /// Title (1–120 characters).
    pub title: String,
    /// Text (at most 2000 characters).
    #[graphql(default)]
    pub body: String,
    /// A JSON object for the app, as text (at most 4 KiB).
    pub data: Option<String>,
    /// The sender's key for this send: retrying with the same key never sends twice.
    pub idempotency_key: String,
}

impl SendNotificationInput {
    /// The service's input.
    pub fn into_send(self) -> Result<Send> {
        Ok(Send {
            recipient_ids: self
                .recipient_ids
                .iter()
                .map(|id| uuid_arg(id, "recipientIds"))
                .collect::<Result<_>>()?,
            kind: self.kind,
            title: self.title,
            body: self.body,
            data: self.data,
            idempotency_key: self.idempotency_key,
        })
    }
}

/// One preference to set.
#[derive(InputObject)]
pub struct NotificationPreferenceInput {
    /// The kind.
    pub kind: NotificationKind,
    /// The channel.
    pub channel: Channel,
    /// Whether it is on.
    pub enabled: bool,
}

impl From<NotificationPreferenceInput> for Preference {
    fn from(p: NotificationPreferenceInput) -> Self {
        Preference {
            kind: p.kind,
            channel: p.channel,
            enabled: p.enabled,
        }
    }
}

/// Quiet hours to set.
#[derive(InputObject)]
pub struct QuietHoursInput {
    /// Start, local time `HH:MM`.
    pub start: String,
    /// End, local time `HH:MM`.
    pub end: String,
    /// The IANA zone of these times (the device's), e.g. `Europe/Berlin`.
    pub timezone: String,
}
