//! `[telemetry]`: logging and metrics.

use std::net::SocketAddr;

use serde::Deserialize;
use tessera_kit::telemetry::LogFormat;

/// Log filter and format.
///
/// ```toml
/// [telemetry]
/// log = "info,tessera_users=debug"
/// format = "json"
/// metrics_listen = "127.0.0.1:9464"
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// `RUST_LOG` syntax; `RUST_LOG` itself wins when set.
    pub log: String,
    /// `pretty` or `json`.
    pub format: LogFormat,
    /// Where Prometheus scrapes `/metrics` (the router's counters); unset: not served.
    /// Keep it off the public interface.
    pub metrics_listen: Option<SocketAddr>,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            log: "info".to_owned(),
            format: LogFormat::Pretty,
            metrics_listen: None,
        }
    }
}
