//! Our router in front of the benchmark subgraphs, all in this process: the benchmark
//! operation's exact answer, and the load generator's counting against it.

use std::{
    collections::HashMap,
    net::Ipv4Addr,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use serde_json::{Value, json};
use tessera_bench::{
    load::{self, LoadError, LoadOptions, RequestSpec, first_difference},
    subgraphs::{self, Running},
};
use tessera_router::{Router, Supergraph, pipeline::RouterOptions, server};

struct Bench {
    url: String,
    _subgraphs: Running,
}

fn bench_file(path: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn operation() -> String {
    bench_file("operations/benchmark.graphql")
}

fn expected_text() -> String {
    bench_file("operations/expected-response.json")
}

fn expected() -> Value {
    serde_json::from_str(&expected_text()).expect("the expected response is JSON")
}

/// The subgraphs on free ports and the router, built from the committed supergraph,
/// pointed at them.
async fn bench() -> Bench {
    let running = subgraphs::start(Ipv4Addr::LOCALHOST.into(), 0)
        .await
        .expect("free ports");
    let urls = running
        .urls()
        .iter()
        .map(|(name, url)| ((*name).to_owned(), url.clone()))
        .collect();
    Bench {
        url: router(urls).await,
        _subgraphs: running,
    }
}

/// The router on a free port, built from the committed supergraph, sending to
/// `subgraph_urls`; its URL.
async fn router(subgraph_urls: HashMap<String, String>) -> String {
    let supergraph =
        Supergraph::parse(&bench_file("supergraph.graphql")).expect("the bench supergraph loads");
    let options = RouterOptions {
        subgraph_urls,
        ..RouterOptions::default()
    };
    let router = Arc::new(Router::new(supergraph, &options));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("bound");
    let app = server::app(router, server::ServerOptions::default());
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/graphql")
}

fn post_operation(url: &str, query: &str) -> RequestSpec {
    let body = serde_json::to_vec(&load::graphql_body(query, None, None)).expect("serializes");
    RequestSpec::post(url, body).expect("a valid URL")
}

/// A short, bounded run.
fn short(request: RequestSpec) -> LoadOptions {
    LoadOptions {
        concurrency: 4,
        warmup: Duration::from_millis(200),
        duration: Duration::from_secs(1),
        request_timeout: Duration::from_secs(5),
        ..LoadOptions::new(request)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_router_answers_the_benchmark_operation_exactly() {
    let bench = bench().await;
    let response = reqwest::Client::new()
        .post(&bench.url)
        .json(&json!({ "query": operation() }))
        .send()
        .await
        .expect("the router answers");
    assert_eq!(response.status(), 200);
    let body = response.text().await.expect("a body");
    let got: Value = serde_json::from_str(&body).expect("JSON");
    if let Some(difference) = first_difference(&expected(), &got) {
        panic!(
            "the router's answer differs at {}: expected {}, got {}",
            difference.path, difference.expected, difference.got
        );
    }
    // Equal as JSON; the text must match too, so members come in selection order.
    assert!(
        body == expected_text().trim_end(),
        "same JSON, but not the same text (member order?)"
    );
}

/// A proxy in front of `upstream` that counts what it forwards; its URL.
async fn counting_proxy(upstream: String, count: Arc<AtomicUsize>) -> String {
    let client = reqwest::Client::new();
    let app = axum::Router::new().route(
        "/graphql",
        axum::routing::post(move |body: axum::body::Bytes| {
            let (client, upstream, count) = (client.clone(), upstream.clone(), count.clone());
            async move {
                count.fetch_add(1, Ordering::SeqCst);
                let answer = client
                    .post(&upstream)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("the subgraph answers");
                let body = answer.bytes().await.expect("a body");
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    body,
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("bound");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/graphql")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_benchmark_operation_costs_six_subgraph_requests() {
    let running = subgraphs::start(Ipv4Addr::LOCALHOST.into(), 0)
        .await
        .expect("free ports");
    let mut counts = Vec::new();
    let mut subgraph_urls = HashMap::new();
    for (name, url) in running.urls() {
        let count = Arc::new(AtomicUsize::new(0));
        let proxy = counting_proxy(url.clone(), count.clone()).await;
        subgraph_urls.insert((*name).to_owned(), proxy);
        counts.push((*name, count));
    }
    let url = router(subgraph_urls).await;
    let body: Value = reqwest::Client::new()
        .post(&url)
        .json(&json!({ "query": operation() }))
        .send()
        .await
        .expect("the router answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(body, expected());
    let per_subgraph: Vec<(&str, usize)> = counts
        .iter()
        .map(|(name, count)| (*name, count.load(Ordering::SeqCst)))
        .collect();
    // One `_entities` fetch per path and type took 13; Hive Router sends 7.
    assert_eq!(
        per_subgraph,
        [
            ("accounts", 2),
            ("inventory", 1),
            ("products", 2),
            ("reviews", 1)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_load_run_counts_only_successes() {
    let bench = bench().await;
    let options = LoadOptions {
        expect: Some(expected()),
        label: Some("ours".to_owned()),
        ..short(post_operation(&bench.url, &operation()))
    };
    let started = std::time::Instant::now();
    let run = load::run(&options).await.expect("the run happens");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded in time"
    );
    let report = run.report;
    assert!(report.successes > 0, "{report}");
    assert_eq!(report.errors.total(), 0, "{report}");
    assert!(report.rps > 0.0 && report.latency_ms.p50 > 0.0, "{report}");
    assert!(report.latency_ms.p50 <= report.latency_ms.p99, "{report}");
    assert_eq!(
        usize::try_from(report.mean_response_bytes).expect("small"),
        expected_text().trim_end().len()
    );
    assert_eq!(report.label.as_deref(), Some("ours"));
    assert_eq!(
        run.first_body.as_deref(),
        Some(expected_text().trim_end().as_bytes())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paced_run_sends_at_its_rate_not_as_fast_as_it_can() {
    let bench = bench().await;
    let options = LoadOptions {
        rate: Some(40.0),
        duration: Duration::from_secs(2),
        ..short(post_operation(&bench.url, &operation()))
    };
    let run = load::run(&options).await.expect("the run happens");
    let report = run.report;
    assert_eq!(report.errors.total(), 0, "{report}");
    // 40 a second for 2 s; a closed loop on this router answers thousands.
    assert!(
        (60..=100).contains(&report.successes),
        "{} answers: {report}",
        report.successes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_operation_counts_as_errors() {
    let bench = bench().await;
    let run = load::run(&short(post_operation(&bench.url, "{ users { nope } }")))
        .await
        .expect("the run happens");
    assert_eq!(run.report.successes, 0);
    assert!(run.report.errors.graphql > 0, "{}", run.report);
    assert_eq!(run.report.errors.total(), run.report.errors.graphql);

    // Asked for application/graphql-response+json, the router answers 400 instead.
    let request = post_operation(&bench.url, "{ users { nope } }")
        .with_header("accept: application/graphql-response+json")
        .expect("a valid header");
    let run = load::run(&short(request)).await.expect("the run happens");
    assert_eq!(run.report.successes, 0);
    assert!(run.report.errors.status > 0, "{}", run.report);
    assert_eq!(run.report.error_samples, ["HTTP status 400"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_different_first_answer_stops_the_run_before_timing() {
    let bench = bench().await;
    let mut wrong = expected();
    wrong["data"]["users"][1]["name"] = json!("Someone Else");
    let options = LoadOptions {
        expect: Some(wrong),
        ..short(post_operation(&bench.url, &operation()))
    };
    match load::run(&options).await {
        Err(LoadError::Unexpected(difference)) => {
            assert_eq!(difference.path, "$.data.users[1].name");
            assert_eq!(difference.got, r#""Tomás Lindqvist""#);
        }
        other => panic!("expected a difference, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_requests_and_raw_batches_are_loaded_too() {
    let bench = bench().await;
    let params = load::graphql_body("{ me { id username } }", None, None);
    let run = load::run(&short(
        RequestSpec::get(&bench.url, &params).expect("a valid URL"),
    ))
    .await
    .expect("the run happens");
    assert!(run.report.successes > 0, "{}", run.report);
    assert_eq!(run.report.errors.total(), 0, "{}", run.report);
    assert_eq!(
        run.first_body.as_deref(),
        Some(br#"{"data":{"me":{"id":"1","username":"mira"}}}"#.as_slice())
    );

    let batch = r#"[{"query":"{ me { id } }"},{"query":"{ topProducts(first: 1) { upc shippingEstimate } }"}]"#;
    let run = load::run(&short(
        RequestSpec::post(&bench.url, batch).expect("a valid URL"),
    ))
    .await
    .expect("the run happens");
    assert!(run.report.successes > 0, "{}", run.report);
    assert_eq!(run.report.errors.total(), 0, "{}", run.report);
}

#[tokio::test]
async fn nothing_listening_counts_transport_errors_and_still_ends_on_time() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        listener.local_addr().expect("bound").port()
    };
    let options = LoadOptions {
        warmup: Duration::ZERO,
        duration: Duration::from_millis(500),
        ..short(post_operation(
            &format!("http://127.0.0.1:{port}/graphql"),
            "{ me { id } }",
        ))
    };
    let started = std::time::Instant::now();
    let run = load::run(&options).await.expect("the run happens");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "bounded in time"
    );
    assert_eq!(run.report.successes, 0);
    assert!(run.report.errors.transport > 0, "{}", run.report);
    assert!(run.first_body.is_none());
}
