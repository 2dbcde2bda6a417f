//! What the users domain does with other domains' events: erasure confirmations become
//! the erasure receipt; dead-letter reports and replay outcomes become the
//! administrators' list.

use chrono::Utc;
use sea_orm::DatabaseTransaction;
use tessera_kit::events::{
    Envelope, Event, HandleError, Handled, Handler,
    catalogue::{DeadLetterReplayed, DeadLettered, ErasureConfirmed},
};

use crate::service::{dead_letters, erasure};

/// The users domain's handler.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reactions;

impl Handler for Reactions {
    fn kinds(&self) -> &[&'static str] {
        &[
            ErasureConfirmed::KIND,
            DeadLettered::KIND,
            DeadLetterReplayed::KIND,
        ]
    }

    fn handle<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> Handled<'a> {
        Box::pin(async move {
            let now = Utc::now();
            match event.kind.as_str() {
                ErasureConfirmed::KIND => {
                    erasure::confirm(txn, &event.decode::<ErasureConfirmed>()?, now).await
                }
                DeadLettered::KIND => {
                    dead_letters::reported(txn, &event.decode::<DeadLettered>()?, now).await
                }
                DeadLetterReplayed::KIND => {
                    dead_letters::replayed(txn, &event.decode::<DeadLetterReplayed>()?, now).await
                }
                other => Err(HandleError::Rejected(format!(
                    "users does not take `{other}`"
                ))),
            }
        })
    }
}
