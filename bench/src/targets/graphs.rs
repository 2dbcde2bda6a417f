//! The supergraphs the planner and projector targets work over: every suite of the
//! replay corpus (the Federation Gateway Audit's supergraphs, with their subgraphs'
//! SDL) and the platform's own, loaded once per process.

use std::{collections::BTreeMap, path::Path, sync::LazyLock};

use tessera_router::Supergraph;

use crate::{fuzz::Model, replay::schema::SubgraphSchema};

/// One supergraph, ready to plan and generate over.
pub struct Graph {
    /// The suite's name (`platform` for ours).
    pub name: String,
    /// The supergraph.
    pub supergraph: Supergraph,
    /// Its API schema, as the operation generator reads it.
    pub model: Model,
    /// Each subgraph's own schema, by the supergraph's subgraph index.
    pub subgraphs: Vec<SubgraphSchema>,
}

/// Every graph, the corpus suites by name, then the platform.
pub fn all() -> &'static [Graph] {
    static GRAPHS: LazyLock<Vec<Graph>> = LazyLock::new(load);
    &GRAPHS
}

/// The graph the fuzzer's `choice` byte picks.
pub fn pick(choice: u8) -> &'static Graph {
    let graphs = all();
    &graphs[usize::from(choice) % graphs.len()]
}

fn load() -> Vec<Graph> {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = bench.join("corpus");
    let mut graphs = Vec::new();
    for dir in crate::replay::corpus::suite_dirs(&corpus)
        .unwrap_or_else(|err| panic!("the replay corpus {} is readable: {err}", corpus.display()))
    {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sdls = graphql_files(&dir.join("subgraphs"));
        graphs.push(graph(&name, &read(&dir.join("supergraph.graphql")), &sdls));
    }
    let schema = bench.join("../schema");
    let platform = graphql_files(&schema)
        .into_iter()
        .filter(|(name, _)| !matches!(name.as_str(), "api" | "partner" | "supergraph"))
        .collect();
    graphs.push(graph(
        "platform",
        &read(&schema.join("supergraph.graphql")),
        &platform,
    ));
    graphs
}

fn graph(name: &str, supergraph: &str, sdls: &BTreeMap<String, String>) -> Graph {
    let supergraph = Supergraph::parse(supergraph)
        .unwrap_or_else(|err| panic!("the supergraph of {name} loads: {err:?}"));
    let model = Model::new(supergraph.api.clone())
        .unwrap_or_else(|err| panic!("the API schema of {name} has a query type: {err:?}"));
    let subgraphs = supergraph
        .subgraphs
        .iter()
        .map(|subgraph| {
            let sdl = sdls
                .get(&subgraph.name)
                .unwrap_or_else(|| panic!("{name} has the SDL of its subgraph {}", subgraph.name));
            SubgraphSchema::from_sdl(&subgraph.name, sdl).unwrap_or_else(|err| {
                panic!(
                    "the schema of {name}'s subgraph {} loads: {err}",
                    subgraph.name
                )
            })
        })
        .collect();
    Graph {
        name: name.to_owned(),
        supergraph,
        model,
        subgraphs,
    }
}

/// The `.graphql` files of `dir` by stem.
fn graphql_files(dir: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|err| panic!("{} is readable: {err}", dir.display()));
    for path in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
        if path.extension().is_some_and(|e| e == "graphql")
            && let Some(stem) = path.file_stem()
        {
            found.insert(stem.to_string_lossy().into_owned(), read(&path));
        }
    }
    found
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("{} is readable: {err}", path.display()))
}
