//! What goes wrong recording, building or replaying a corpus. Every variant names the
//! file or the subgraph, so a broken corpus says where to look.

use std::{net::SocketAddr, path::PathBuf};

/// An error of the replay layer.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file (or one line of a `.jsonl` file) is not the JSON expected there.
    #[error("{path}{}: {source}", line.map(|n| format!(" line {n}")).unwrap_or_default())]
    Json {
        /// The file.
        path: PathBuf,
        /// The line, in a `.jsonl` file.
        line: Option<usize>,
        /// Why.
        source: serde_json::Error,
    },
    /// A subgraph's SDL cannot be made into a schema operations are validated against.
    #[error("the schema of subgraph `{subgraph}`: {message}")]
    Schema {
        /// The subgraph.
        subgraph: String,
        /// apollo-compiler's diagnostics.
        message: String,
    },
    /// The supergraph names no subgraphs, or cannot be parsed.
    #[error("the supergraph: {0}")]
    Supergraph(String),
    /// A real subgraph did not answer `{ _service { sdl } }`.
    #[error("subgraph `{subgraph}` at {url}: {message}")]
    Subgraph {
        /// The subgraph.
        subgraph: String,
        /// Where it was asked.
        url: String,
        /// Why it did not answer.
        message: String,
    },
    /// A server could not listen, or stopped with an error.
    #[error("serving on {addr}: {source}")]
    Listen {
        /// Its address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The corpus is inconsistent (a hand line without `why`, a duplicate id…).
    #[error("{path}: {message}")]
    Corpus {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl ReplayError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// A JSON error in `path` (at `line` of a `.jsonl` file).
    pub fn json(path: impl Into<PathBuf>, line: Option<usize>, source: serde_json::Error) -> Self {
        Self::Json {
            path: path.into(),
            line,
            source,
        }
    }
}
