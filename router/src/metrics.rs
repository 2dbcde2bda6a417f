//! Metrics: one Prometheus recorder per process, installed on first use.
//!
//! Code anywhere in the router counts with the `metrics` macros
//! (`metrics::counter!("tessera_…_total")`); nothing is recorded until [`install`] has
//! run. The platform serves [`render`]'s text at `/metrics` on its own listener
//! (`telemetry.metrics_listen`), away from the public GraphQL port.
//!
//! Names in use: `tessera_operations_prepared_total` (parsed and validated: misses of
//! the cache by document), `tessera_operations_planned_total` (planned: misses of the
//! cache by normalized operation), `tessera_persisted_queries_total{outcome}` (hit, registered,
//! not_found, not_in_list, unknown, trusted, hash_mismatch, not_supported),
//! `tessera_apq_redis_failures_total`, `tessera_apq_redis_up`,
//! `tessera_trusted_documents`, `tessera_trusted_documents_reloads_total`,
//! `tessera_trusted_documents_reload_failures_total`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's Prometheus recorder (once; later calls return the same
/// handle). `None` when another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(handle) => Some(handle),
            Err(err) => {
                tracing::warn!(error = %err, "metrics: no Prometheus recorder installed");
                None
            }
        })
        .as_ref()
}

/// The Prometheus text exposition of every metric so far (empty before [`install`]).
pub fn render() -> String {
    HANDLE
        .get()
        .and_then(Option::as_ref)
        .map(PrometheusHandle::render)
        .unwrap_or_default()
}

/// The value of one counter or gauge in [`render`]'s output: `name` with its labels
/// as Prometheus prints them, e.g. `tessera_persisted_queries_total{outcome="hit"}`.
pub fn value(series: &str) -> Option<f64> {
    render().lines().find_map(|line| {
        let rest = line.strip_prefix(series)?;
        rest.strip_prefix(' ')?.trim().parse().ok()
    })
}

/// The `/metrics` endpoint: an axum app answering Prometheus's scrapes.
pub fn app() -> axum::Router {
    install();
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(|| async {
            (
                [(
                    axum::http::header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8",
                )],
                render(),
            )
        }),
    )
}
