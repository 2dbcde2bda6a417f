//! Subgraph traffic shaping through the router over real HTTP, with a scripted subgraph
//! standing in for workouts and users (it answers each request with the next status of its
//! script, and counts requests and how many were in flight at once): query fetches are
//! retried after a transient failure and mutations never are; a subgraph failing again
//! and again has its circuit opened, so clients get `SUBGRAPH_CIRCUIT_OPEN` at once and
//! the subgraph is not asked until a probe succeeds; a concurrency limit holds the
//! requests in flight to it; client headers reach a subgraph only as its rules say, and
//! the response cache keeps answers apart by them.

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{Json, http::StatusCode, routing::post};
use serde_json::{Value, json};
use tessera_kit::testing;
use tessera_router::{
    Router, Supergraph,
    executor::shaping::{BreakerPolicy, RetryPolicy, Traffic, TrafficPolicy},
    pipeline::RouterOptions,
    server,
};

/// A subgraph that answers with the statuses of its script, then 200 for ever.
#[derive(Clone, Default)]
struct Scripted {
    statuses: Arc<Mutex<VecDeque<u16>>>,
    asked: Arc<AtomicUsize>,
    in_flight: Arc<AtomicUsize>,
    most_in_flight: Arc<AtomicUsize>,
    delay: Duration,
    /// The headers of every request, in order.
    seen: Arc<Mutex<Vec<axum::http::HeaderMap>>>,
}

impl Scripted {
    fn script(&self, statuses: &[u16]) {
        *self.statuses.lock().expect("script") = statuses.iter().copied().collect();
    }

    fn asked(&self) -> usize {
        self.asked.load(Ordering::SeqCst)
    }

    async fn serve(self) -> testing::Served {
        let app = axum::Router::new().route(
            "/graphql",
            post(
                move |headers: axum::http::HeaderMap, Json(request): Json<Value>| {
                    let this = self.clone();
                    async move {
                        this.seen.lock().expect("seen").push(headers);
                        this.asked.fetch_add(1, Ordering::SeqCst);
                        let now = this.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        this.most_in_flight.fetch_max(now, Ordering::SeqCst);
                        tokio::time::sleep(this.delay).await;
                        this.in_flight.fetch_sub(1, Ordering::SeqCst);
                        let status = this
                            .statuses
                            .lock()
                            .expect("script")
                            .pop_front()
                            .unwrap_or(200);
                        let query = request["query"].as_str().unwrap_or_default();
                        let data = if query.starts_with("mutation") {
                            json!({ "signUp": { "id": "u1" } })
                        } else if query.contains("userByHandle") {
                            json!({ "userByHandle": { "handle": "kim" } })
                        } else {
                            json!({ "exercise": { "name": "Back squat" } })
                        };
                        let status = StatusCode::from_u16(status).expect("a status");
                        if status.is_success() {
                            (status, Json(json!({ "data": data })))
                        } else {
                            (status, Json(json!({ "message": "scripted failure" })))
                        }
                    }
                },
            ),
        );
        testing::serve(app).await
    }
}

/// The router over the platform's supergraph, workouts and users answered by
/// `workouts`, under `policy` for both.
async fn router(workouts: &testing::Served, policy: TrafficPolicy) -> testing::Served {
    router_with(workouts, policy, |_| {}).await
}

async fn router_with(
    workouts: &testing::Served,
    policy: TrafficPolicy,
    tweak: impl FnOnce(&mut RouterOptions),
) -> testing::Served {
    let supergraph =
        Supergraph::parse(tessera::platform::SUPERGRAPH).expect("the committed supergraph");
    let names: Vec<String> = supergraph
        .subgraphs
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let own = HashMap::from([
        ("workouts".to_owned(), policy.clone()),
        ("users".to_owned(), policy),
    ]);
    let url = format!("{}/graphql", workouts.url);
    let options = RouterOptions {
        subgraph_urls: HashMap::from([
            ("workouts".to_owned(), url.clone()),
            ("users".to_owned(), url),
        ]),
        subgraph_timeout: Duration::from_secs(2),
        traffic: Traffic::new(
            &TrafficPolicy::default(),
            &own,
            names.iter().map(String::as_str),
        ),
        ..RouterOptions::default()
    };
    let mut options = options;
    tweak(&mut options);
    let router = Arc::new(Router::new(supergraph, &options));
    testing::serve(server::app(router, server::ServerOptions::default())).await
}

async fn ask(router: &testing::Served, query: &str) -> Value {
    router
        .client
        .post(format!("{}/graphql", router.url))
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("the router answers")
        .json()
        .await
        .expect("JSON")
}

const QUERY: &str = "{ exercise(slug: \"back-squat\") { name } }";

fn retries(attempts: u32) -> Option<RetryPolicy> {
    Some(RetryPolicy {
        attempts,
        backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(10),
        ..RetryPolicy::default()
    })
}

#[tokio::test]
async fn a_query_fetch_is_retried_after_a_transient_failure_and_a_mutation_never_is() {
    let subgraph = Scripted::default();
    let served = subgraph.clone().serve().await;
    let router = router(
        &served,
        TrafficPolicy {
            retry: retries(2),
            ..TrafficPolicy::default()
        },
    )
    .await;

    subgraph.script(&[503, 502]);
    let body = ask(&router, QUERY).await;
    assert_eq!(
        body,
        json!({ "data": { "exercise": { "name": "Back squat" } } })
    );
    assert_eq!(subgraph.asked(), 3, "two retries, then the answer");

    // A failure that is not transient (500), or more than two: the client sees it.
    subgraph.script(&[500]);
    let body = ask(&router, QUERY).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "SUBGRAPH_REQUEST_FAILED",
        "{body}"
    );
    assert_eq!(subgraph.asked(), 4, "500 is not retried");
    subgraph.script(&[503, 503, 503]);
    let body = ask(&router, QUERY).await;
    assert_eq!(
        body["errors"][0]["message"],
        "subgraph `workouts` could not be fetched: subgraph answered HTTP 503"
    );
    assert_eq!(subgraph.asked(), 7);

    // A mutation is asked once, whatever happens.
    subgraph.script(&[503]);
    let body = ask(
        &router,
        "mutation { signUp(input: { handle: \"newcomer\", displayName: \"New\", email: \"new@example.com\", password: \"long enough pw\" }) { id } }",
    )
    .await;
    assert_eq!(subgraph.asked(), 8, "not retried: {body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "SUBGRAPH_REQUEST_FAILED",
        "{body}"
    );
}

/// What the router's readiness says of workouts' breaker (it stays 200 whatever the
/// breaker does).
async fn breaker_of_workouts(router: &testing::Served) -> Value {
    let ready = router
        .client
        .get(format!("{}/health/ready", router.url))
        .send()
        .await
        .expect("readiness answers");
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.expect("JSON");
    assert_eq!(body["status"], "ready");
    assert_eq!(
        body["supergraph"].as_str().map(str::len),
        Some(12),
        "{body}"
    );
    body["subgraphs"]["workouts"]["breaker"].clone()
}

#[tokio::test]
async fn a_failing_subgraph_has_its_circuit_opened_and_is_probed_before_it_is_asked_again() {
    let subgraph = Scripted::default();
    let served = subgraph.clone().serve().await;
    let router = router(
        &served,
        TrafficPolicy {
            retry: None,
            breaker: Some(BreakerPolicy {
                failures: 3,
                window: Duration::from_secs(10),
                open_for: Duration::from_millis(300),
            }),
            max_concurrent: None,
        },
    )
    .await;
    assert_eq!(breaker_of_workouts(&router).await, "closed");
    subgraph.script(&[500, 500, 500, 500]);
    for _ in 0..3 {
        let body = ask(&router, QUERY).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "SUBGRAPH_REQUEST_FAILED"
        );
    }
    assert_eq!(subgraph.asked(), 3);

    // Open: refused at once with its own code, naming the subgraph; not asked.
    let body = ask(&router, QUERY).await;
    let error = &body["errors"][0];
    assert_eq!(
        error["extensions"]["code"], "SUBGRAPH_CIRCUIT_OPEN",
        "{body}"
    );
    assert_eq!(error["extensions"]["serviceName"], "workouts", "{body}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("subgraph `workouts` could not be fetched: its circuit breaker is open after repeated failures; it is asked again in ")),
        "{body}"
    );
    assert_eq!(body["data"], json!({ "exercise": null }));
    assert_eq!(subgraph.asked(), 3, "not asked while open");
    assert_eq!(breaker_of_workouts(&router).await, "open");

    // After the open time, a probe goes; it fails (the fourth 500): open again.
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(breaker_of_workouts(&router).await, "half-open");
    let body = ask(&router, QUERY).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "SUBGRAPH_REQUEST_FAILED"
    );
    assert_eq!(subgraph.asked(), 4, "the probe");
    let body = ask(&router, QUERY).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "SUBGRAPH_CIRCUIT_OPEN"
    );
    assert_eq!(subgraph.asked(), 4);

    // The next probe is answered: closed, and every request goes through again.
    tokio::time::sleep(Duration::from_millis(350)).await;
    for _ in 0..3 {
        let body = ask(&router, QUERY).await;
        assert_eq!(
            body,
            json!({ "data": { "exercise": { "name": "Back squat" } } })
        );
    }
    assert_eq!(subgraph.asked(), 7);
    assert_eq!(breaker_of_workouts(&router).await, "closed");
}

#[tokio::test]
async fn a_concurrency_limit_holds_the_requests_in_flight_to_a_subgraph() {
    let subgraph = Scripted {
        delay: Duration::from_millis(50),
        ..Scripted::default()
    };
    let served = subgraph.clone().serve().await;
    let router = Arc::new(
        router(
            &served,
            TrafficPolicy {
                max_concurrent: Some(2),
                ..TrafficPolicy::default()
            },
        )
        .await,
    );
    // Different queries (identical ones in flight would share one request).
    let asks = (0..8).map(|i| {
        let router = router.clone();
        tokio::spawn(async move {
            ask(
                &router,
                &format!("{{ exercise(slug: \"s{i}\") {{ name }} }}"),
            )
            .await
        })
    });
    let asks: Vec<_> = asks.collect();
    for answer in asks {
        let body = answer.await.expect("joined");
        assert_eq!(
            body,
            json!({ "data": { "exercise": { "name": "Back squat" } } })
        );
    }
    assert_eq!(subgraph.asked(), 8);
    assert_eq!(
        subgraph.most_in_flight.load(Ordering::SeqCst),
        2,
        "never more than the limit at once"
    );
}

#[tokio::test]
async fn client_headers_reach_a_subgraph_only_as_its_rules_say_and_cached_answers_keep_apart() {
    use tessera_router::executor::headers::{HeaderName, HeaderOptions, HeaderRule, HeaderValue};
    let subgraph = Scripted::default();
    let served = subgraph.clone().serve().await;
    let name = HeaderName::from_static;
    let rules = HeaderOptions {
        all: vec![
            HeaderRule::Propagate {
                name: name("x-request-id"),
                rename: None,
                default: None,
            },
            HeaderRule::PropagatePrefix {
                prefix: "x-tenant-".to_owned(),
            },
        ],
        subgraphs: HashMap::from([(
            "users".to_owned(),
            vec![
                HeaderRule::Propagate {
                    name: name("accept-language"),
                    rename: Some(name("x-locale")),
                    default: Some(HeaderValue::from_static("en")),
                },
                HeaderRule::Insert {
                    name: name("x-from"),
                    value: HeaderValue::from_static("tessera"),
                },
            ],
        )]),
        api_key_header: None,
    };
    let router = router_with(&served, TrafficPolicy::default(), |o| {
        o.headers = rules;
        o.cache.responses = true;
    })
    .await;
    let send = |query: &'static str, headers: &'static [(&'static str, &'static str)]| {
        let mut request = router
            .client
            .post(format!("{}/graphql", router.url))
            .json(&json!({ "query": query }));
        for (n, v) in headers {
            request = request.header(*n, *v);
        }
        async move {
            request
                .send()
                .await
                .expect("answers")
                .json::<Value>()
                .await
                .expect("JSON")
        }
    };
    let got = |i: usize, header: &str| {
        subgraph.seen.lock().expect("seen")[i]
            .get(header)
            .map(|v| v.to_str().expect("text").to_owned())
    };
    let client: &[(&str, &str)] = &[
        ("x-request-id", "r1"),
        ("x-tenant-id", "t9"),
        ("accept-language", "fr"),
        ("cookie", "tessera_access=secret"),
        ("x-other", "kept back"),
    ];

    // Workouts: the request id and the tenant, nothing else of the client's.
    let body = send(QUERY, client).await;
    assert_eq!(
        body,
        json!({ "data": { "exercise": { "name": "Back squat" } } })
    );
    assert_eq!(got(0, "x-request-id").as_deref(), Some("r1"));
    assert_eq!(got(0, "x-tenant-id").as_deref(), Some("t9"));
    for absent in ["cookie", "x-other", "accept-language", "x-locale", "x-from"] {
        assert_eq!(got(0, absent), None, "{absent} reached workouts");
    }

    // Users: also the language under its own name, and the inserted header.
    let by_handle = "{ userByHandle(handle: \"kim\") { handle } }";
    let body = send(by_handle, client).await;
    assert_eq!(
        body,
        json!({ "data": { "userByHandle": { "handle": "kim" } } })
    );
    assert_eq!(got(1, "x-locale").as_deref(), Some("fr"));
    assert_eq!(got(1, "x-from").as_deref(), Some("tessera"));
    assert_eq!(got(1, "cookie"), None);
    assert_eq!(subgraph.asked(), 2);

    // The same question with the same headers: answered from the cache. Another
    // language is another answer (users may word it differently): asked again, and
    // without the header the default goes.
    send(by_handle, client).await;
    assert_eq!(subgraph.asked(), 2, "cached");
    send(
        by_handle,
        &[
            ("x-request-id", "r1"),
            ("x-tenant-id", "t9"),
            ("accept-language", "de"),
        ],
    )
    .await;
    assert_eq!(
        subgraph.asked(),
        3,
        "a different forwarded header is a different key"
    );
    assert_eq!(got(2, "x-locale").as_deref(), Some("de"));
    send(by_handle, &[("x-request-id", "r1"), ("x-tenant-id", "t9")]).await;
    assert_eq!(got(3, "x-locale").as_deref(), Some("en"), "the default");
}
