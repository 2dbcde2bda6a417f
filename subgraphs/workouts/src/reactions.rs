//! What the workouts domain does with other domains' events: a deleted account's
//! training (workouts, plans, assignments) is erased and the erasure confirmed. Ended
//! coaching links are honoured by the kit ([`tessera_kit::events::severing`]).

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use tessera_kit::events::erasure::{Erased, ErasureOnly};
use uuid::Uuid;

use crate::service::privacy;

/// This domain's name as a producer of events.
pub const PRODUCER: &str = "workouts";

/// The workouts domain's handler.
pub const REACTIONS: ErasureOnly = ErasureOnly {
    domain: PRODUCER,
    erase,
};

fn erase(txn: &DatabaseTransaction, owner: Uuid, now: DateTime<Utc>) -> Erased<'_> {
    Box::pin(async move {
        let erased = privacy::erase_owner(txn, owner, now).await?;
        Ok(vec![
            ("workouts", erased.workouts),
            ("plans", erased.plans),
            ("assignments", erased.assignments),
        ])
    })
}
