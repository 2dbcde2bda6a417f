//! What a run measured: per connection a [`Tally`], merged into one [`Report`] with
//! throughput, latency percentiles and errors by kind.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::check::Verdict;

/// Errors by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorCounts {
    /// Answers with a status other than 200.
    pub status: u64,
    /// GraphQL responses with errors or without data.
    pub graphql: u64,
    /// Bodies that are not GraphQL responses.
    pub invalid_body: u64,
    /// Good responses that differ from the reference one.
    pub mismatch: u64,
    /// Connections refused or broken.
    pub transport: u64,
    /// Requests that did not finish within the request timeout.
    pub timeout: u64,
}

impl ErrorCounts {
    /// All of them.
    pub fn total(&self) -> u64 {
        self.status
            + self.graphql
            + self.invalid_body
            + self.mismatch
            + self.transport
            + self.timeout
    }

    fn add(&mut self, other: &Self) {
        self.status += other.status;
        self.graphql += other.graphql;
        self.invalid_body += other.invalid_body;
        self.mismatch += other.mismatch;
        self.transport += other.transport;
        self.timeout += other.timeout;
    }
}

/// One connection's count, over the measured window only.
#[derive(Debug, Default)]
pub struct Tally {
    latencies_us: Vec<u32>,
    bytes: u64,
    errors: ErrorCounts,
    samples: Vec<String>,
}

/// At most this many distinct error messages are kept as examples.
const MAX_SAMPLES: usize = 5;

impl Tally {
    /// Counts an answer.
    pub fn answer(&mut self, verdict: Verdict, latency: std::time::Duration, bytes: usize) {
        match verdict {
            Verdict::Success => {
                let micros = u32::try_from(latency.as_micros()).unwrap_or(u32::MAX);
                self.latencies_us.push(micros);
                self.bytes += u64::try_from(bytes).unwrap_or(u64::MAX);
            }
            Verdict::Status(code) => {
                self.errors.status += 1;
                self.sample(format!("HTTP status {code}"));
            }
            Verdict::Graphql => {
                self.errors.graphql += 1;
                self.sample("a GraphQL response with errors or without data".to_owned());
            }
            Verdict::InvalidBody(reason) => {
                self.errors.invalid_body += 1;
                self.sample(format!("not a GraphQL response: {reason}"));
            }
            Verdict::Mismatch => {
                self.errors.mismatch += 1;
                self.sample("a response different from the first one".to_owned());
            }
        }
    }

    /// Counts a refused or broken connection.
    pub fn transport(&mut self, reason: String) {
        self.errors.transport += 1;
        self.sample(reason);
    }

    /// Counts a request that timed out.
    pub fn timeout(&mut self) {
        self.errors.timeout += 1;
        self.sample("request timed out".to_owned());
    }

    fn sample(&mut self, message: String) {
        if self.samples.len() < MAX_SAMPLES && !self.samples.contains(&message) {
            self.samples.push(message);
        }
    }

    fn merge(&mut self, other: Self) {
        self.latencies_us.extend(other.latencies_us);
        self.bytes += other.bytes;
        self.errors.add(&other.errors);
        for sample in other.samples {
            self.sample(sample);
        }
    }
}

/// Latencies of successful requests, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

/// What a run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Which router (or other name) this run was against.
    pub label: Option<String>,
    /// The URL loaded.
    pub url: String,
    /// Connections, each with one request in flight.
    pub concurrency: usize,
    /// Unmeasured seconds before the window.
    pub warmup_s: f64,
    /// Seconds measured.
    pub duration_s: f64,
    /// Successful answers within the window.
    pub successes: u64,
    /// Successful answers per second.
    pub rps: f64,
    /// Latency of the successful answers.
    pub latency_ms: Latency,
    /// Errors within the window.
    pub errors: ErrorCounts,
    /// Mean size of a successful answer's body.
    pub mean_response_bytes: u64,
    /// A few distinct error messages.
    pub error_samples: Vec<String>,
    /// The loaded process's peak resident memory in KiB (`VmHWM`), when `--pid` named
    /// it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_kb: Option<u64>,
}

/// The peak resident memory of process `pid` in KiB (`VmHWM` in `/proc/<pid>/status`,
/// Linux), or why it cannot be read.
pub fn peak_rss_kb(pid: u32) -> std::io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no VmHWM in /proc/{pid}/status")))
}

/// How a run was set up, for its report.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// Its label.
    pub label: Option<String>,
    /// The URL loaded.
    pub url: String,
    /// Connections.
    pub concurrency: usize,
    /// Unmeasured warm-up.
    pub warmup: std::time::Duration,
    /// The measured window.
    pub duration: std::time::Duration,
}

impl Report {
    /// Merges the connections' tallies.
    pub fn from_tallies(info: RunInfo, tallies: impl IntoIterator<Item = Tally>) -> Self {
        let mut all = Tally::default();
        for tally in tallies {
            all.merge(tally);
        }
        all.latencies_us.sort_unstable();
        let successes = u64::try_from(all.latencies_us.len()).unwrap_or(u64::MAX);
        let seconds = info.duration.as_secs_f64();
        let millis = |micros: u32| f64::from(micros) / 1_000.0;
        let latency = if all.latencies_us.is_empty() {
            Latency::default()
        } else {
            let sum: f64 = all.latencies_us.iter().map(|&us| f64::from(us)).sum();
            Latency {
                p50: millis(percentile(&all.latencies_us, 50.0)),
                p95: millis(percentile(&all.latencies_us, 95.0)),
                p99: millis(percentile(&all.latencies_us, 99.0)),
                max: millis(all.latencies_us.last().copied().unwrap_or_default()),
                mean: sum / all.latencies_us.len() as f64 / 1_000.0,
            }
        };
        Self {
            label: info.label,
            url: info.url,
            concurrency: info.concurrency,
            warmup_s: info.warmup.as_secs_f64(),
            duration_s: seconds,
            successes,
            rps: if seconds > 0.0 {
                successes as f64 / seconds
            } else {
                0.0
            },
            latency_ms: latency,
            errors: all.errors,
            mean_response_bytes: all.bytes.checked_div(successes).unwrap_or(0),
            error_samples: all.samples,
            peak_rss_kb: None,
        }
    }
}

/// The nearest-rank percentile of sorted, non-empty `values`.
fn percentile(sorted: &[u32], percent: f64) -> u32 {
    let rank = (percent / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(label) = &self.label {
            write!(f, "{label}: ")?;
        }
        write!(
            f,
            "{} c={} {}s: {:.1} req/s, p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {} ok, {} errors",
            self.url,
            self.concurrency,
            self.duration_s,
            self.rps,
            self.latency_ms.p50,
            self.latency_ms.p95,
            self.latency_ms.p99,
            self.latency_ms.max,
            self.successes,
            self.errors.total(),
        )?;
        if self.successes > 0 {
            write!(
                f,
                ", {:.1} KB per response",
                self.mean_response_bytes as f64 / 1_000.0
            )?;
        }
        if let Some(kb) = self.peak_rss_kb {
            write!(f, ", peak RSS {:.1} MB", kb as f64 / 1_024.0)?;
        }
        if let Some(sample) = self.error_samples.first() {
            write!(f, " (e.g. {sample})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&values, 50.0), 50);
        assert_eq!(percentile(&values, 95.0), 95);
        assert_eq!(percentile(&values, 99.0), 99);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[1, 2], 50.0), 1);
    }

    #[test]
    fn tallies_merge_into_rates_and_percentiles() {
        let mut a = Tally::default();
        let mut b = Tally::default();
        for ms in 1..=50 {
            a.answer(Verdict::Success, Duration::from_millis(ms), 100);
            b.answer(Verdict::Success, Duration::from_millis(ms + 50), 300);
        }
        b.answer(Verdict::Status(500), Duration::ZERO, 0);
        b.answer(Verdict::Status(500), Duration::ZERO, 0);
        b.timeout();
        let report = Report::from_tallies(
            RunInfo {
                label: Some("x".to_owned()),
                url: "http://127.0.0.1:1/".to_owned(),
                concurrency: 2,
                warmup: Duration::ZERO,
                duration: Duration::from_secs(4),
            },
            [a, b],
        );
        assert_eq!(report.successes, 100);
        assert!((report.rps - 25.0).abs() < 1e-9);
        assert!((report.latency_ms.p50 - 50.0).abs() < 1e-9);
        assert!((report.latency_ms.p99 - 99.0).abs() < 1e-9);
        assert!((report.latency_ms.max - 100.0).abs() < 1e-9);
        assert!((report.latency_ms.mean - 50.5).abs() < 1e-9);
        assert_eq!(report.mean_response_bytes, 200);
        assert_eq!(
            report.errors,
            ErrorCounts {
                status: 2,
                timeout: 1,
                ..ErrorCounts::default()
            }
        );
        assert_eq!(
            report.error_samples,
            ["HTTP status 500", "request timed out"]
        );
    }

    #[test]
    fn the_peak_rss_of_a_process_is_read_from_proc() {
        let ours = peak_rss_kb(std::process::id()).expect("our own status is readable");
        // This test process holds at least a megabyte, and less than its machine.
        assert!((1_024..64 * 1_024 * 1_024).contains(&ours), "{ours} KiB");
        assert!(peak_rss_kb(u32::MAX).is_err(), "no such process");
    }
}
