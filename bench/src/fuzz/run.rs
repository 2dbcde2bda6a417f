//! A fuzzing run: batches of generated operations sent to both routers, compared,
//! classed and written to the corpus; then one minimal case per class and the report.
//!
//! Operations are generated in batches and each batch's answers are harvested into
//! the pool in operation order once the whole batch is back, so operation `n` depends
//! only on the seed, `n` and the answers to earlier batches: the same seed against the
//! same routers gives the same operations, whatever the concurrency. The first batch
//! is the warm-up (no optional arguments, fields with required ones avoided).

use std::{
    fs::File,
    io::{BufWriter, Write as _},
    path::PathBuf,
    time::Instant,
};

use futures_util::{StreamExt as _, stream};

use super::{
    classify::signature,
    compare::{Answer, compare, verdict},
    generate::Generator,
    minimize::minimize,
    operation::Operation,
    report::{self, Classes, RunInfo, Totals},
    rng::Rng,
    schema::Model,
    send::Targets,
    values::Pool,
};

/// Operations generated per batch after the warm-up.
const BATCH: usize = 200;
/// Invalid operations kept for the report.
const INVALID_EXAMPLES: usize = 5;

/// How to run.
#[derive(Debug, Clone)]
pub struct FuzzOptions {
    /// The suite's name, the first part of each operation's id.
    pub suite: String,
    /// The seed.
    pub seed: u64,
    /// Operations to send.
    pub count: usize,
    /// Operations in flight at once (each to both routers).
    pub concurrency: usize,
    /// Fields at most this deep.
    pub max_depth: usize,
    /// Re-sends allowed to minimize each class.
    pub minimize_budget: usize,
    /// Where to write the markdown report.
    pub report: Option<PathBuf>,
    /// Where to write the corpus (JSON lines).
    pub corpus: Option<PathBuf>,
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum FuzzError {
    /// A report or corpus file could not be written.
    #[error("writing {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// What a run found.
#[derive(Debug)]
pub struct Outcome {
    /// The counts.
    pub totals: Totals,
    /// The classes, each with its minimal case.
    pub classes: Classes,
}

impl Outcome {
    /// The one-line summary.
    pub fn summary(&self, suite: &str) -> String {
        let t = &self.totals;
        let tiebreak = if t.verdicts.is_empty() {
            String::new()
        } else {
            let verdicts: Vec<String> = t
                .verdicts
                .iter()
                .map(|(verdict, n)| format!("{verdict} {n}"))
                .collect();
            format!(" (tie-break: {})", verdicts.join(", "))
        };
        format!(
            "fuzz {suite}: {} sent ({} invalid discarded), {} equal, {} different in {} \
             classes{tiebreak}; {:.0} operations/s",
            t.sent,
            t.invalid,
            t.equal,
            t.different,
            self.classes.list.len(),
            t.rate()
        )
    }
}

/// Runs the fuzzer.
pub async fn run(
    model: &Model,
    targets: &Targets,
    options: &FuzzOptions,
) -> Result<Outcome, FuzzError> {
    let generator = Generator::new(model, options.max_depth);
    let mut pool = Pool::default();
    let mut corpus = match &options.corpus {
        Some(path) => Some((
            path,
            BufWriter::new(File::create(path).map_err(|source| FuzzError::Write {
                path: path.clone(),
                source,
            })?),
        )),
        None => None,
    };
    let mut totals = Totals::default();
    let mut classes = Classes::default();
    let mut invalid_examples = Vec::new();
    let mut n: u64 = 0;
    let warmup_size = (options.count / 10).clamp(20, BATCH);
    // A generator that only makes invalid operations must not loop for ever.
    let most_invalid = options.count + 1000;
    let started = Instant::now();
    while totals.sent < options.count && totals.invalid < most_invalid {
        let warmup = n == 0;
        let size = if warmup { warmup_size } else { BATCH };
        let mut batch: Vec<(u64, Operation, String, serde_json::Value)> = Vec::new();
        for _ in 0..size {
            if totals.sent + batch.len() >= options.count {
                break;
            }
            let operation = generator.generate(Rng::for_operation(options.seed, n), &pool, warmup);
            let text = operation.to_text();
            totals.generated += 1;
            match model.validate(&text) {
                Ok(()) => {
                    let variables = operation.variables_json();
                    batch.push((n, operation, text, variables));
                }
                Err(errors) => {
                    totals.invalid += 1;
                    if invalid_examples.len() < INVALID_EXAMPLES {
                        invalid_examples.push((text, errors));
                    }
                }
            }
            n += 1;
        }
        let answers: Vec<(Answer, Answer)> = stream::iter(
            batch
                .iter()
                .map(|(_, _, text, variables)| targets.both(text, variables)),
        )
        .buffered(options.concurrency.max(1))
        .collect()
        .await;
        // Where the two differ, the tie-breaker's answer (when there is one).
        let thirds: Vec<Option<Answer>> = stream::iter(batch.iter().zip(&answers).map(
            |((_, _, text, variables), (ours, reference))| async move {
                // (Not `ours == reference`: a map's equality ignores key order.)
                if compare(ours, reference).is_empty() {
                    None
                } else {
                    targets.third(text, variables).await
                }
            },
        ))
        .buffered(options.concurrency.max(1))
        .collect()
        .await;
        for (((n, operation, text, variables), (ours, reference)), third) in
            batch.iter().zip(answers).zip(thirds)
        {
            totals.sent += 1;
            let id = format!("{}-{}-{n}", options.suite, options.seed);
            let findings = compare(&ours, &reference);
            let class = signature(model, operation, &findings, &ours, &reference)
                .map(|s| classes.add(s, findings[0].kind, &id, operation, &ours, &reference));
            if class.is_some() {
                totals.different += 1;
            } else {
                totals.equal += 1;
            }
            let judged = match (&class, &third) {
                (Some(class_id), Some(third)) => {
                    let verdict = verdict(&ours, &reference, third);
                    *totals.verdicts.entry(verdict).or_default() += 1;
                    classes.judge(class_id, &id, verdict);
                    Some((third, verdict))
                }
                _ => None,
            };
            if let Some(data) = reference.body.get("data") {
                pool.harvest(model, operation, data);
            }
            if let Some((path, out)) = &mut corpus {
                let line = report::corpus_line(
                    &id,
                    text,
                    variables,
                    &ours,
                    &reference,
                    class.as_deref(),
                    judged,
                );
                writeln!(out, "{line}").map_err(|source| FuzzError::Write {
                    path: (*path).clone(),
                    source,
                })?;
            }
        }
        eprintln!(
            "fuzz: {} sent, {} different in {} classes, {} values pooled",
            totals.sent,
            totals.different,
            classes.list.len(),
            pool.len()
        );
    }
    totals.sending = started.elapsed();
    if let Some((path, out)) = &mut corpus {
        out.flush().map_err(|source| FuzzError::Write {
            path: (*path).clone(),
            source,
        })?;
    }
    for class in &mut classes.list {
        let case = class.case.clone();
        class.case = minimize(
            model,
            targets,
            case,
            &class.signature,
            options.minimize_budget,
        )
        .await;
        eprintln!(
            "fuzz: {} minimized to {} selections in {} re-sends",
            class.id,
            class.case.operation.size(),
            class.case.resends
        );
    }
    if let Some(path) = &options.report {
        let info = RunInfo {
            suite: &options.suite,
            ours: &targets.ours,
            reference: &targets.reference,
            tiebreak: targets.tiebreak.as_deref(),
            seed: options.seed,
            max_depth: options.max_depth,
            budget: options.minimize_budget,
        };
        let text = report::render(&info, &totals, &classes, &invalid_examples);
        std::fs::write(path, text).map_err(|source| FuzzError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(Outcome { totals, classes })
}

#[cfg(test)]
mod tests {
    use axum::{Json, Router, routing::post};
    use serde_json::{Value, json};
    use tokio::net::TcpListener;

    use super::*;

    /// A fake router: `answer` maps a query to a body.
    async fn serve(answer: fn(&str) -> Value) -> String {
        let app = Router::new().route(
            "/graphql",
            post(move |Json(request): Json<Value>| async move {
                let query = request["query"].as_str().unwrap_or_default().to_owned();
                Json(answer(&query))
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener
            .local_addr()
            .expect("a bound listener has an address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{address}/graphql")
    }

    #[tokio::test]
    async fn a_difference_is_classed_minimized_and_reported() {
        let model = Model::parse(
            "type Query { a: A b(x: Int): Int u: U } type A { id: ID! n: Int a: A }
             type B { id: ID! } union U = A | B",
        )
        .expect("the test schema is valid");
        // Ours fails every operation with `@skip`; both agree on the rest.
        let ours = serve(|query| {
            if query.contains("@skip") {
                json!({"data": null, "errors": [{"message": "skip 12 failed", "extensions": {"code": "BAD"}}]})
            } else {
                json!({"data": {}})
            }
        })
        .await;
        let reference = serve(|_| json!({"data": {}})).await;
        // The tie-breaker sides with the reference.
        let third = serve(|_| json!({"data": {}})).await;
        let targets = Targets::new(ours, reference, std::time::Duration::from_secs(5), 4)
            .expect("a client")
            .with_tiebreak(Some(third));
        let dir = std::env::temp_dir().join(format!("tessera-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary folder");
        let options = FuzzOptions {
            suite: "test".to_owned(),
            seed: 3,
            count: 300,
            concurrency: 4,
            max_depth: 3,
            minimize_budget: 200,
            report: Some(dir.join("report.md")),
            corpus: Some(dir.join("corpus.jsonl")),
        };
        let outcome = run(&model, &targets, &options)
            .await
            .expect("the run completes");
        let t = &outcome.totals;
        assert_eq!(t.sent, 300);
        assert_eq!(t.equal + t.different, 300);
        assert!(t.different > 0 && t.equal > 0, "{t:?}");
        assert_eq!(outcome.classes.list.len(), 1, "{:?}", outcome.classes.list);
        let class = &outcome.classes.list[0];
        assert_eq!(class.count, t.different);
        assert_eq!(class.kind, crate::fuzz::Kind::DataValue);
        let minimal = class.case.operation.to_text();
        assert!(minimal.contains("@skip"), "{minimal}");
        assert!(class.case.operation.size() <= 3, "not minimal:\n{minimal}");

        let corpus = std::fs::read_to_string(dir.join("corpus.jsonl")).expect("the corpus");
        let lines: Vec<Value> = corpus
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect();
        assert_eq!(lines.len(), 300);
        let first = &lines[0];
        assert!(
            first["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("test-3-"))
        );
        assert_eq!(first["ours"]["status"], 200);
        let classed = lines.iter().filter(|l| l["class"] == "C1").count();
        assert_eq!(classed, t.different);
        assert!(lines.iter().all(|l| l["equal"] == l["class"].is_null()));
        // Every different operation was put to the tie-breaker, which sided with the
        // reference: ours stands alone in each.
        assert_eq!(
            t.verdicts.get(&crate::fuzz::Verdict::OursAlone),
            Some(&t.different)
        );
        assert_eq!(t.verdicts.len(), 1, "{:?}", t.verdicts);
        assert!(
            lines
                .iter()
                .all(|l| (l["verdict"] == "ours-alone") != l["class"].is_null())
        );
        assert!(
            outcome
                .summary("test")
                .contains(&format!("tie-break: ours-alone {}", t.different))
        );
        let report = std::fs::read_to_string(dir.join("report.md")).expect("the report");
        assert!(report.contains("## C1: data-value"), "{report}");
        assert!(report.contains("Tie-break by `http://"), "{report}");
        assert!(report.contains(&format!("| ours-alone | the tie-breaker's data is the reference's: ours stands alone | {} |", t.different)), "{report}");
        assert!(report.contains("skip N failed"), "{report}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
