//! Test helpers: a fresh, migrated database per test, with a counter of the SQL
//! statements it ran, and a subgraph served over HTTP.
//!
//! With `DATABASE_URL` set (CI sets it to the machine's PostgreSQL), each test gets its
//! own schema in that database; without it, its own SQLite file in a temporary
//! directory, and the helper says on stderr that PostgreSQL was skipped.
//!
//! `TESSERA_TRACE_SQL=1` prints every counted statement on stderr, to see which
//! resolver a statement count comes from.
//!
//! [`http`] serves a subgraph on a free port for tests that go through real HTTP
//! ([`serve`], [`Served::gql`], [`first_error`], [`error_codes`]), signing identities
//! with the test router key ([`router_key`], [`trust`], [`identity_header`]).
//!
//! [`person`]: the [`Person`] a domain's tests act as (roles, scopes, a coach's roster),
//! and the usual cast ([`athlete`], [`coach`], [`admin`], [`support`]). [`t0`] is the
//! fixed "now" every domain's tests measure time from.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;
use uuid::Uuid;

pub mod events;
pub mod http;
pub mod person;
pub mod ws;

pub use http::{Served, error_codes, first_error, identity_header, router_key, serve, trust};
pub use person::{Person, admin, athlete, coach, support};

/// A fixed "now" (Monday 23 November 2026, 12:00 UTC), so times in assertions are exact
/// and every domain's tests count days and weeks from the same instant.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
        .single()
        .expect("valid time")
}

/// Which backend a test database runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A file in a temporary directory.
    Sqlite,
    /// A fresh schema in the database `DATABASE_URL` names.
    Postgres,
}

/// A migrated database that belongs to one test.
pub struct TestDb {
    /// The connection (with the statement counter installed).
    pub db: DatabaseConnection,
    /// Where it lives.
    pub backend: Backend,
    statements: Arc<AtomicUsize>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// Statements run since the last [`TestDb::reset_statements`].
    pub fn statements(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// Starts counting statements from zero.
    pub fn reset_statements(&self) {
        self.statements.store(0, Ordering::SeqCst);
    }
}

/// A fresh database with `M`'s migrations applied.
///
/// # Panics
/// When the database cannot be created or migrated: the test cannot run.
pub async fn fresh_db<M: MigratorTrait>() -> TestDb {
    let (mut db, backend, dir) = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => (postgres_schema(&url).await, Backend::Postgres, None),
        _ => {
            eprintln!("DATABASE_URL is unset: PostgreSQL skipped, this test runs on SQLite");
            let dir = tempfile::tempdir().expect("a temporary directory for SQLite");
            let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
            let db = Database::connect(options(url))
                .await
                .expect("SQLite opens a fresh file");
            (db, Backend::Sqlite, Some(dir))
        }
    };
    M::up(&db, None)
        .await
        .expect("migrations apply to a fresh database");
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = statements.clone();
    let trace = std::env::var_os("TESSERA_TRACE_SQL").is_some();
    db.set_metric_callback(move |info| {
        counter.fetch_add(1, Ordering::SeqCst);
        if trace {
            eprintln!("SQL: {}", info.statement.sql);
        }
    });
    TestDb {
        db,
        backend,
        statements,
        _dir: dir,
    }
}

fn options(url: String) -> ConnectOptions {
    let mut options = ConnectOptions::new(url);
    options.max_connections(5).sqlx_logging(false);
    options
}

/// A new schema `t_<uuid>` in the database at `url`, and a pool whose search path is it.
async fn postgres_schema(url: &str) -> DatabaseConnection {
    let schema = format!("t_{}", Uuid::new_v4().simple());
    let admin = Database::connect(options(url.to_owned()))
        .await
        .expect("PostgreSQL at DATABASE_URL accepts connections");
    admin
        .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .expect("a fresh schema can be created");
    admin.close().await.expect("the admin pool closes");
    let mut options = options(url.to_owned());
    options.set_schema_search_path(schema);
    Database::connect(options)
        .await
        .expect("PostgreSQL accepts a pool on the fresh schema")
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, Timelike, Weekday};

    use super::*;

    #[test]
    fn t0_is_a_monday_at_noon_utc() {
        let t0 = t0();
        assert_eq!(
            t0.weekday(),
            Weekday::Mon,
            "week-based tests start on a Monday"
        );
        assert_eq!((t0.hour(), t0.minute(), t0.second()), (12, 0, 0));
        assert_eq!(t0.timestamp_subsec_nanos(), 0);
    }
}
