//! Erasure everywhere, the consuming side: a domain holding a person's data erases it
//! by its own rule when users announces the account deleted ([`AccountDeleted`]), and
//! confirms in the same transaction ([`ErasureConfirmed`], the erasure receipt's line).

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use super::{
    Envelope, Event, HandleError, Handled, Handler,
    catalogue::{AccountDeleted, ErasureConfirmed},
    outbox,
};
use crate::error::ServiceError;

/// A future erasing a person's rows: what it erased, by kind of row.
pub type Erased<'a> = std::pin::Pin<
    Box<dyn Future<Output = Result<Vec<(&'static str, u64)>, ServiceError>> + Send + 'a>,
>;

/// Erases `owner`'s rows in `txn` at `now`.
pub type Erase = for<'a> fn(&'a DatabaseTransaction, Uuid, DateTime<Utc>) -> Erased<'a>;

/// Takes an `account.deleted` event: erases with `erase`, then confirms as `domain`.
pub async fn erase_and_confirm(
    txn: &DatabaseTransaction,
    event: &Envelope,
    domain: &str,
    erase: Erase,
) -> Result<(), HandleError> {
    let deleted = event.decode::<AccountDeleted>()?;
    let now = Utc::now();
    let erased = erase(txn, deleted.user_id, now).await?;
    let confirmed = ErasureConfirmed {
        user_id: deleted.user_id,
        domain: domain.to_owned(),
        erased: erased
            .into_iter()
            .map(|(what, count)| (what.to_owned(), count))
            .collect(),
    };
    outbox::append(txn, domain, &confirmed, now).await?;
    Ok(())
}

/// The reactions of a domain whose only reaction is erasure.
#[derive(Debug, Clone, Copy)]
pub struct ErasureOnly {
    /// The domain.
    pub domain: &'static str,
    /// How it erases.
    pub erase: Erase,
}

impl Handler for ErasureOnly {
    fn kinds(&self) -> &[&'static str] {
        &[AccountDeleted::KIND]
    }

    fn handle<'a>(&'a self, txn: &'a DatabaseTransaction, event: &'a Envelope) -> Handled<'a> {
        Box::pin(erase_and_confirm(txn, event, self.domain, self.erase))
    }
}
