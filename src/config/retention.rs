//! `[retention]`: how long the domains keep data a person deleted.

use serde::Deserialize;
use tessera_kit::purge::Retention;

use super::ConfigError;

/// Soft-deleted personal data in workouts, notifications, journal and codex (users has
/// its own `users.deletion_retention_days`).
///
/// ```toml
/// [retention]
/// deleted_data_days = 30
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// Days soft-deleted rows are kept before the purge removes them (1–365).
    pub deleted_data_days: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            deleted_data_days: 30,
        }
    }
}

impl RetentionConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=365).contains(&self.deleted_data_days) {
            return Err(ConfigError(format!(
                "`retention.deleted_data_days` = {} must be between 1 and 365",
                self.deleted_data_days
            )));
        }
        Ok(())
    }

    /// The purge settings the four domains use.
    pub fn retention(&self) -> Retention {
        Retention {
            period: chrono::Duration::days(i64::from(self.deleted_data_days)),
            ..Retention::default()
        }
    }
}
