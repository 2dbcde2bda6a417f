//! `bench/supergraph.graphql` is exactly what the four benchmark subgraphs compose to
//! with our composition, routed to where `tessera-bench subgraphs` listens by default.

use std::{net::Ipv4Addr, path::PathBuf};

use tessera::compose::{SubgraphSdl, compose};
use tessera_bench::subgraphs::{DEFAULT_PORT, SUBGRAPHS};

const REFRESH: &str = "TESSERA_BENCH_BLESS=1 cargo nextest run -p tessera-bench --test supergraph";

#[test]
fn the_committed_supergraph_equals_a_fresh_composition() {
    let subgraphs: Vec<SubgraphSdl> = SUBGRAPHS
        .iter()
        .map(|subgraph| SubgraphSdl {
            name: subgraph.name.to_owned(),
            url: subgraph.url(Ipv4Addr::LOCALHOST.into(), DEFAULT_PORT),
            sdl: subgraph.sdl(),
            file: PathBuf::from(format!("bench/{}.graphql", subgraph.name)),
        })
        .collect();
    let fresh = compose(&subgraphs).expect("the benchmark subgraphs compose");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("supergraph.graphql");
    if std::env::var_os("TESSERA_BENCH_BLESS").is_some() {
        std::fs::write(&path, &fresh).expect("writing bench/supergraph.graphql");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "bench/supergraph.graphql is stale: run `{REFRESH}` and commit the result"
    );
}

#[test]
fn the_supergraph_has_the_classic_benchmark_shape() {
    let sdl = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("supergraph.graphql"),
    )
    .expect("bench/supergraph.graphql exists");
    for needle in [
        r#"@join__type(graph: ACCOUNTS, key: "id")"#,
        r#"@join__type(graph: REVIEWS, key: "id")"#,
        r#"@join__type(graph: INVENTORY, key: "upc")"#,
        r#"@join__type(graph: PRODUCTS, key: "upc")"#,
        r#"@join__field(graph: INVENTORY, requires: "price weight")"#,
        r#"@join__field(graph: REVIEWS, provides: "username")"#,
        r#"@join__graph(name: "accounts", url: "http://127.0.0.1:4201/graphql")"#,
        r#"@join__graph(name: "reviews", url: "http://127.0.0.1:4204/graphql")"#,
    ] {
        assert!(sdl.contains(needle), "the supergraph lacks {needle}");
    }
}
