//! `[telemetry]`: logging.

use serde::Deserialize;
use tessera_kit::telemetry::LogFormat;

/// Log filter and format.
///
/// ```toml
/// [telemetry]
/// log = "info,tessera_users=debug"
/// format = "json"
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// `RUST_LOG` syntax; `RUST_LOG` itself wins when set.
    pub log: String,
    /// `pretty` or `json`.
    pub format: LogFormat,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            log: "info".to_owned(),
            format: LogFormat::Pretty,
        }
    }
}
