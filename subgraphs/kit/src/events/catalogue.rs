//! Every event between domains, one type each. A payload change a consumer could not
//! read bumps the version; `docs/events.md` lists producers, consumers and payloads.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Envelope, Event, Family};

/// users: a person deleted their account. Every domain erases their rows by its own rule
/// and answers with [`ErasureConfirmed`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountDeleted {
    /// The account.
    pub user_id: Uuid,
    /// When they asked.
    pub requested_at: DateTime<Utc>,
}

impl Event for AccountDeleted {
    const KIND: &'static str = "account.deleted";
    const VERSION: u32 = 1;
    const FAMILY: Family = Family::Account;

    fn aggregate(&self) -> String {
        self.user_id.to_string()
    }
}

/// users: `coach_id` now coaches `athlete_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoachingLinked {
    /// The coach.
    pub coach_id: Uuid,
    /// The athlete.
    pub athlete_id: Uuid,
}

impl Event for CoachingLinked {
    const KIND: &'static str = "coaching.linked";
    const VERSION: u32 = 1;
    const FAMILY: Family = Family::Coaching;

    fn aggregate(&self) -> String {
        self.athlete_id.to_string()
    }
}

/// users: `coach_id` no longer coaches `athlete_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoachingUnlinked {
    /// The coach.
    pub coach_id: Uuid,
    /// The athlete.
    pub athlete_id: Uuid,
}

impl Event for CoachingUnlinked {
    const KIND: &'static str = "coaching.unlinked";
    const VERSION: u32 = 1;
    const FAMILY: Family = Family::Coaching;

    fn aggregate(&self) -> String {
        self.athlete_id.to_string()
    }
}

/// workouts: an athlete started a training session (logged its first set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkoutStarted {
    /// The session.
    pub workout_id: Uuid,
    /// Who trains.
    pub athlete_id: Uuid,
    /// When the first set was logged.
    pub started_at: DateTime<Utc>,
}

impl Event for WorkoutStarted {
    const KIND: &'static str = "workout.started";
    const VERSION: u32 = 1;
    const FAMILY: Family = Family::Training;

    fn aggregate(&self) -> String {
        self.workout_id.to_string()
    }
}

/// workouts: an athlete completed a training session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkoutCompleted {
    /// The session.
    pub workout_id: Uuid,
    /// Who trained.
    pub athlete_id: Uuid,
    /// The session's title.
    pub title: String,
    /// When it was completed.
    pub completed_at: DateTime<Utc>,
}

impl Event for WorkoutCompleted {
    const KIND: &'static str = "workout.completed";
    const VERSION: u32 = 1;
    const FAMILY: Family = Family::Training;

    fn aggregate(&self) -> String {
        self.workout_id.to_string()
    }
}

/// workouts: a coach assigned a plan to an athlete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanAssigned {
    /// The plan.
    pub plan_id: Uuid,
    /// Its name.
    pub plan_name: String,
    /// Who assigned it.
    pub coach_id: Uuid,
    /// To whom.
    pub athlete_id: Uuid,
}

impl Event for PlanAssigned {
    const KIND: &'static str = "plan.assigned";
    const VERSION: u32 = 1;
    const FAMILY: Family = Family::Training;

    fn aggregate(&self) -> String {
        self.plan_id.to_string()
    }
}

/// journal: an athlete shared a journal entry with a coach (on writing it, or later).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntryShared {
    /// The entry.
    pub entry_id: Uuid,
    /// Its author.
    pub author_id: Uuid,
    /// The coach it is shared with.
    pub coach_id: Uuid,
    /// Its title (the author chose to show it to the coach).
    pub title: String,
}

impl Event for JournalEntryShared {
    const KIND: &'static str = "journal.entry_shared";
    const VERSION: u32 = 1;
    const FAMILY: Family = Family::Journal;

    fn aggregate(&self) -> String {
        self.entry_id.to_string()
    }
}

/// notifications: a notification reached a person's inbox (live subscriptions show it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationCreated {
    /// The notification.
    pub notification_id: Uuid,
    /// Whose inbox.
    pub recipient_id: Uuid,
}

impl Event for NotificationCreated {
    const KIND: &'static str = "notification.created";
    const VERSION: u32 = 1;
    const FAMILY: Family = Family::Inbox;

    fn aggregate(&self) -> String {
        self.recipient_id.to_string()
    }
}

/// notifications: a person read notifications (their unread count changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationsRead {
    /// Whose inbox.
    pub recipient_id: Uuid,
    /// How many were marked read.
    pub count: u64,
}

impl Event for NotificationsRead {
    const KIND: &'static str = "notifications.read";
    const VERSION: u32 = 1;
    const FAMILY: Family = Family::Inbox;

    fn aggregate(&self) -> String {
        self.recipient_id.to_string()
    }
}

/// Any domain: it erased (or pseudonymised) a deleted account's rows; users keeps it as
/// the erasure receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErasureConfirmed {
    /// The account.
    pub user_id: Uuid,
    /// The domain that erased.
    pub domain: String,
    /// What it erased, by kind of row.
    pub erased: BTreeMap<String, u64>,
}

impl Event for ErasureConfirmed {
    const KIND: &'static str = "erasure.confirmed";
    const VERSION: u32 = 1;
    const FAMILY: Family = Family::Erasure;

    fn aggregate(&self) -> String {
        self.user_id.to_string()
    }
}

/// Any consumer: it parked an event it could not take; users lists it for
/// administrators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLettered {
    /// The dead letter (its id in the consumer's table).
    pub dead_letter_id: Uuid,
    /// The consumer that parked it.
    pub consumer: String,
    /// The event.
    pub event: Envelope,
    /// Why.
    pub error: String,
    /// Attempts made.
    pub attempts: u32,
}

impl Event for DeadLettered {
    const KIND: &'static str = "event.dead_lettered";
    const VERSION: u32 = 1;
    const FAMILY: Family = Family::Operations;

    fn aggregate(&self) -> String {
        self.dead_letter_id.to_string()
    }
}

/// users: an administrator asked `consumer` to take a dead letter again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplayRequested {
    /// The dead letter.
    pub dead_letter_id: Uuid,
    /// The consumer holding it.
    pub consumer: String,
    /// The administrator.
    pub requested_by: Option<Uuid>,
}

impl Event for ReplayRequested {
    const KIND: &'static str = "event.replay_requested";
    const VERSION: u32 = 1;
    const FAMILY: Family = Family::Operations;

    fn aggregate(&self) -> String {
        self.dead_letter_id.to_string()
    }
}

/// Any consumer: a replayed dead letter was handled, or failed again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetterReplayed {
    /// The dead letter.
    pub dead_letter_id: Uuid,
    /// The consumer holding it.
    pub consumer: String,
    /// Why it failed again; `None`: handled.
    pub error: Option<String>,
}

impl Event for DeadLetterReplayed {
    const KIND: &'static str = "event.dead_letter_replayed";
    const VERSION: u32 = 1;
    const FAMILY: Family = Family::Operations;

    fn aggregate(&self) -> String {
        self.dead_letter_id.to_string()
    }
}

/// The family of the events of `kind` this build knows.
pub fn family_of(kind: &str) -> Option<Family> {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, family)| *family)
}

/// Every kind this build knows, with its family.
pub const KINDS: &[(&str, Family)] = &[
    (AccountDeleted::KIND, AccountDeleted::FAMILY),
    (CoachingLinked::KIND, CoachingLinked::FAMILY),
    (CoachingUnlinked::KIND, CoachingUnlinked::FAMILY),
    (WorkoutStarted::KIND, WorkoutStarted::FAMILY),
    (WorkoutCompleted::KIND, WorkoutCompleted::FAMILY),
    (PlanAssigned::KIND, PlanAssigned::FAMILY),
    (JournalEntryShared::KIND, JournalEntryShared::FAMILY),
    (NotificationCreated::KIND, NotificationCreated::FAMILY),
    (NotificationsRead::KIND, NotificationsRead::FAMILY),
    (ErasureConfirmed::KIND, ErasureConfirmed::FAMILY),
    (DeadLettered::KIND, DeadLettered::FAMILY),
    (ReplayRequested::KIND, ReplayRequested::FAMILY),
    (DeadLetterReplayed::KIND, DeadLetterReplayed::FAMILY),
];
