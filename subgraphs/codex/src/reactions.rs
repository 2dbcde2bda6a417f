//! What the codex domain does with other domains' events: a deleted account's entries are
//! erased (soft-deleted now, purged after their retention) and the erasure confirmed.

use chrono::Utc;
use sea_orm::DatabaseTransaction;
use tessera_kit::events::{Envelope, Event, Handled, Handler, catalogue::AccountDeleted};

use crate::service::privacy;

/// This domain's name as a producer of events.
pub const PRODUCER: &str = "codex";

/// The codex domain's handler.
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
            let entries = privacy::erase_owner(txn, deleted.user_id, now).await?;
            tessera_kit::privacy::confirm_erasure(
                txn,
                PRODUCER,
                deleted.user_id,
                [("entries", entries)],
                now,
            )
            .await?;
            Ok(())
        })
    }
}
