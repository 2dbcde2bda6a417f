//! Database connections from config, for SQLite (embedded default) and PostgreSQL.
//!
//! SQLite runs in WAL mode with a busy timeout, so a write never fails a concurrent
//! read and writers wait for each other instead of failing with `database is locked`;
//! transactions that write begin with [`begin_write`]. A file is created only once: a
//! marker beside it (`users.db.created`) remembers that it existed, so a database
//! deleted under a running process, or between runs, is never silently replaced by an
//! empty one (the pool never creates files; start-up refuses while the marker is there).

use std::{
    io::Write,
    path::{Path, PathBuf},
};

use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};
use sea_orm_migration::MigratorTrait;

use crate::config::DatabaseConfig;

/// Why a database could not be prepared at start-up.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The directory of an SQLite file could not be created.
    #[error("cannot create the directory `{dir}` for the SQLite database: {source}")]
    CreateDir {
        /// The directory.
        dir: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// An SQLite file could not be created.
    #[error("cannot create the SQLite database `{file}`: {source}")]
    CreateFile {
        /// The file.
        file: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// An SQLite database this directory once held is gone; an empty one is not made
    /// in its place.
    #[error(
        "the SQLite database `{file}` is missing, yet `{marker}` says it was created there: \
         restore the file, or delete the marker to start with an empty database"
    )]
    Vanished {
        /// The database file.
        file: String,
        /// The marker left when it was created.
        marker: String,
    },
    /// The connection failed.
    #[error("cannot connect to `{url}`: {source}")]
    Connect {
        /// The URL, with any password removed.
        url: String,
        /// What the driver said.
        source: DbErr,
    },
    /// A migration failed.
    #[error("migrations failed on `{url}`: {source}")]
    Migrate {
        /// The URL, with any password removed.
        url: String,
        /// What the migration said.
        source: DbErr,
    },
}

/// Opens a pool for `config`. For an SQLite file the directory and the file are
/// created on first use (when the URL says `mode=rwc`), so the embedded default works
/// on a fresh clone; after that only the file that exists is opened.
pub async fn connect(config: &DatabaseConfig) -> Result<DatabaseConnection, StartupError> {
    let mut options = ConnectOptions::new(config.url.clone());
    options
        .max_connections(config.max_connections)
        .acquire_timeout(config.acquire_timeout())
        // Statements are traced by sea-orm's spans at debug level; sqlx's own log lines
        // at info would drown the service log.
        .sqlx_logging(false);
    if let Some(file) = sqlite_file(&config.url) {
        prepare_sqlite_file(&file, sqlite_may_create(&config.url))?;
        let busy = config.busy_timeout();
        options.map_sqlx_sqlite_opts(move |sqlite| {
            sqlite
                .create_if_missing(false)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy)
        });
    }
    Database::connect(options)
        .await
        .map_err(|source| StartupError::Connect {
            url: redact(&config.url),
            source,
        })
}

/// Begins a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`, waiting up to the busy timeout for another writer): a deferred
/// transaction that reads first and then writes fails with `database is locked` when
/// another writer committed in between, which the busy timeout cannot wait out.
/// Elsewhere it is a plain `BEGIN`.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

/// Connects and, when the config says so, applies the migrator's pending migrations.
pub async fn connect_and_migrate<M: MigratorTrait>(
    config: &DatabaseConfig,
) -> Result<DatabaseConnection, StartupError> {
    let db = connect(config).await?;
    if config.migrate_on_start {
        M::up(&db, None)
            .await
            .map_err(|source| StartupError::Migrate {
                url: redact(&config.url),
                source,
            })?;
    }
    Ok(db)
}

/// The file of an `sqlite:path` URL, if it names one (not `:memory:`).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Whether the URL lets a missing file be created (`mode=rwc`).
fn sqlite_may_create(url: &str) -> bool {
    url.split_once('?').is_some_and(|(_, query)| {
        query
            .split('&')
            .any(|pair| pair.eq_ignore_ascii_case("mode=rwc"))
    })
}

/// The marker that says `file` was created here.
fn marker_of(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".created");
    file.with_file_name(name)
}

/// Makes sure `file` exists before the pool opens it: created (with its directory and
/// its marker) when it never existed and `may_create`; refused when its marker says it
/// did exist. A file that exists gets its marker if it has none (one made before
/// markers were written).
fn prepare_sqlite_file(file: &Path, may_create: bool) -> Result<(), StartupError> {
    let marker = marker_of(file);
    if file.exists() {
        if may_create && !marker.exists() {
            write_marker(file, &marker);
        }
        return Ok(());
    }
    if !may_create {
        // The driver says it cannot open the file.
        return Ok(());
    }
    if marker.exists() {
        return Err(StartupError::Vanished {
            file: file.display().to_string(),
            marker: marker.display().to_string(),
        });
    }
    if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StartupError::CreateDir {
            dir: dir.display().to_string(),
            source,
        })?;
    }
    // An empty file is an empty SQLite database.
    match std::fs::File::create_new(file) {
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(source) => {
            return Err(StartupError::CreateFile {
                file: file.display().to_string(),
                source,
            });
        }
    }
    write_marker(file, &marker);
    Ok(())
}

/// Writes the marker; a marker that cannot be written costs only the protection, so it
/// is logged, not fatal.
fn write_marker(file: &Path, marker: &Path) {
    let text = format!(
        "{} was created here on {}. While this file exists, tessera will not create an \
         empty database in its place if it goes missing: restore it, or delete this file \
         to start afresh.\n",
        file.display(),
        chrono::Utc::now().to_rfc3339(),
    );
    let written = std::fs::File::create(marker).and_then(|mut out| out.write_all(text.as_bytes()));
    if let Err(err) = written {
        tracing::warn!(marker = %marker.display(), error = %err, "cannot write the SQLite creation marker");
    }
}

/// The URL without its password, for logs and errors.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_files_are_found() {
        assert_eq!(
            sqlite_file("sqlite://data/users.db?mode=rwc"),
            Some(PathBuf::from("data/users.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(
            sqlite_file("sqlite://users.db"),
            Some(PathBuf::from("users.db"))
        );
        assert_eq!(sqlite_file("postgres://localhost/test"), None);
        assert!(sqlite_may_create("sqlite://data/users.db?mode=rwc"));
        assert!(!sqlite_may_create("sqlite://data/users.db"));
        assert!(!sqlite_may_create("sqlite://data/users.db?mode=rw"));
    }

    #[test]
    fn a_database_file_is_created_once_and_a_vanished_one_is_refused() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let file = dir.path().join("data").join("users.db");
        prepare_sqlite_file(&file, true).expect("first use creates it");
        assert!(file.exists() && marker_of(&file).exists());
        prepare_sqlite_file(&file, true).expect("an existing file is opened");
        std::fs::remove_file(&file).expect("the file is deleted");
        let refused = prepare_sqlite_file(&file, true).expect_err("not silently recreated");
        assert!(
            matches!(refused, StartupError::Vanished { .. }),
            "{refused}"
        );
        assert!(!file.exists(), "no empty database appears in its place");
        assert_eq!(
            refused.to_string(),
            format!(
                "the SQLite database `{}` is missing, yet `{}` says it was created there: \
                 restore the file, or delete the marker to start with an empty database",
                file.display(),
                marker_of(&file).display()
            )
        );
        std::fs::remove_file(marker_of(&file)).expect("the operator deletes the marker");
        prepare_sqlite_file(&file, true).expect("then an empty one is made");
        // A file that cannot be made (its directory is a file) is named.
        let blocked = dir.path().join("blocked");
        std::fs::write(&blocked, "").expect("a plain file");
        let err = prepare_sqlite_file(&blocked.join("x.db"), true).expect_err("cannot be made");
        assert!(
            err.to_string().starts_with(&format!(
                "cannot create the directory `{}`",
                blocked.display()
            )),
            "{err}"
        );
    }

    /// Two transactions that each read a counter and write it back one higher, at the
    /// same time, on the embedded configuration: both commit and neither update is
    /// lost. Begun deferred (a plain `BEGIN`), the second fails with `database is
    /// locked` once the first has written.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writing_transactions_that_read_first_wait_for_each_other() {
        use sea_orm::{ConnectionTrait, Statement};

        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}/counter.db?mode=rwc", dir.path().display());
        let db = connect(&DatabaseConfig::new(url)).await.expect("opens");
        db.execute_unprepared(
            "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); \
             INSERT INTO counter VALUES (1, 0);",
        )
        .await
        .expect("a counter");
        let increment = |db: DatabaseConnection| async move {
            let txn = begin_write(&db).await?;
            let row = txn
                .query_one_raw(Statement::from_string(
                    sea_orm::DatabaseBackend::Sqlite,
                    "SELECT n FROM counter WHERE id = 1",
                ))
                .await?
                .expect("the row");
            let n: i64 = row.try_get("", "n")?;
            // The other transaction gets its turn between the read and the write.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            txn.execute_unprepared(&format!("UPDATE counter SET n = {} WHERE id = 1", n + 1))
                .await?;
            txn.commit().await
        };
        let (a, b) = tokio::join!(
            tokio::spawn(increment(db.clone())),
            tokio::spawn(increment(db.clone()))
        );
        a.expect("joins").expect("the first commits");
        b.expect("joins").expect("the second commits");
        let row = db
            .query_one_raw(Statement::from_string(
                sea_orm::DatabaseBackend::Sqlite,
                "SELECT n FROM counter WHERE id = 1",
            ))
            .await
            .expect("reads")
            .expect("the row");
        assert_eq!(row.try_get::<i64>("", "n").expect("n"), 2, "no update lost");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://app:secret@db:5432/users"),
            "postgres://app:***@db:5432/users"
        );
        assert_eq!(redact("postgres://app@db/users"), "postgres://app@db/users");
    }
}
