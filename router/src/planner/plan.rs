//! A query plan: fetches, each on one subgraph, ordered by their dependencies.

use std::fmt;

use apollo_compiler::{Name, ast::OperationType};

use super::selection::Selection;
use crate::{cache::CachePolicy, supergraph::GraphId};

/// One step of a path into the response.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSeg {
    /// A field's response key.
    Key(Name),
    /// Every item of a list (`@`).
    List,
    /// Only objects whose `__typename` is (or implements) this type.
    Type(Name),
}

impl fmt::Display for PathSeg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathSeg::Key(k) => f.write_str(k),
            PathSeg::List => f.write_str("@"),
            PathSeg::Type(t) => write!(f, "|[{t}]"),
        }
    }
}

/// One request to one subgraph.
#[derive(Debug, Clone)]
pub struct Fetch {
    /// Position in [`Plan::fetches`].
    pub id: usize,
    /// The subgraph asked.
    pub subgraph: GraphId,
    /// For `_entities` fetches, the `_entities` fields of the operation (the first as
    /// `_entities` with `$representations`, the others aliased [`EntityCall::response_key`]
    /// with their own variable); empty for root fetches, whose results go to the root.
    pub entities: Vec<EntityCall>,
    /// Fetches that must finish first.
    pub depends_on: Vec<usize>,
    /// The operation text sent to the subgraph.
    pub operation: String,
    /// Client variables this fetch forwards.
    pub variables: Vec<Name>,
    /// Query or mutation.
    pub kind: OperationType,
    /// Whether the selection holds internal conflict aliases to undo in the answer.
    pub internal_aliases: bool,
}

impl Fetch {
    /// Every path results go to (none for a root fetch).
    pub fn paths(&self) -> impl Iterator<Item = &[PathSeg]> {
        self.entities
            .iter()
            .flat_map(|call| call.paths.iter().map(Vec::as_slice))
    }
}

/// One `_entities` field of a fetch: objects of one entity type, collected from one or
/// more paths (deduplicated across them), asked for one selection; each result merges
/// back into every object that produced its representation.
#[derive(Debug, Clone)]
pub struct EntityCall {
    /// Where the objects are (several when fetches of the same wave were merged).
    pub paths: Vec<Vec<PathSeg>>,
    /// The entity type.
    pub entity: Name,
    /// The `__typename` representations carry when it is not the object's own (an
    /// `@interfaceObject` target knows only the interface).
    pub representation_typename: Option<Name>,
    /// What each representation holds besides `__typename` (keys and `@requires`).
    pub representation: Selection,
    /// The selection asked for.
    pub selection: Selection,
    /// Kept for the entity cache, which works it out on first use: what identifies
    /// the call and its static cache policy (the planner never reads it).
    pub cache_identity: std::sync::OnceLock<([u8; 32], CachePolicy)>,
}

impl EntityCall {
    /// The key of the `k`-th `_entities` field in the subgraph's answer.
    pub fn response_key(k: usize) -> String {
        if k == 0 {
            "_entities".to_owned()
        } else {
            format!("_entities_{k}")
        }
    }

    /// The variable holding the `k`-th `_entities` field's representations in a fetch
    /// that also forwards the `client` variables: `representations`(`_k`), with as many
    /// leading underscores as it takes to differ from every client variable (an
    /// operation may well call one of its own variables `$representations`).
    pub fn variable(k: usize, client: &[Name]) -> String {
        let mut name = if k == 0 {
            "representations".to_owned()
        } else {
            format!("representations_{k}")
        };
        while client.iter().any(|v| v.as_str() == name) {
            name.insert(0, '_');
        }
        name
    }
}

/// A whole plan.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The fetches in the order they run: a fetch only depends on fetches before it.
    pub fetches: Vec<Fetch>,
}

impl Plan {
    /// Prints the plan with subgraph names (for snapshots and debugging).
    pub fn display<'a>(&'a self, names: &'a [String]) -> impl fmt::Display + 'a {
        PlanDisplay { plan: self, names }
    }
}

struct PlanDisplay<'a> {
    plan: &'a Plan,
    names: &'a [String],
}

impl fmt::Display for PlanDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for fetch in &self.plan.fetches {
            let name = self.names.get(fetch.subgraph).map_or("?", String::as_str);
            write!(f, "[{}] {name}", fetch.id)?;
            if !fetch.depends_on.is_empty() {
                let deps: Vec<String> = fetch.depends_on.iter().map(ToString::to_string).collect();
                write!(f, " after {}", deps.join(","))?;
            }
            let mut paths: Vec<String> = Vec::new();
            for path in fetch.paths() {
                let segs: Vec<String> = path.iter().map(ToString::to_string).collect();
                let path = segs.join(".");
                if !paths.contains(&path) {
                    paths.push(path);
                }
            }
            if !paths.is_empty() && paths.iter().any(|p| !p.is_empty()) {
                write!(f, " at {}", paths.join(" + "))?;
            }
            writeln!(f)?;
            writeln!(f, "  {}", fetch.operation)?;
        }
        Ok(())
    }
}
