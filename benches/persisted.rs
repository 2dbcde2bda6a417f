//! The persisted-query fast path, measured with criterion: from the request body to
//! the prepared operation (JSON decoding, persisted-query resolution, the cache of
//! prepared operations), for the same operation sent
//! - as text (the cache keyed by the text),
//! - as an APQ hash alone (what Apollo Client sends once registered),
//! - as a trusted document id (`documentId`), under `enforce`,
//! - as text under `enforce` (hashed to find it in the manifest),
//!
//! and, for scale, the cold path (parse, validate, plan) every miss pays.
//!
//! `cargo bench --bench persisted`.

use std::{hint::black_box, sync::Arc};

use criterion::{Criterion, criterion_group, criterion_main};
use tessera::platform::SUPERGRAPH;
use tessera_identity::Identity;
use tessera_router::{
    Router, Supergraph,
    persisted::{Persisted, PersistedOptions, TrustedMode, hex, sha256},
    pipeline::{GraphqlRequest, RouterOptions},
};

/// The web app's home screen: five domains, about 1 KB of text.
const HOME: &str = r#"query Home($first: Int!) {
  me {
    id handle displayName timezone roles
    workouts(first: $first) { edges { cursor node { id title status scheduledAt completedAt } } pageInfo { hasNextPage endCursor } }
    unreadNotificationCount
    notifications(first: $first) { edges { node { id kind title body createdAt readAt } } }
    journalEntries(first: $first) { edges { node { id title mood energy tags createdAt } } }
    codexEntries(first: $first) { edges { node { id title category tags publishedAt } } }
    progress { adherenceRate }
  }
  codexSearch(query: "recovery sleep", first: $first) { edges { node { id title author { handle displayName } } } }
  exercises(first: 20) { edges { node { id slug name muscleGroups equipment } } }
}"#;

fn router(persisted: Persisted) -> Router {
    Router::new(
        Supergraph::parse(SUPERGRAPH).expect("the committed supergraph loads"),
        &RouterOptions {
            persisted: Arc::new(persisted),
            ..RouterOptions::default()
        },
    )
}

fn fast_path(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let hash = hex(&sha256(HOME));
    let text = serde_json::json!({ "query": HOME, "variables": { "first": 5 } }).to_string();
    let apq = serde_json::json!({
        "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } },
        "variables": { "first": 5 }
    })
    .to_string();
    let register = serde_json::json!({
        "query": HOME,
        "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } },
    })
    .to_string();
    let by_id =
        serde_json::json!({ "documentId": "home-v1", "variables": { "first": 5 } }).to_string();

    let anyone = Identity::ANONYMOUS;
    let run = |router: &Router, body: &str| {
        let request: GraphqlRequest = serde_json::from_str(body).expect("a request");
        runtime
            .block_on(router.prepare_request(request, &anyone))
            .expect("prepares");
    };

    let plain = router(Persisted::default());
    run(&plain, &text);
    run(&plain, &register);
    let mut group = c.benchmark_group("request to prepared operation");
    group.bench_function("text (cache hit by text)", |b| {
        b.iter(|| run(&plain, black_box(&text)));
    });
    group.bench_function("APQ hash alone (hit)", |b| {
        b.iter(|| run(&plain, black_box(&apq)));
    });

    let dir = tempfile::tempdir().expect("a directory");
    std::fs::write(
        dir.path().join("web.json"),
        serde_json::json!({ "home-v1": HOME }).to_string(),
    )
    .expect("a manifest");
    let enforced = router(
        Persisted::new(&PersistedOptions {
            mode: TrustedMode::Enforce,
            manifests: vec![dir.path().to_owned()],
            ..PersistedOptions::default()
        })
        .expect("valid options"),
    );
    run(&enforced, &by_id);
    group.bench_function("trusted document id (enforce, hit)", |b| {
        b.iter(|| run(&enforced, black_box(&by_id)));
    });
    group.bench_function("text under enforce (hashed, hit)", |b| {
        b.iter(|| run(&enforced, black_box(&text)));
    });
    group.bench_function("text, cold (parse + validate + plan)", |b| {
        b.iter_batched(
            || router(Persisted::default()),
            |cold| run(&cold, black_box(&text)),
            criterion::BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, fast_path);
criterion_main!(benches);
