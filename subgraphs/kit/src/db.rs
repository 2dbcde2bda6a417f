//! Database connections from config, for SQLite (embedded default) and PostgreSQL.

use std::path::Path;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
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

/// Opens a pool for `config`. For SQLite the file's directory is created first, so the
/// embedded default works on a fresh clone.
pub async fn connect(config: &DatabaseConfig) -> Result<DatabaseConnection, StartupError> {
    if let Some(dir) = sqlite_parent_dir(&config.url) {
        std::fs::create_dir_all(&dir).map_err(|source| StartupError::CreateDir {
            dir: dir.clone(),
            source,
        })?;
    }
    let mut options = ConnectOptions::new(config.url.clone());
    options
        .max_connections(config.max_connections)
        .acquire_timeout(config.acquire_timeout())
        // Statements are traced by sea-orm's spans at debug level; sqlx's own log lines
        // at info would drown the service log.
        .sqlx_logging(false);
    Database::connect(options)
        .await
        .map_err(|source| StartupError::Connect {
            url: redact(&config.url),
            source,
        })
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

/// The directory of an `sqlite://path` URL, if it names a file in a directory.
fn sqlite_parent_dir(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    let parent = Path::new(path).parent()?;
    let parent = parent.to_str()?;
    (!parent.is_empty()).then(|| parent.to_owned())
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
    fn sqlite_directories_are_found() {
        assert_eq!(
            sqlite_parent_dir("sqlite://data/users.db?mode=rwc").as_deref(),
            Some("data")
        );
        assert_eq!(sqlite_parent_dir("sqlite::memory:"), None);
        assert_eq!(sqlite_parent_dir("sqlite://users.db"), None);
        assert_eq!(sqlite_parent_dir("postgres://localhost/test"), None);
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
