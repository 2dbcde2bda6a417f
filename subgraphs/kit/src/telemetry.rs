//! Tracing set-up shared by every Tessera binary.

use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt, util::SubscriberInitExt};

/// Log line format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines (the embedded default).
    #[default]
    Pretty,
    /// One JSON object per line (production log shippers).
    Json,
}

/// Installs the global subscriber. `filter` uses `RUST_LOG` syntax; `RUST_LOG` itself
/// wins when set. Calling it twice is harmless (tests start many servers).
pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Pretty => registry.with(fmt::layer().compact()).try_init(),
        LogFormat::Json => registry.with(fmt::layer().json()).try_init(),
    };
    // Already installed (a second server in the same test process): keep the first.
    drop(result);
}
