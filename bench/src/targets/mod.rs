//! Fuzz targets (issue #22): each takes the fuzzer's bytes, drives one part of the
//! router with them and panics when an invariant breaks. `fuzz/` runs them under
//! libFuzzer (`cargo +nightly fuzz run <target>`); `bench/tests/fuzz_corpus.rs` replays
//! their committed corpora and every crash found so far on the stable toolchain, so a
//! regression fails the ordinary test run.
//!
//! # Targets
//! - [`json`]: the data tree's parser and writer, and the response writer, against
//!   `serde_json` (same acceptance, same bytes, and a round trip).
//! - [`merge`]: merging subgraph answers: any tree split into two partial answers
//!   merges back into itself.
//! - [`variables`]: coercing request variables, and the explanation the client gets,
//!   which must name a problem exactly when apollo-compiler finds one.
//! - [`planner`]: random valid operations over the audit supergraphs of the replay
//!   corpus and the platform's own: every operation plans, and every fetch is a valid
//!   operation of the subgraph it goes to.
//! - [`project`]: the projector (the fast path of response shaping) against
//!   apollo-compiler's executor over random data for random operations.
//! - [`http`]: whole HTTP requests to the router's app (methods, headers, query
//!   strings, bodies): never a 500, every answer well formed, every error with a code.

pub mod http;
pub mod json;
pub mod merge;
pub mod planner;
pub mod project;
pub mod variables;

mod graphs;

/// The names of the targets, as `fuzz/fuzz_targets/` and the corpora call them.
pub const TARGETS: [&str; 6] = ["json", "merge", "variables", "planner", "project", "http"];

/// Runs target `name` on `input`; `false` when no target has that name.
pub fn run(name: &str, input: &[u8]) -> bool {
    match name {
        "json" => json::run(input),
        "merge" => merge::run(input),
        "variables" => variables::run(input),
        "planner" => planner::run(input),
        "project" => project::run(input),
        "http" => http::run(input),
        _ => return false,
    }
    true
}
