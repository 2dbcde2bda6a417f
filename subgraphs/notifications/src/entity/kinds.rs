//! The enumerations stored as short strings: kinds, channels, statuses, platforms.

use sea_orm::entity::prelude::*;

/// What a notification is about; preferences are set per kind.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum NotificationKind {
    /// A workout is coming up.
    #[sea_orm(string_value = "workout_reminder")]
    WorkoutReminder,
    /// A coach assigned a plan.
    #[sea_orm(string_value = "plan_assigned")]
    PlanAssigned,
    /// A coach wrote to their athlete.
    #[sea_orm(string_value = "coach_message")]
    CoachMessage,
    /// An athlete shared a journal entry with their coach.
    #[sea_orm(string_value = "journal_shared")]
    JournalShared,
    /// The platform itself (account, security, service news).
    #[sea_orm(string_value = "system")]
    System,
    /// An athlete the recipient coaches completed a training session.
    #[sea_orm(string_value = "athlete_progress")]
    AthleteProgress,
}

impl NotificationKind {
    /// Every kind.
    pub const ALL: [NotificationKind; 6] = [
        NotificationKind::WorkoutReminder,
        NotificationKind::PlanAssigned,
        NotificationKind::CoachMessage,
        NotificationKind::JournalShared,
        NotificationKind::System,
        NotificationKind::AthleteProgress,
    ];
}

/// Where a notification is delivered.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Channel {
    /// The app's inbox (the `notifications` list itself).
    #[sea_orm(string_value = "in_app")]
    InApp,
    /// A push message to the user's registered devices.
    #[sea_orm(string_value = "push")]
    Push,
    /// An email.
    #[sea_orm(string_value = "email")]
    Email,
    /// A text message.
    #[sea_orm(string_value = "sms")]
    Sms,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 4] = [Channel::InApp, Channel::Push, Channel::Email, Channel::Sms];

    /// Whether the channel is on when the user never said: the inbox and push are,
    /// email and SMS are not.
    pub const fn default_enabled(self) -> bool {
        matches!(self, Channel::InApp | Channel::Push)
    }

    /// Whether delivering needs the user's recorded consent (email and SMS).
    pub const fn needs_consent(self) -> bool {
        matches!(self, Channel::Email | Channel::Sms)
    }

    /// Whether quiet hours hold the channel back (it would wake the person up).
    pub const fn interrupts(self) -> bool {
        matches!(self, Channel::Push | Channel::Sms)
    }
}

/// Where one delivery stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DeliveryStatus {
    /// Waiting for the worker (possibly until quiet hours end).
    #[sea_orm(string_value = "pending")]
    Pending,
    /// Claimed by a worker, being delivered.
    #[sea_orm(string_value = "sending")]
    Sending,
    /// Delivered.
    #[sea_orm(string_value = "delivered")]
    Delivered,
    /// Not delivered on purpose: no provider configured for the channel, or nowhere to
    /// deliver to. Recorded, never silently dropped.
    #[sea_orm(string_value = "skipped")]
    Skipped,
    /// The provider refused it, and retries are exhausted.
    #[sea_orm(string_value = "failed")]
    Failed,
}

/// The platform of a device.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Platform {
    /// Apple's push service.
    #[sea_orm(string_value = "ios")]
    Ios,
    /// Firebase Cloud Messaging.
    #[sea_orm(string_value = "android")]
    Android,
    /// Web Push.
    #[sea_orm(string_value = "web")]
    Web,
}
