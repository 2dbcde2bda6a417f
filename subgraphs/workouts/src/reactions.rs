//! What the workouts domain does with other domains' events: a deleted account's
//! training (workouts, plans, assignments) is erased and the erasure confirmed. Ended
//! coaching links are honoured by the kit ([`tessera_kit::events::severing`]).

use chrono::Utc;
use sea_orm::DatabaseTransaction;
use tessera_kit::events::{Envelope, Event, Handled, Handler, catalogue::AccountDeleted};

use crate::service::privacy;

/// This domain's name as a producer of events.
pub const PRODUCER: &str = "workouts";

/// The workouts domain's handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reactions;

impl Handler for Reactions {
    fn kinds(&self) -> &[&'static str] {
        &[AccountDeleted::KIND]
    }

    fn handle<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> Handled<'a> {
        Box::pin(async move {
            let deleted = event.decode::<AccountDeleted>()?;
            let now = Utc::now();
            let erased = privacy::erase_owner(txn, deleted.user_id, now).await?;
            tessera_kit::privacy::confirm_erasure(
                txn,
                PRODUCER,
                deleted.user_id,
                [
                    ("workouts", erased.workouts),
                    ("plans", erased.plans),
                    ("assignments", erased.assignments),
                ],
                now,
            )
            .await?;
            Ok(())
        })
    }
}
