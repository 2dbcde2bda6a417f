//! The replay corpus (issue #20, point 3): every suite of `bench/corpus/` — the
//! Federation Gateway Audit's supergraphs, their subgraphs served from recorded data —
//! replayed against our router, all in this process, each operation's answer compared
//! with the expected one (`tessera_bench::replay::compare`). Every mismatch of every
//! suite is reported, with the operation and both answers, before the test fails.
//!
//! A suite is any directory of `bench/corpus/` with an `operations.jsonl`;
//! `tessera-bench corpus-build` makes one (see `tessera_bench::replay`). To replay a
//! corpus kept elsewhere: `TESSERA_BENCH_CORPUS=<dir>`.

use std::{
    collections::HashMap,
    fmt::Write as _,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use serde_json::{Value, json};
use tessera_bench::replay::{
    compare::{Answer, Order, differences},
    corpus::{self, Operation, Suite},
    server,
    subgraph::ReplaySubgraph,
};
use tessera_router::{Router, Supergraph, pipeline::RouterOptions, server as http};
use tokio::{net::TcpListener, task::JoinSet};

/// Operations in flight at once.
const CONCURRENCY: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_suite_of_the_corpus_replays_its_expected_answers() {
    let root = std::env::var_os("TESSERA_BENCH_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus"),
        PathBuf::from,
    );
    let dirs = corpus::suite_dirs(&root).unwrap_or_else(|err| panic!("{err}"));
    assert!(!dirs.is_empty(), "no suite under {}", root.display());
    let mut summary = String::new();
    let mut report = String::new();
    let mut failed = 0;
    for dir in dirs {
        let suite = Suite::load(&dir).unwrap_or_else(|err| panic!("{err}"));
        let mismatches = replay(&suite).await;
        writeln!(
            summary,
            "{}: {} operations, {} mismatches",
            suite.name,
            suite.operations.len(),
            mismatches.len()
        )
        .expect("writing to a String");
        failed += mismatches.len();
        for mismatch in mismatches {
            writeln!(report, "{}/{mismatch}", suite.name).expect("writing to a String");
        }
    }
    eprint!("{summary}");
    assert!(failed == 0, "{report}\n{summary}{failed} mismatches");
}

/// Replays `suite`: the mismatches, in the suite's order.
async fn replay(suite: &Suite) -> Vec<String> {
    let subgraphs =
        ReplaySubgraph::all_of(suite).unwrap_or_else(|err| panic!("suite {}: {err}", suite.name));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let replaying = server::start(listener, subgraphs).expect("the replay server starts");
    let url = router(suite, replaying.urls().into_iter().collect()).await;

    let client = reqwest::Client::new();
    let operations: Arc<Vec<Operation>> = Arc::new(suite.operations.clone());
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (client, url, operations, next) = (
            client.clone(),
            url.clone(),
            operations.clone(),
            next.clone(),
        );
        workers.spawn(async move {
            let mut mismatches = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(operation) = operations.get(i) else {
                    break;
                };
                let got = send(&client, &url, operation).await;
                let found = differences(&operation.expected, &got, Order::Counts);
                if !found.is_empty() {
                    mismatches.push((i, describe(operation, &got, &found)));
                }
            }
            mismatches
        });
    }
    let mut mismatches = Vec::new();
    while let Some(done) = workers.join_next().await {
        mismatches.extend(done.expect("a replay worker does not panic"));
    }
    mismatches.sort_by_key(|(i, _)| *i);
    replaying.stop().await.expect("the replay server stops");
    mismatches.into_iter().map(|(_, text)| text).collect()
}

/// Our router on a free port over the suite's supergraph, sending to `subgraph_urls`;
/// its URL.
async fn router(suite: &Suite, subgraph_urls: HashMap<String, String>) -> String {
    let supergraph = Supergraph::parse(&suite.supergraph)
        .unwrap_or_else(|err| panic!("suite {}: the supergraph: {err}", suite.name));
    let options = RouterOptions {
        subgraph_urls,
        ..RouterOptions::default()
    };
    let router = Arc::new(Router::new(supergraph, &options));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
    let addr = listener.local_addr().expect("bound");
    let app = http::app(router, http::ServerOptions::default());
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/graphql")
}

async fn send(client: &reqwest::Client, url: &str, operation: &Operation) -> Answer {
    let mut body = json!({ "query": operation.query });
    if let Some(variables) = &operation.variables {
        body["variables"] = variables.clone();
    }
    let response = client
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|err| panic!("{}: the router does not answer: {err}", operation.id));
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

fn describe(operation: &Operation, got: &Answer, found: &[String]) -> String {
    let mut text = format!(
        "{} ({:?}):\n  query: {}\n",
        operation.id, operation.source, operation.query
    );
    if let Some(variables) = &operation.variables {
        writeln!(text, "  variables: {variables}").expect("writing to a String");
    }
    for difference in found {
        writeln!(text, "  - {difference}").expect("writing to a String");
    }
    writeln!(
        text,
        "  expected: {} {}\n  got:      {} {}",
        operation.expected.status, operation.expected.body, got.status, got.body
    )
    .expect("writing to a String");
    text
}
