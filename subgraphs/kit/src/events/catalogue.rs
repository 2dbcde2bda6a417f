//! Every event between domains, one type each. A payload change a consumer could not
//! read bumps the version; `docs/events.md` lists producers, consumers and payloads.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Envelope, Event, Family};

/// `impl Event for $ty`: its kind, version and family, and the field naming its aggregate.
macro_rules! event {
    ($ty:ident, $kind:literal, $version:literal, $family:ident, $aggregate:ident) => {
        impl Event for $ty {
            const KIND: &'static str = $kind;
            const VERSION: u32 = $version;
            const FAMILY: Family = Family::$family;

            fn aggregate(&self) -> String {
                self.$aggregate.to_string()
            }
        }
    };
}

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

event!(AccountDeleted, "account.deleted", 1, Account, user_id);

/// users: `coach_id` now coaches `athlete_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoachingLinked {
    /// The coach.
    pub coach_id: Uuid,
    /// The athlete.
    pub athlete_id: Uuid,
}

event!(CoachingLinked, "coaching.linked", 1, Coaching, athlete_id);

/// users: `coach_id` no longer coaches `athlete_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoachingUnlinked {
    /// The coach.
    pub coach_id: Uuid,
    /// The athlete.
    pub athlete_id: Uuid,
}

event!(
    CoachingUnlinked,
    "coaching.unlinked",
    1,
    Coaching,
    athlete_id
);

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

event!(WorkoutStarted, "workout.started", 1, Training, workout_id);

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

event!(
    WorkoutCompleted,
    "workout.completed",
    1,
    Training,
    workout_id
);

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

event!(PlanAssigned, "plan.assigned", 1, Training, plan_id);

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

event!(
    JournalEntryShared,
    "journal.entry_shared",
    1,
    Journal,
    entry_id
);

/// notifications: a notification reached a person's inbox (live subscriptions show it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationCreated {
    /// The notification.
    pub notification_id: Uuid,
    /// Whose inbox.
    pub recipient_id: Uuid,
}

event!(
    NotificationCreated,
    "notification.created",
    1,
    Inbox,
    recipient_id
);

/// notifications: a person read notifications (their unread count changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationsRead {
    /// Whose inbox.
    pub recipient_id: Uuid,
    /// How many were marked read.
    pub count: u64,
}

event!(
    NotificationsRead,
    "notifications.read",
    1,
    Inbox,
    recipient_id
);

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

event!(ErasureConfirmed, "erasure.confirmed", 1, Erasure, user_id);

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

event!(
    DeadLettered,
    "event.dead_lettered",
    1,
    Operations,
    dead_letter_id
);

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

event!(
    ReplayRequested,
    "event.replay_requested",
    1,
    Operations,
    dead_letter_id
);

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

event!(
    DeadLetterReplayed,
    "event.dead_letter_replayed",
    1,
    Operations,
    dead_letter_id
);

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
