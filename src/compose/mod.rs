//! `tessera compose`: from each subgraph's own SDL to `schema/<name>.graphql`, the
//! composed `schema/supergraph.graphql` and the partner variant's API schema
//! `schema/partner.graphql`.
//!
//! Composition (merging types, checking keys, shareability, overrides…) is done by
//! Grafbase's `graphql-composition`, used unmodified (MPL-2.0). Its supergraph is not
//! the standard Apollo flavour other routers read, so [`apollo_flavour`] rewrites it
//! into one (see that module for the differences); the result is then validated with
//! apollo-compiler before anything is written.
//!
//! # Layout
//! - [`supergraph_yaml`]: the composition config.
//! - [`sources`]: which subgraphs this build contains and their SDL.
//! - [`apollo_flavour`]: the rewrite to a standard Federation v2 supergraph.

pub mod apollo_flavour;
pub mod sources;
pub mod supergraph_yaml;

use std::path::{Path, PathBuf};

use supergraph_yaml::SupergraphYaml;

/// Where the composed supergraph is written, relative to the workspace root.
pub const SUPERGRAPH_FILE: &str = "schema/supergraph.graphql";

/// Where the partner variant's API schema is written, relative to the workspace root.
pub const PARTNER_FILE: &str = "schema/partner.graphql";

/// The tag that puts an element in the partner variant.
pub const PARTNER_TAG: &str = "partner";

/// Why composition failed.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// `supergraph.yaml` cannot be read or parsed.
    #[error("supergraph.yaml: {0}")]
    Config(String),
    /// A subgraph is listed but this build has no code for it.
    #[error("supergraph.yaml lists subgraph `{0}`, which this build does not contain")]
    UnknownSubgraph(String),
    /// A subgraph's SDL does not parse.
    #[error("subgraph `{subgraph}`: {message}")]
    Subgraph {
        /// Which one.
        subgraph: String,
        /// What is wrong.
        message: String,
    },
    /// The subgraphs do not compose; one line per problem.
    #[error("composition failed:\n{}", .0.join("\n"))]
    Composition(Vec<String>),
    /// The partner variant cannot be derived from the supergraph.
    #[error("the partner variant: {0}")]
    Variant(String),
    /// The composed supergraph is not a valid schema (a bug in the rewrite).
    #[error("the composed supergraph is invalid:\n{0}")]
    InvalidSupergraph(String),
}

/// One subgraph to compose.
#[derive(Debug, Clone)]
pub struct SubgraphSdl {
    /// Its name in `supergraph.yaml`.
    pub name: String,
    /// Its routing URL.
    pub url: String,
    /// Its federation SDL.
    pub sdl: String,
    /// Where its SDL file goes, relative to the root.
    pub file: PathBuf,
}

/// Every file composition produces, with its content.
#[derive(Debug, Clone)]
pub struct Composition {
    /// `(path relative to the root, content)`: subgraphs, supergraph, partner variant.
    pub files: Vec<(PathBuf, String)>,
}

impl Composition {
    /// The composed supergraph SDL.
    pub fn supergraph(&self) -> &str {
        self.files
            .iter()
            .find(|(path, _)| path == Path::new(SUPERGRAPH_FILE))
            .map(|(_, sdl)| sdl.as_str())
            .unwrap_or_default()
    }

    /// Writes every file under `root`.
    pub fn write(&self, root: &Path) -> std::io::Result<()> {
        for (path, content) in &self.files {
            let path = root.join(path);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(path, content)?;
        }
        Ok(())
    }

    /// The files under `root` whose content differs from what composition produces.
    pub fn stale_files(&self, root: &Path) -> Vec<PathBuf> {
        self.files
            .iter()
            .filter(|(path, content)| {
                std::fs::read_to_string(root.join(path)).ok().as_deref() != Some(content.as_str())
            })
            .map(|(path, _)| path.clone())
            .collect()
    }
}

/// Reads `supergraph.yaml` under `root` and gathers each listed subgraph's SDL.
pub fn subgraphs_of(root: &Path) -> Result<Vec<SubgraphSdl>, ComposeError> {
    let path = root.join("supergraph.yaml");
    let text = std::fs::read_to_string(&path)
        .map_err(|err| ComposeError::Config(format!("cannot read {}: {err}", path.display())))?;
    let config =
        SupergraphYaml::parse(&text).map_err(|err| ComposeError::Config(err.to_string()))?;
    config
        .subgraphs
        .into_iter()
        .map(|(name, entry)| {
            let sdl = sources::subgraph_sdl(&name)
                .ok_or_else(|| ComposeError::UnknownSubgraph(name.clone()))?;
            Ok(SubgraphSdl {
                name,
                url: entry.routing_url,
                sdl,
                file: entry.schema.file,
            })
        })
        .collect()
}

/// Composes the workspace at `root`: the subgraph files and the supergraph.
pub fn compose_workspace(root: &Path) -> Result<Composition, ComposeError> {
    let subgraphs = subgraphs_of(root)?;
    let supergraph = compose(&subgraphs)?;
    let mut files: Vec<(PathBuf, String)> = subgraphs
        .into_iter()
        .map(|s| (s.file, with_trailing_newline(s.sdl)))
        .collect();
    let partner = partner_api_sdl(&supergraph)?;
    files.push((PathBuf::from(SUPERGRAPH_FILE), supergraph));
    files.push((PathBuf::from(PARTNER_FILE), partner));
    Ok(Composition { files })
}

/// The partner variant's API schema (`@tag(name: "partner")` filtering, see
/// [`tessera_router::supergraph::variant`]) as printed SDL.
pub fn partner_api_sdl(supergraph_sdl: &str) -> Result<String, ComposeError> {
    let variant =
        tessera_router::supergraph::variant::contract_supergraph(supergraph_sdl, PARTNER_TAG)
            .and_then(|sdl| tessera_router::Supergraph::parse(&sdl))
            .map_err(|err| ComposeError::Variant(err.to_string()))?;
    Ok(variant.api.to_string())
}

/// Composes `subgraphs` into a standard Federation v2 supergraph SDL.
pub fn compose(subgraphs: &[SubgraphSdl]) -> Result<String, ComposeError> {
    let mut input = graphql_composition::Subgraphs::default();
    for subgraph in subgraphs {
        input
            .ingest_str(&subgraph.sdl, &subgraph.name, Some(&subgraph.url))
            .map_err(|err| ComposeError::Subgraph {
                subgraph: subgraph.name.clone(),
                message: err.to_string(),
            })?;
    }
    let result = graphql_composition::compose(&mut input);
    let errors: Vec<String> = result
        .diagnostics()
        .iter_errors()
        .map(str::to_owned)
        .collect();
    let graph = result.into_result().map_err(|diagnostics| {
        let mut all: Vec<String> = diagnostics.iter_errors().map(str::to_owned).collect();
        if all.is_empty() {
            all = diagnostics.iter_messages().map(str::to_owned).collect();
        }
        ComposeError::Composition(all)
    })?;
    if !errors.is_empty() {
        return Err(ComposeError::Composition(errors));
    }
    let grafbase_sdl = graphql_composition::render_federated_sdl(&graph)
        .map_err(|err| ComposeError::InvalidSupergraph(err.to_string()))?;
    apollo_flavour::rewrite(&grafbase_sdl, subgraphs)
}

fn with_trailing_newline(mut text: String) -> String {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}
