//! `[users]`: settings of the users domain.

use serde::Deserialize;

use super::ConfigError;

/// Account deletion and sign-in.
///
/// ```toml
/// [users]
/// deletion_retention_days = 30
/// access_token_ttl_minutes = 15
/// session_ttl_days = 30
/// signing_key_rotation_days = 30
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
}

impl Default for UsersConfig {
    fn default() -> Self {
        Self {
            deletion_retention_days: 30,
            access_token_ttl_minutes: 15,
            session_ttl_days: 30,
            signing_key_rotation_days: 30,
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

    /// The users subgraph's settings.
    pub fn settings(&self) -> tessera_users::Settings {
        tessera_users::Settings {
            deletion_retention: chrono::Duration::days(i64::from(self.deletion_retention_days)),
            auth: tessera_users::service::sessions::AuthSettings {
                access_ttl: chrono::Duration::minutes(i64::from(self.access_token_ttl_minutes)),
                refresh_ttl: chrono::Duration::days(i64::from(self.session_ttl_days)),
                key_rotation: chrono::Duration::days(i64::from(self.signing_key_rotation_days)),
            },
            ..tessera_users::Settings::default()
        }
    }
}
