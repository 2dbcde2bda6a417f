//! `supergraph.yaml`: which subgraphs compose the supergraph (rover's format, so the
//! same file works with other federation tools).

use std::{collections::BTreeMap, path::PathBuf};

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupergraphYaml {
    /// The federation version the subgraphs are written against (informational).
    #[serde(default)]
    pub federation_version: Option<String>,
    /// Subgraphs by name, in name order.
    pub subgraphs: BTreeMap<String, SubgraphEntry>,
}

/// One subgraph.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubgraphEntry {
    /// Where the router sends this subgraph's fetches.
    pub routing_url: String,
    /// Where its SDL lives.
    pub schema: SchemaSource,
}

/// The SDL file of a subgraph, relative to the workspace root.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaSource {
    /// Path of the `.graphql` file.
    pub file: PathBuf,
}

impl SupergraphYaml {
    /// Parses the file's text; the error carries serde's line and column.
    pub fn parse(text: &str) -> Result<Self, serde_yaml_ng::Error> {
        serde_yaml_ng::from_str(text)
    }
}
