//! Hot paths of the router, measured with criterion:
//! - planning an operation across subgraphs, cold (parse, validate, plan) and from the
//!   prepared-operation cache;
//! - parsing a subgraph's answer into the data tree, merging an answer into a large
//!   result and shaping the ~90 KB response.
//!
//! `cargo bench --bench router` (medians and spread printed; raw data under
//! target/criterion/).

use std::hint::black_box;

use apollo_compiler::{
    ExecutableDocument,
    request::coerce_variable_values,
    response::{JsonMap, JsonValue},
};
use criterion::{Criterion, criterion_group, criterion_main};
use tessera::platform::SUPERGRAPH;
use tessera_router::{
    Router, Supergraph,
    executor::{shape::shape, tree},
    pipeline::RouterOptions,
    planner,
};

const QUERY: &str = r#"query Tour($handle: String!) {
  userByHandle(handle: $handle) {
    id handle displayName timezone roles
    codexEntries(first: 10) { edges { cursor node { id title category tags author { handle } } } }
  }
  codexSearch(query: "overload", first: 20) { edges { node { title author { handle displayName } } } }
  exercises(first: 50) { edges { node { id name } } }
}"#;

fn planning(c: &mut Criterion) {
    let supergraph = Supergraph::parse(SUPERGRAPH).expect("the committed supergraph loads");
    c.bench_function("plan/miss (parse + validate + plan)", |b| {
        b.iter(|| {
            let doc = ExecutableDocument::parse_and_validate(
                &supergraph.api,
                black_box(QUERY),
                "q.graphql",
            )
            .expect("valid");
            let op = doc.operations.get(None).expect("one operation");
            black_box(planner::plan(&supergraph, &doc, op, &Default::default()).expect("plans"));
        });
    });
    let router = Router::new(
        Supergraph::parse(SUPERGRAPH).expect("loads"),
        &RouterOptions::default(),
    );
    router.prepare_cached(QUERY, None).expect("prepares");
    c.bench_function("plan/hit (prepared-operation cache)", |b| {
        b.iter(|| {
            router
                .prepare_cached(black_box(QUERY), None)
                .expect("cached")
        });
    });
}

/// A `users` page of `n` users with their coaches: about 180 bytes a user.
fn users_page(n: usize) -> JsonValue {
    let edges: Vec<JsonValue> = (0..n)
        .map(|i| {
            serde_json::json!({ "cursor": format!("YzE6{i:032}"), "node": {
                "id": format!("01930000-0000-7000-8000-{i:012}"), "handle": format!("athlete{i}"),
                "displayName": format!("Athlete Number {i}"), "timezone": "Europe/Berlin",
                "roles": ["ATHLETE"], "avatarUrl": null
            }})
        })
        .map(|v| serde_json::from_value(v).expect("json"))
        .collect();
    let mut page = JsonMap::new();
    page.insert("edges", JsonValue::Array(edges));
    let mut data = JsonMap::new();
    data.insert("users", JsonValue::Object(page));
    JsonValue::Object(data)
}

fn shaping(c: &mut Criterion) {
    let supergraph = Supergraph::parse(SUPERGRAPH).expect("loads");
    let query = "{ users(first: 100) { edges { cursor node { id handle displayName timezone roles avatarUrl } } } }";
    let doc =
        ExecutableDocument::parse_and_validate(&supergraph.api, query, "q.graphql").expect("valid");
    let op = doc.operations.get(None).expect("one operation");
    let variables =
        coerce_variable_values(&supergraph.api, op, &JsonMap::new()).expect("no variables");
    let text = serde_json::to_vec(&users_page(500)).expect("serialises");
    let bytes = text.len();
    c.bench_function(&format!("parse/{} KB answer", bytes / 1024), |b| {
        b.iter(|| black_box(tree::from_slice(black_box(&text)).expect("parses")));
    });
    let data = tree::from_slice(&text).expect("parses");
    c.bench_function(&format!("shape/{} KB response", bytes / 1024), |b| {
        b.iter(|| {
            black_box(
                shape(
                    (&supergraph.api, supergraph.shaping.as_ref()),
                    &doc,
                    op,
                    &variables,
                    black_box(&data),
                )
                .expect("shapes"),
            )
        });
    });
    c.bench_function(&format!("merge/{} KB into itself", bytes / 1024), |b| {
        b.iter_batched(
            || (data.clone(), data.clone()),
            |(mut target, source)| target.merge(source),
            criterion::BatchSize::LargeInput,
        );
    });
}

criterion_group!(benches, planning, shaping);
criterion_main!(benches);
