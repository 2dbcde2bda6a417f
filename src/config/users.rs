//! `[users]`: settings of the users domain.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use tessera_users::service::key_encryption::KeyEncryption;

use super::ConfigError;

/// Account deletion and sign-in.
///
/// ```toml
/// [users]
/// deletion_retention_days = 30
/// access_token_ttl_minutes = 15
/// session_ttl_days = 30
/// signing_key_rotation_days = 30
/// signing_kek_file = "/run/secrets/users-kek"
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UsersConfig {
    /// Days a deleted account's data is kept before it is purged for good (1–365).
    pub deletion_retention_days: u32,
    /// Minutes an access token is valid (1–60).
    pub access_token_ttl_minutes: u32,
    /// Days a session lasts without a refresh (1–365).
    pub session_ttl_days: u32,
    /// Days a signing key signs before the next takes over (1–365).
    pub signing_key_rotation_days: u32,
    /// The key-encryption keys the signing keys are sealed under, base64, one per line
    /// or separated by commas, the sealing one first (usually from the environment:
    /// `TESSERA_USERS__SIGNING_KEK`).
    pub signing_kek: Option<String>,
    /// A file holding them (the same format), for a secret mounted as a file.
    pub signing_kek_file: Option<PathBuf>,
}

impl Default for UsersConfig {
    fn default() -> Self {
        Self {
            deletion_retention_days: 30,
            access_token_ttl_minutes: 15,
            session_ttl_days: 30,
            signing_key_rotation_days: 30,
            signing_kek: None,
            signing_kek_file: None,
        }
    }
}

impl UsersConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=365).contains(&self.deletion_retention_days) {
            return Err(ConfigError(format!(
                "`users.deletion_retention_days` = {} must be between 1 and 365",
                self.deletion_retention_days
            )));
        }
        for (key, value, max) in [
            (
                "access_token_ttl_minutes",
                self.access_token_ttl_minutes,
                60,
            ),
            ("session_ttl_days", self.session_ttl_days, 365),
            (
                "signing_key_rotation_days",
                self.signing_key_rotation_days,
                365,
            ),
        ] {
            if !(1..=max).contains(&value) {
                return Err(ConfigError(format!(
                    "`users.{key}` = {value} must be between 1 and {max}"
                )));
            }
        }
        Ok(())
    }

    /// The users subgraph's settings, over the database at `database_url`.
    pub fn settings(&self, database_url: &str) -> Result<tessera_users::Settings, ConfigError> {
        Ok(tessera_users::Settings {
            deletion_retention: chrono::Duration::days(i64::from(self.deletion_retention_days)),
            auth: tessera_users::service::sessions::AuthSettings {
                access_ttl: chrono::Duration::minutes(i64::from(self.access_token_ttl_minutes)),
                refresh_ttl: chrono::Duration::days(i64::from(self.session_ttl_days)),
                key_rotation: chrono::Duration::days(i64::from(self.signing_key_rotation_days)),
            },
            key_encryption: self.key_encryption(database_url)?,
            ..tessera_users::Settings::default()
        })
    }
}

impl UsersConfig {
    /// The KEKs: `signing_kek`, else `signing_kek_file`; with neither, the embedded
    /// default keeps one in a file beside its SQLite database (made on first start,
    /// readable by the owner only), and any other database is refused: a server
    /// database must not hold what opens its own keys.
    fn key_encryption(&self, database_url: &str) -> Result<KeyEncryption, ConfigError> {
        let parsed = |text: &str, source: &str| {
            KeyEncryption::parse(text).map_err(|e| ConfigError(format!("`users.{source}`: {e}")))
        };
        if let Some(text) = &self.signing_kek {
            return parsed(text, "signing_kek");
        }
        if let Some(path) = &self.signing_kek_file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ConfigError(format!("`users.signing_kek_file` {}: {e}", path.display()))
            })?;
            return parsed(&text, "signing_kek_file");
        }
        match tessera_kit::db::sqlite_file(database_url) {
            Some(database) => {
                let path = beside(&database);
                KeyEncryption::parse(&kek_file(&path)?)
                    .map_err(|e| ConfigError(format!("{}: {e}", path.display())))
            }
            None if database_url.starts_with("sqlite:") => Ok(KeyEncryption::ephemeral()),
            None => Err(ConfigError(
                "`users.signing_kek` (TESSERA_USERS__SIGNING_KEK) or `users.signing_kek_file` must be set: the access-token signing keys are sealed at rest under it, and with a server database it must not live beside the data (`openssl rand -base64 32` makes one)".to_owned(),
            )),
        }
    }
}

/// The KEK file of the embedded default: `<database>.signing-kek`.
fn beside(database: &Path) -> PathBuf {
    let mut name = database.file_name().unwrap_or_default().to_os_string();
    name.push(".signing-kek");
    database.with_file_name(name)
}

/// The text of the KEK file at `path`, made with a new KEK (mode 0600) when missing.
fn kek_file(path: &Path) -> Result<String, ConfigError> {
    let failed = |e: std::io::Error| {
        ConfigError(format!(
            "the signing keys' key-encryption key {}: {e}",
            path.display()
        ))
    };
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(failed)?;
            }
            let text = format!(
                "# The key-encryption key of the users subgraph's signing keys (base64).\n# Back it up, but never beside the database's backups. See the README.\n{}\n",
                &*KeyEncryption::generate_text()
            );
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(failed)?;
            std::io::Write::write_all(&mut file, text.as_bytes()).map_err(failed)?;
            tracing::info!(path = %path.display(), "made a key-encryption key for the signing keys");
            Ok(text)
        }
        Err(e) => Err(failed(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kek() -> String {
        KeyEncryption::generate_text().to_string()
    }

    #[test]
    fn the_kek_comes_from_the_environment_a_file_or_beside_an_embedded_database() {
        let dir = tempfile::tempdir().expect("a directory");
        let postgres = "postgres://tessera@db:5432/users";

        // Given outright (TESSERA_USERS__SIGNING_KEK): used, whatever the database.
        let given = kek();
        let config = UsersConfig {
            signing_kek: Some(given.clone()),
            ..UsersConfig::default()
        };
        let settings = config.settings(postgres).expect("valid");
        assert_eq!(
            settings.key_encryption.sealing_id(),
            KeyEncryption::parse(&given).expect("parses").sealing_id()
        );

        // From a file; a missing or malformed one is refused, naming it.
        let file = dir.path().join("kek");
        std::fs::write(&file, format!("# rotated\n{given}\n")).expect("written");
        let config = UsersConfig {
            signing_kek_file: Some(file.clone()),
            ..UsersConfig::default()
        };
        assert_eq!(
            config
                .settings(postgres)
                .expect("valid")
                .key_encryption
                .sealing_id(),
            settings.key_encryption.sealing_id()
        );
        std::fs::write(&file, "not a key\n").expect("written");
        assert_eq!(
            config.settings(postgres).err().map(|e| e.0),
            Some("`users.signing_kek_file`: key-encryption key 1 is not 32 bytes in base64 (`openssl rand -base64 32` makes one)".to_owned())
        );

        // Neither, with PostgreSQL: refused.
        let err = UsersConfig::default()
            .settings(postgres)
            .expect_err("refused");
        assert!(
            err.0.starts_with("`users.signing_kek` (TESSERA_USERS__SIGNING_KEK) or `users.signing_kek_file` must be set"),
            "{err:?}"
        );

        // Neither, with the embedded SQLite: one is made beside the database, readable
        // by its owner only, and the same one is read on the next start.
        let database = dir.path().join("data").join("users.db");
        let url = format!("sqlite://{}?mode=rwc", database.display());
        let first = UsersConfig::default().settings(&url).expect("made");
        let made = dir.path().join("data").join("users.db.signing-kek");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&made).expect("made").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = UsersConfig::default().settings(&url).expect("read");
        assert_eq!(
            first.key_encryption.sealing_id(),
            again.key_encryption.sealing_id()
        );
    }
}
