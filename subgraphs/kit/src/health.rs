//! Whether the database can serve: the check `/health/ready` answers with, and the
//! breaker that answers GraphQL requests at once while the database cannot.
//!
//! The check reads (a ping), asks whether a write would be taken (SQLite: the write
//! lock, `BEGIN IMMEDIATE` rolled back; PostgreSQL: `transaction_read_only`), and for an
//! SQLite file that the file it opened is still there. It answers within
//! [`CHECK_DEADLINE`] whatever the database does.
//!
//! The breaker opens when the check finds the database unreadable or gone, and is
//! checked again as soon as a request meets an unavailable database. While it is open
//! each request is answered `SERVICE_UNAVAILABLE` in microseconds instead of waiting the
//! pool's acquire timeout, and the check runs every [`PROBE_EVERY`] until it passes;
//! then the breaker closes and the log says the database is back.

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement};

use crate::db::begin_write;

/// The most a check waits for the database.
pub const CHECK_DEADLINE: Duration = Duration::from_secs(1);

/// How often an open breaker checks the database again.
pub const PROBE_EVERY: Duration = Duration::from_millis(500);

/// Why the database cannot serve.
#[derive(Debug, thiserror::Error)]
pub enum Unready {
    /// The SQLite file the pool opened is no longer at its path.
    #[error("the database file `{0}` is gone")]
    Gone(String),
    /// A read failed.
    #[error("the database cannot be read: {0}")]
    Unreadable(DbErr),
    /// A write would not be taken.
    #[error("the database cannot be written: {0}")]
    Unwritable(String),
    /// The check did not finish in time.
    #[error("the database did not answer within {} ms", CHECK_DEADLINE.as_millis())]
    Slow,
}

impl Unready {
    /// Whether the database can still serve reads: only then do requests still reach
    /// it while the breaker would otherwise be open.
    fn still_reads(&self) -> bool {
        matches!(self, Self::Unwritable(_))
    }
}

/// Checks the database within [`CHECK_DEADLINE`].
pub async fn check(db: &DatabaseConnection) -> Result<(), Unready> {
    tokio::time::timeout(CHECK_DEADLINE, check_unbounded(db))
        .await
        .unwrap_or(Err(Unready::Slow))
}

async fn check_unbounded(db: &DatabaseConnection) -> Result<(), Unready> {
    let backend = db.get_database_backend();
    if backend == DatabaseBackend::Sqlite
        && let Some(file) = sqlite_main_file(db).await.map_err(Unready::Unreadable)?
        && !Path::new(&file).exists()
    {
        return Err(Unready::Gone(file));
    }
    db.ping().await.map_err(Unready::Unreadable)?;
    match backend {
        DatabaseBackend::Sqlite => {
            let txn = begin_write(db)
                .await
                .map_err(|err| Unready::Unwritable(err.to_string()))?;
            txn.rollback()
                .await
                .map_err(|err| Unready::Unwritable(err.to_string()))
        }
        DatabaseBackend::Postgres => {
            let row = db
                .query_one_raw(Statement::from_string(
                    backend,
                    "SELECT current_setting('transaction_read_only') AS read_only",
                ))
                .await
                .map_err(Unready::Unreadable)?;
            let read_only: String = row
                .map(|row| row.try_get("", "read_only"))
                .transpose()
                .map_err(Unready::Unreadable)?
                .unwrap_or_default();
            if read_only == "on" {
                return Err(Unready::Unwritable(
                    "it is read-only (a standby, or default_transaction_read_only)".to_owned(),
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The file of SQLite's `main` database, or none when it is in memory.
async fn sqlite_main_file(db: &DatabaseConnection) -> Result<Option<String>, DbErr> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "PRAGMA database_list",
        ))
        .await?;
    for row in rows {
        let name: String = row.try_get("", "name")?;
        if name == "main" {
            let file: String = row.try_get("", "file")?;
            return Ok(Some(file).filter(|file| !file.is_empty()));
        }
    }
    Ok(None)
}

/// The breaker in front of one subgraph's database.
pub(crate) struct Breaker {
    db: DatabaseConnection,
    open: AtomicBool,
    probing: AtomicBool,
}

impl Breaker {
    pub(crate) fn new(db: DatabaseConnection) -> Arc<Self> {
        Arc::new(Self {
            db,
            open: AtomicBool::new(false),
            probing: AtomicBool::new(false),
        })
    }

    /// Whether requests are answered at once, without reaching the database.
    pub(crate) fn is_open(&self) -> bool {
        self.open.load(Ordering::Relaxed)
    }

    /// Checks the database now (what readiness answers) and sets the breaker by it.
    pub(crate) async fn check(self: &Arc<Self>) -> Result<(), Unready> {
        let result = check(&self.db).await;
        match &result {
            Ok(()) => self.close(),
            Err(unready) if !unready.still_reads() => {
                self.trip(unready);
                self.suspect();
            }
            Err(_) => {}
        }
        result
    }

    /// A request met an unavailable database: check it in the background (one check
    /// at a time), and while it fails keep the breaker open and check again.
    pub(crate) fn suspect(self: &Arc<Self>) {
        if self.probing.swap(true, Ordering::AcqRel) {
            return;
        }
        let breaker = self.clone();
        tokio::spawn(async move {
            loop {
                match check(&breaker.db).await {
                    Err(unready) if !unready.still_reads() => breaker.trip(&unready),
                    _ => {
                        breaker.close();
                        break;
                    }
                }
                tokio::time::sleep(PROBE_EVERY).await;
            }
            breaker.probing.store(false, Ordering::Release);
        });
    }

    fn trip(&self, unready: &Unready) {
        if !self.open.swap(true, Ordering::AcqRel) {
            tracing::error!(
                reason = %unready,
                "database unavailable: requests are answered SERVICE_UNAVAILABLE at once until it is back"
            );
        }
    }

    fn close(&self) {
        if self.open.swap(false, Ordering::AcqRel) {
            tracing::info!("database is back: requests reach it again");
        }
    }
}
