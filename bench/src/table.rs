//! Side by side: the reports of several rounds per router, reduced to medians, with each
//! router's throughput and latency relative to a baseline router, as Markdown.

use std::fmt::Write as _;

use crate::load::Report;

/// Why there is no table.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// A report has no label, so its router is unknown.
    #[error("a report of {0} has no label (run `load` with `--label`)")]
    Unlabelled(String),
    /// The baseline has no reports.
    #[error("no report is labelled `{0}`, the baseline")]
    NoBaseline(String),
    /// Nothing to tabulate.
    #[error("no reports")]
    Empty,
}

/// One router's rounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The router.
    pub label: String,
    /// Its reports, in the order given.
    pub rounds: Vec<Report>,
    /// Median of the rounds' requests per second.
    pub rps: f64,
    /// Median of the rounds' p50, p95 and p99, in milliseconds.
    pub p50: f64,
    /// See `p50`.
    pub p95: f64,
    /// See `p50`.
    pub p99: f64,
    /// Median of the rounds' peak resident memory, in MB (none: not measured).
    pub peak_rss_mb: Option<f64>,
    /// Errors over all rounds.
    pub errors: u64,
}

/// Groups `reports` by label, in order of first appearance, with medians.
pub fn summarize(reports: &[Report]) -> Result<Vec<Summary>, TableError> {
    if reports.is_empty() {
        return Err(TableError::Empty);
    }
    let mut summaries: Vec<Summary> = Vec::new();
    for report in reports {
        let label = report
            .label
            .clone()
            .ok_or_else(|| TableError::Unlabelled(report.url.clone()))?;
        match summaries.iter_mut().find(|s| s.label == label) {
            Some(summary) => summary.rounds.push(report.clone()),
            None => summaries.push(Summary {
                label,
                rounds: vec![report.clone()],
                rps: 0.0,
                p50: 0.0,
                p95: 0.0,
                p99: 0.0,
                peak_rss_mb: None,
                errors: 0,
            }),
        }
    }
    for summary in &mut summaries {
        let of = |metric: fn(&Report) -> f64| median(summary.rounds.iter().map(metric).collect());
        summary.rps = of(|r| r.rps);
        summary.p50 = of(|r| r.latency_ms.p50);
        summary.p95 = of(|r| r.latency_ms.p95);
        summary.p99 = of(|r| r.latency_ms.p99);
        let rss: Vec<f64> = summary
            .rounds
            .iter()
            .filter_map(|r| r.peak_rss_kb)
            .map(|kb| kb as f64 / 1_024.0)
            .collect();
        summary.peak_rss_mb = (!rss.is_empty()).then(|| median(rss));
        summary.errors = summary.rounds.iter().map(|r| r.errors.total()).sum();
    }
    Ok(summaries)
}

/// The median (the mean of the middle two for an even count); 0 for none.
pub fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) {
        f64::midpoint(values[middle - 1], values[middle])
    } else {
        values[middle]
    }
}

/// The Markdown table of medians, with ratios to `baseline` when given, then every
/// round's figures.
pub fn render(reports: &[Report], baseline: Option<&str>) -> Result<String, TableError> {
    let summaries = summarize(reports)?;
    let base = match baseline {
        Some(name) => Some(
            summaries
                .iter()
                .find(|s| s.label == name)
                .ok_or_else(|| TableError::NoBaseline(name.to_owned()))?,
        ),
        None => None,
    };
    let mut out = String::new();
    let ratio_header = base.map_or(String::new(), |b| {
        format!(
            " req/s ÷ {0} | p50 ÷ {0} | p95 ÷ {0} | RSS ÷ {0} |",
            b.label
        )
    });
    let ratio_rule = if base.is_some() {
        "---|---|---|---|"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "| router | rounds | req/s | p50 ms | p95 ms | p99 ms | peak RSS MB | errors |{ratio_header}"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|{ratio_rule}");
    let or_dash = |value: Option<f64>, precision: usize, unit: &str| {
        value.map_or("–".to_owned(), |v| format!("{v:.precision$}{unit}"))
    };
    for s in &summaries {
        let ratios = base.map_or(String::new(), |b| {
            let rss = s.peak_rss_mb.zip(b.peak_rss_mb).map(|(s, b)| ratio(s, b));
            format!(
                " {:.2}× | {:.2}× | {:.2}× | {} |",
                ratio(s.rps, b.rps),
                ratio(s.p50, b.p50),
                ratio(s.p95, b.p95),
                or_dash(rss, 2, "×")
            )
        });
        let _ = writeln!(
            out,
            "| {} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {} | {} |{ratios}",
            s.label,
            s.rounds.len(),
            s.rps,
            s.p50,
            s.p95,
            s.p99,
            or_dash(s.peak_rss_mb, 1, ""),
            s.errors
        );
    }
    let _ = writeln!(
        out,
        "\nEvery round (req/s, p50/p95/p99 ms, peak RSS MB when measured):\n"
    );
    for s in &summaries {
        let rounds: Vec<String> = s
            .rounds
            .iter()
            .map(|r| {
                let rss = r.peak_rss_kb.map_or(String::new(), |kb| {
                    format!(", {:.1} MB", kb as f64 / 1_024.0)
                });
                format!(
                    "{:.1} ({:.2}/{:.2}/{:.2}{rss})",
                    r.rps, r.latency_ms.p50, r.latency_ms.p95, r.latency_ms.p99
                )
            })
            .collect();
        let _ = writeln!(out, "- {}: {}", s.label, rounds.join(", "));
    }
    Ok(out)
}

fn ratio(value: f64, base: f64) -> f64 {
    if base == 0.0 { 0.0 } else { value / base }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{ErrorCounts, Latency};

    fn report(label: &str, rps: f64, p50: f64) -> Report {
        Report {
            label: Some(label.to_owned()),
            url: "http://127.0.0.1:4000/graphql".to_owned(),
            concurrency: 32,
            warmup_s: 5.0,
            duration_s: 20.0,
            successes: 1,
            rps,
            latency_ms: Latency {
                p50,
                p95: p50 * 2.0,
                p99: p50 * 3.0,
                max: p50 * 4.0,
                mean: p50,
            },
            errors: ErrorCounts::default(),
            mean_response_bytes: 1,
            error_samples: Vec::new(),
            peak_rss_kb: Some((rps * 1_024.0) as u64),
        }
    }

    #[test]
    fn medians() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(Vec::new()), 0.0);
    }

    #[test]
    fn medians_per_router_and_ratios_to_the_baseline() {
        let reports = [
            report("ours", 100.0, 10.0),
            report("hive", 200.0, 5.0),
            report("ours", 120.0, 9.0),
            report("hive", 180.0, 6.0),
            report("ours", 110.0, 30.0),
            report("hive", 190.0, 4.0),
        ];
        let summaries = summarize(&reports).expect("labelled");
        assert_eq!(summaries[0].label, "ours");
        assert_eq!((summaries[0].rps, summaries[0].p50), (110.0, 10.0));
        assert_eq!((summaries[1].rps, summaries[1].p50), (190.0, 5.0));
        let table = render(&reports, Some("hive")).expect("renders");
        // Peak RSS (MB) is made equal to req/s by `report`.
        assert!(
            table.contains(
                "| ours | 3 | 110.0 | 10.00 | 20.00 | 30.00 | 110.0 | 0 | 0.58× | 2.00× | 2.00× | 0.58× |"
            ),
            "{table}"
        );
        assert!(table.contains("| hive | 3 | 190.0 | 5.00 |"), "{table}");
        assert!(
            table.contains("- ours: 100.0 (10.00/20.00/30.00, 100.0 MB), 120.0"),
            "{table}"
        );
        // Rounds without a process to measure: no figure, no ratio.
        let unmeasured: Vec<Report> = reports
            .iter()
            .cloned()
            .map(|mut r| {
                r.peak_rss_kb = None;
                r
            })
            .collect();
        let table = render(&unmeasured, Some("hive")).expect("renders");
        assert!(
            table.contains(
                "| ours | 3 | 110.0 | 10.00 | 20.00 | 30.00 | – | 0 | 0.58× | 2.00× | 2.00× | – |"
            ),
            "{table}"
        );
        assert!(matches!(
            render(&reports, Some("apollo")),
            Err(TableError::NoBaseline(_))
        ));
        let mut unlabelled = report("x", 1.0, 1.0);
        unlabelled.label = None;
        assert!(matches!(
            render(&[unlabelled], None),
            Err(TableError::Unlabelled(_))
        ));
    }
}
