//! What the notifications domain does with other domains' events:
//!
//! - `account.deleted`: the person's notifications, devices, preferences and consents are
//!   erased (the consent ledger keeps its pseudonymised evidence) and the erasure
//!   confirmed;
//! - `coaching.linked` / `coaching.unlinked`: who coaches whom, kept so that
//! - `workout.completed`: each of the athlete's coaches is told (kind `ATHLETE_PROGRESS`,
//!   their preferences and quiet hours respected; one notification per session however
//!   often the event arrives);
//! - `plan.assigned`: the athlete is told (kind `PLAN_ASSIGNED`);
//! - `journal.entry_shared`: the coach is told (kind `JOURNAL_SHARED`), if they coach the
//!   author (sharing with anyone else notifies nobody).

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect,
};
use tessera_kit::events::{
    Envelope, Event, HandleError, Handled, Handler,
    catalogue::{
        AccountDeleted, CoachingLinked, CoachingUnlinked, JournalEntryShared, PlanAssigned,
        WorkoutCompleted,
    },
    erasure::{self, Erased},
};
use uuid::Uuid;

use crate::{
    entity::{coaching_link, kinds::NotificationKind},
    service::{
        privacy,
        sending::{self, Notice},
    },
};

/// This domain's name as a producer of events.
pub const PRODUCER: &str = "notifications";

/// The notifications domain's handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reactions;

impl Handler for Reactions {
    fn kinds(&self) -> &[&'static str] {
        &[
            AccountDeleted::KIND,
            CoachingLinked::KIND,
            CoachingUnlinked::KIND,
            WorkoutCompleted::KIND,
            PlanAssigned::KIND,
            JournalEntryShared::KIND,
        ]
    }

    fn handle<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> Handled<'a> {
        Box::pin(async move {
            match event.kind.as_str() {
                AccountDeleted::KIND => {
                    erasure::erase_and_confirm(txn, event, PRODUCER, erase).await
                }
                CoachingLinked::KIND => linked(txn, &event.decode()?).await,
                CoachingUnlinked::KIND => unlinked(txn, &event.decode()?).await,
                WorkoutCompleted::KIND => completed(txn, &event.decode()?).await,
                PlanAssigned::KIND => assigned(txn, &event.decode()?).await,
                JournalEntryShared::KIND => journal_shared(txn, &event.decode()?).await,
                other => Err(HandleError::Rejected(format!(
                    "{PRODUCER} does not take `{other}`"
                ))),
            }
        })
    }
}

fn erase(txn: &DatabaseTransaction, owner: Uuid, now: DateTime<Utc>) -> Erased<'_> {
    Box::pin(async move {
        let erased = privacy::erase_owner(txn, owner, now).await?;
        Ok(vec![
            ("notifications", erased.notifications),
            ("devices", erased.devices),
            ("consentRecordsPseudonymised", erased.consent_records_kept),
        ])
    })
}

async fn linked(txn: &DatabaseTransaction, made: &CoachingLinked) -> Result<(), HandleError> {
    let row = coaching_link::Model {
        coach_id: made.coach_id,
        athlete_id: made.athlete_id,
        linked_at: Utc::now().trunc_subsecs(6),
    };
    coaching_link::Entity::insert(row.into_active_model())
        .on_conflict_do_nothing_on([
            coaching_link::Column::CoachId,
            coaching_link::Column::AthleteId,
        ])
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

async fn unlinked(txn: &DatabaseTransaction, ended: &CoachingUnlinked) -> Result<(), HandleError> {
    coaching_link::Entity::delete_by_id((ended.coach_id, ended.athlete_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// The coaches of `athlete`, as users announced them.
async fn coaches_of(txn: &impl ConnectionTrait, athlete: Uuid) -> Result<Vec<Uuid>, HandleError> {
    Ok(coaching_link::Entity::find()
        .select_only()
        .column(coaching_link::Column::CoachId)
        .filter(coaching_link::Column::AthleteId.eq(athlete))
        .into_tuple()
        .all(txn)
        .await?)
}

async fn completed(txn: &DatabaseTransaction, done: &WorkoutCompleted) -> Result<(), HandleError> {
    let now = Utc::now();
    for coach in coaches_of(txn, done.athlete_id).await? {
        let notice = Notice {
            recipient_id: coach,
            sender_id: Some(done.athlete_id),
            kind: NotificationKind::AthleteProgress,
            title: "An athlete completed a session".to_owned(),
            body: done.title.clone(),
            data: serde_json::json!({
                "athleteId": done.athlete_id,
                "workoutId": done.workout_id,
                "completedAt": done.completed_at,
            }),
            key: format!("workout-completed:{}", done.workout_id),
        };
        sending::notify(txn, notice, now).await?;
    }
    Ok(())
}

async fn assigned(txn: &DatabaseTransaction, plan: &PlanAssigned) -> Result<(), HandleError> {
    let notice = Notice {
        recipient_id: plan.athlete_id,
        sender_id: Some(plan.coach_id),
        kind: NotificationKind::PlanAssigned,
        title: "Your coach assigned you a plan".to_owned(),
        body: plan.plan_name.clone(),
        data: serde_json::json!({ "planId": plan.plan_id, "coachId": plan.coach_id }),
        key: format!("plan-assigned:{}", plan.plan_id),
    };
    sending::notify(txn, notice, Utc::now()).await?;
    Ok(())
}

async fn journal_shared(
    txn: &DatabaseTransaction,
    entry: &JournalEntryShared,
) -> Result<(), HandleError> {
    if !coaches_of(txn, entry.author_id)
        .await?
        .contains(&entry.coach_id)
    {
        return Ok(());
    }
    let notice = Notice {
        recipient_id: entry.coach_id,
        sender_id: Some(entry.author_id),
        kind: NotificationKind::JournalShared,
        title: "An athlete shared a journal entry".to_owned(),
        body: entry.title.clone(),
        data: serde_json::json!({ "entryId": entry.entry_id, "athleteId": entry.author_id }),
        key: format!("journal-shared:{}", entry.entry_id),
    };
    sending::notify(txn, notice, Utc::now()).await?;
    Ok(())
}
