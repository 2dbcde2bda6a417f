//! The load generator: a fixed number of keep-alive HTTP/1.1 connections, each sending
//! the same request again as soon as the answer to the previous one has arrived (a
//! closed loop, like `wrk`), first for an unmeasured warm-up, then for the measured
//! window. Only `200` answers carrying a GraphQL response with data and without errors
//! count as successes; everything else is counted by kind.
//!
//! Before the warm-up one request is sent alone (the probe). With an expected response
//! the probe's answer must equal it as JSON, or the run stops before timing anything;
//! every answer afterwards must then be byte for byte the probe's.
//!
//! Every wait is bounded by the window's end, so a run lasts warm-up + duration (plus
//! the probe's request timeout at worst), whatever the server does.
//!
//! # Layout
//! - [`request`]: what is sent.
//! - [`check`]: judging answers; where a JSON answer differs from the expected one.
//! - [`report`]: counting, percentiles, the report.
//! - `worker`: one connection's loop.

pub mod check;
pub mod report;
pub mod request;
mod worker;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use hyper::{StatusCode, body::Bytes};
use serde_json::Value;
use tokio::{task::JoinSet, time::Instant};

pub use check::{Check, Difference, Verdict, first_difference};
pub use report::{ErrorCounts, Latency, Report, RunInfo, peak_rss_kb};
pub use request::{RequestError, RequestSpec, graphql_body};

/// How to load a server.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// What each request sends, and where.
    pub request: RequestSpec,
    /// Connections, each with one request in flight.
    pub concurrency: usize,
    /// Unmeasured time first (connections open, caches fill, the CPU clocks up).
    pub warmup: Duration,
    /// The measured window.
    pub duration: Duration,
    /// A request still unanswered after this counts as a timeout.
    pub request_timeout: Duration,
    /// The JSON the probe's answer must equal.
    pub expect: Option<Value>,
    /// A name for the report (the router's).
    pub label: Option<String>,
    /// Other requests sent beside `request`: connection `i` sends `request` when
    /// `i % (1 + mix.len()) == 0`, else `mix[i % (1 + mix.len()) - 1]` (only `request`
    /// is held to `expect`; the others must answer without errors).
    pub mix: Vec<RequestSpec>,
    /// Requests per second over all connections, evenly paced (none: each connection
    /// sends again as soon as its answer arrives).
    pub rate: Option<f64>,
}

impl LoadOptions {
    /// The defaults of the command line: 32 connections, 5 s warm-up, 20 s measured,
    /// 10 s request timeout, no expected response.
    pub fn new(request: RequestSpec) -> Self {
        Self {
            request,
            concurrency: 32,
            warmup: Duration::from_secs(5),
            duration: Duration::from_secs(20),
            request_timeout: Duration::from_secs(10),
            expect: None,
            label: None,
            mix: Vec::new(),
            rate: None,
        }
    }
}

/// Why a run did not happen or could not finish.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Zero connections.
    #[error("concurrency must be at least 1")]
    NoConcurrency,
    /// The host does not resolve.
    #[error("cannot resolve `{authority}`: {reason}")]
    Resolve {
        /// `host:port`.
        authority: String,
        /// Why.
        reason: String,
    },
    /// The probe failed while an expected response was given.
    #[error("the first request failed: {0}")]
    Probe(String),
    /// The probe's answer is not the expected JSON.
    #[error(
        "the first answer differs from the expected response at {}:\n  expected {}\n  got      {}",
        .0.path, .0.expected, .0.got
    )]
    Unexpected(Difference),
    /// A connection's task panicked.
    #[error("a connection's task failed: {0}")]
    Worker(String),
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct Run {
    /// What it measured.
    pub report: Report,
    /// The probe's answer body, when it got one.
    pub first_body: Option<Bytes>,
}

/// Runs a load test as `options` say.
pub async fn run(options: &LoadOptions) -> Result<Run, LoadError> {
    if options.concurrency == 0 {
        return Err(LoadError::NoConcurrency);
    }
    let addr = resolve(options.request.authority()).await?;
    let probe = probe(addr, &options.request, options.request_timeout).await;
    let check = match &options.expect {
        Some(expected) => {
            let (status, body) = probe.clone().map_err(LoadError::Probe)?;
            judge_probe(expected, status, &body)?;
            Check::with_reference(body.to_vec())
        }
        None => Check::new(),
    };
    let first_body = probe.ok().map(|(_, body)| body);

    let start = Instant::now();
    let window = worker::Window {
        measure_from: start + options.warmup,
        end: start + options.warmup + options.duration,
    };
    let mut specs = vec![(Arc::new(options.request.clone()), Arc::new(check))];
    for other in &options.mix {
        specs.push((Arc::new(other.clone()), Arc::new(Check::new())));
    }
    // Each connection's pause between sends, and where in it connection `i` starts
    // (so the connections do not send together).
    let every = options
        .rate
        .filter(|r| *r > 0.0)
        .map(|rate| Duration::from_secs_f64(options.concurrency as f64 / rate));
    let mut workers = JoinSet::new();
    for i in 0..options.concurrency {
        let (spec, check) = &specs[i % specs.len()];
        let pace = every.map(|every| worker::Pace {
            every,
            first: start + every.mul_f64(i as f64 / options.concurrency as f64),
        });
        workers.spawn(worker::run(
            addr,
            spec.clone(),
            check.clone(),
            (window, pace),
            options.request_timeout,
        ));
    }
    let mut tallies = Vec::with_capacity(options.concurrency);
    while let Some(joined) = workers.join_next().await {
        tallies.push(joined.map_err(|err| LoadError::Worker(err.to_string()))?);
    }
    let info = RunInfo {
        label: options.label.clone(),
        url: options.request.url().to_owned(),
        concurrency: options.concurrency,
        warmup: options.warmup,
        duration: options.duration,
    };
    Ok(Run {
        report: Report::from_tallies(info, tallies),
        first_body,
    })
}

async fn resolve(authority: &str) -> Result<SocketAddr, LoadError> {
    let error = |reason: String| LoadError::Resolve {
        authority: authority.to_owned(),
        reason,
    };
    tokio::net::lookup_host(authority)
        .await
        .map_err(|err| error(err.to_string()))?
        .next()
        .ok_or_else(|| error("no address".to_owned()))
}

/// One request alone, on its own connection.
async fn probe(
    addr: SocketAddr,
    spec: &RequestSpec,
    timeout: Duration,
) -> Result<(StatusCode, Bytes), String> {
    let attempt = async {
        let mut sender = worker::connect(addr).await?;
        worker::send(&mut sender, spec).await
    };
    tokio::time::timeout(timeout, attempt)
        .await
        .map_err(|_| format!("no answer within {timeout:?}"))?
}

fn judge_probe(expected: &Value, status: StatusCode, body: &[u8]) -> Result<(), LoadError> {
    let got: Value = serde_json::from_slice(body).map_err(|err| {
        LoadError::Probe(format!(
            "HTTP {status}, and the body is not JSON ({err}): {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        ))
    })?;
    if let Some(difference) = first_difference(expected, &got) {
        return Err(LoadError::Unexpected(difference));
    }
    if status != StatusCode::OK {
        return Err(LoadError::Probe(format!(
            "the expected body came with HTTP {status}"
        )));
    }
    Ok(())
}
