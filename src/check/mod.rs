//! `tessera check`: the schema contract, checked locally before pushing — the same
//! checks the contract tests run in CI that need no running service.
//!
//! 1. Composition: the committed `schema/*.graphql` equal a fresh composition.
//! 2. Breaking changes: the API schema of the fresh composition (no join machinery,
//!    nothing `@inaccessible`) against the committed baseline `schema/api.graphql`,
//!    each change classed breaking, dangerous or safe ([`diff`]).
//! 3. Persisted operations: every trusted document in `schema/persisted/` validates
//!    against that API schema ([`persisted`]).
//!
//! A breaking change fails until the baseline is updated deliberately
//! (`tessera check --update-baseline`, or `TESSERA_ACCEPT_BREAKING=1` for the contract
//! tests), which makes the break visible in review as a diff of `schema/api.graphql`.
//!
//! # Layout
//! - [`diff`]: the rules, from two schemas to classed changes.
//! - [`report`]: the printed report, grouped by class.
//! - [`persisted`]: trusted documents against the API schema.

pub mod diff;
pub mod persisted;
pub mod report;

use std::path::{Path, PathBuf};

use apollo_compiler::{Schema, validation::Valid};
use tessera_router::{Supergraph, persisted::manifest::Manifests};

use crate::compose::{self, ComposeError};
pub use diff::{Change, Class, diff};
pub use report::CheckReport;

/// The committed API schema baseline, relative to the workspace root.
pub const BASELINE_FILE: &str = "schema/api.graphql";

/// The trusted-document manifests, relative to the workspace root.
pub const PERSISTED_DIR: &str = "schema/persisted";

/// How to accept a breaking change deliberately; printed with every failure.
pub const HOW_TO_ACCEPT: &str = "if the break is deliberate, record it: `cargo run -- check --update-baseline` \
(or `TESSERA_ACCEPT_BREAKING=1 cargo nextest run -p tessera-contract-tests`) rewrites schema/api.graphql; commit it \
so the review shows the break";

/// Why a check could not run at all (as opposed to a check that ran and failed).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The subgraphs do not compose.
    #[error(transparent)]
    Compose(#[from] ComposeError),
    /// The supergraph does not load (its API schema cannot be derived).
    #[error("the supergraph does not load: {0}")]
    Supergraph(String),
    /// The baseline is missing or is not a valid schema.
    #[error("{path}: {message} (create it with `cargo run -- check --update-baseline`)")]
    Baseline {
        /// The baseline file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A trusted-document manifest does not load.
    #[error("persisted operations: {0}")]
    Manifests(String),
}

/// The API schema of a supergraph SDL.
pub fn api_schema(supergraph_sdl: &str) -> Result<Valid<Schema>, CheckError> {
    Supergraph::parse(supergraph_sdl)
        .map(|s| s.api)
        .map_err(|err| CheckError::Supergraph(err.to_string()))
}

/// The API schema as committed in the baseline: its printed SDL.
pub fn api_sdl(api: &Valid<Schema>) -> String {
    api.to_string()
}

/// Reads and validates the baseline under `root`.
pub fn load_baseline(root: &Path) -> Result<Valid<Schema>, CheckError> {
    let path = root.join(BASELINE_FILE);
    let error = |message: String| CheckError::Baseline {
        path: path.clone(),
        message,
    };
    let sdl = std::fs::read_to_string(&path).map_err(|err| error(err.to_string()))?;
    Schema::parse_and_validate(&sdl, BASELINE_FILE).map_err(|e| error(e.errors.to_string()))
}

/// Writes `api` as the baseline under `root`.
pub fn write_baseline(root: &Path, api: &Valid<Schema>) -> std::io::Result<PathBuf> {
    let path = root.join(BASELINE_FILE);
    std::fs::write(&path, api_sdl(api))?;
    Ok(path)
}

/// Runs every check on the workspace at `root`: composition, breaking changes against
/// the baseline, persisted operations.
pub fn run(root: &Path) -> Result<CheckReport, CheckError> {
    let composition = compose::compose_workspace(root)?;
    let stale = composition.stale_files(root);
    let api = api_schema(composition.supergraph())?;
    let baseline = load_baseline(root)?;
    let changes = diff(&baseline, &api);
    let manifests = Manifests::load(&[root.join(PERSISTED_DIR)])
        .map_err(|err| CheckError::Manifests(err.to_string()))?;
    let broken_operations = persisted::broken_operations(&api, &manifests);
    Ok(CheckReport {
        stale,
        changes,
        operations: manifests.len(),
        broken_operations,
    })
}
