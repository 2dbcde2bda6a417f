//! What the codex domain does with other domains' events: a deleted account's entries are
//! erased (soft-deleted now, purged after their retention) and the erasure confirmed.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use tessera_kit::events::erasure::{Erased, ErasureOnly};
use uuid::Uuid;

use crate::service::privacy;

/// This domain's name as a producer of events.
pub const PRODUCER: &str = "codex";

/// The codex domain's handler.
pub const REACTIONS: ErasureOnly = ErasureOnly {
    domain: PRODUCER,
    erase,
};

fn erase(txn: &DatabaseTransaction, owner: Uuid, now: DateTime<Utc>) -> Erased<'_> {
    Box::pin(async move {
        Ok(vec![(
            "entries",
            privacy::erase_owner(txn, owner, now).await?,
        )])
    })
}
