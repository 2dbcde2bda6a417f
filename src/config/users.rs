//! `[users]`: settings of the users domain.

use serde::Deserialize;

use super::ConfigError;

/// Account deletion.
///
/// ```toml
/// [users]
/// deletion_retention_days = 30
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UsersConfig {
    /// Days a deleted account's data is kept before it is purged for good (1–365).
    pub deletion_retention_days: u32,
}

impl Default for UsersConfig {
    fn default() -> Self {
        Self {
            deletion_retention_days: 30,
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
        Ok(())
    }

    /// The users subgraph's settings.
    pub fn settings(&self) -> tessera_users::Settings {
        tessera_users::Settings {
            deletion_retention: chrono::Duration::days(i64::from(self.deletion_retention_days)),
            ..tessera_users::Settings::default()
        }
    }
}
