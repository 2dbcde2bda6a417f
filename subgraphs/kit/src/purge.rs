//! Removing for good what a person deleted, once its retention has passed.
//!
//! Every domain soft-deletes a person's rows when they ask for their data to be deleted
//! (and some when they delete one thing, such as a journal entry): the rows vanish from
//! every query at once but stay in the table, so that a mistaken deletion can be undone
//! by support and a restore within the window (the journal's) still works. A purge job in
//! each subgraph removes them after [`Retention::period`]. The domain decides *what* a
//! purge removes (its service function, tested with explicit times); this module only
//! runs it on a timer.

use std::{future::Future, time::Duration};

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    EntityTrait,
    sea_query::{Expr, ExprTrait, Query, SelectStatement},
};
use tokio::{task::JoinHandle, time::MissedTickBehavior};

use crate::error::ServiceError;

/// How long soft-deleted rows are kept, and how often the purge looks for expired ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// How long a soft-deleted row is kept before it is removed for good (30 days).
    pub period: chrono::Duration,
    /// How often the purge job runs (hourly): a row outlives its period by at most this.
    pub every: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            period: chrono::Duration::days(30),
            every: Duration::from_secs(3600),
        }
    }
}

impl Retention {
    /// The latest deletion time that is past retention at `now`: rows deleted at or
    /// before it are due. Truncated to microseconds, the precision rows are stored with.
    pub fn cutoff(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        (now - self.period).trunc_subsecs(6)
    }
}

/// `SELECT <id> FROM <E> WHERE <deleted_at> <= cutoff`: the rows of `E` past their
/// retention, as a subquery for removing their children before them (explicitly: SQLite
/// enforces `ON DELETE CASCADE` only with its `foreign_keys` pragma on).
pub fn expired<E: EntityTrait>(
    id: E::Column,
    deleted_at: E::Column,
    cutoff: DateTime<Utc>,
) -> SelectStatement {
    Query::select()
        .column(id)
        .from(E::default())
        .and_where(Expr::col(deleted_at).lte(cutoff))
        .to_owned()
}

/// Starts `purge` now and then every `every`, with the current time; logs what it
/// removed and retries after a failure at the next tick. `name` says what is purged, in
/// the logs. The task runs for the life of the process.
pub fn spawn<F, Fut>(name: &'static str, every: Duration, mut purge: F) -> JoinHandle<()>
where
    F: FnMut(DateTime<Utc>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<u64, ServiceError>> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        // After a long pause (a suspended laptop), one run catches up: no burst.
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match purge(Utc::now()).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "purged {name} past retention"),
                Err(err) => tracing::warn!(error = ?err, "purge of {name} failed; will retry"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_cutoff_is_the_period_before_now() {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
            .single()
            .expect("valid time");
        let retention = Retention::default();
        assert_eq!(retention.cutoff(now), now - chrono::Duration::days(30));
        let precise = now + chrono::Duration::nanoseconds(1_234_567);
        assert_eq!(
            retention.cutoff(precise),
            now - chrono::Duration::days(30) + chrono::Duration::microseconds(1_234)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn runs_at_once_then_every_period_and_survives_failures() {
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = runs.clone();
        let job = spawn("things", Duration::from_secs(60), move |_now| {
            let run = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                if run == 0 {
                    Err(ServiceError::Forbidden("a failing first run".into()))
                } else {
                    Ok(1)
                }
            }
        });
        // Paused time: each sleep lets the job's timer fire exactly when due.
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 1, "the first run is immediate");
        tokio::time::sleep(Duration::from_secs(59)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 1, "not before the period");
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(
            runs.load(Ordering::SeqCst),
            2,
            "a failure does not stop the job"
        );
        tokio::time::sleep(Duration::from_secs(120)).await;
        assert_eq!(runs.load(Ordering::SeqCst), 4);
        job.abort();
    }
}
