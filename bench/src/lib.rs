//! Tessera's end-to-end load harness (issue #4: "speed by a load test run side by side
//! with Hive Router"): the classic federation benchmark's four subgraphs, a load
//! generator that checks every answer, and the pieces `bench/run.sh` puts together to
//! time our router against others on the same machine. `docs/benchmarks.md` says how
//! to run it and what it measured.
//!
//! # Layout
//! - [`data`]: the static catalogue the subgraphs serve.
//! - [`subgraphs`]: `accounts`, `inventory`, `products`, `reviews`, and serving them.
//! - [`load`]: the closed-loop load generator and its report.
//! - [`table`]: medians of several rounds per router, side by side.
//! - [`fuzz`]: the differential fuzzer (issue #20): random operations to two routers.
//! - [`replay`]: replay subgraphs and the CI corpus (issue #20): the audit's subgraphs
//!   served from recorded data.
//! - [`targets`]: the fuzz targets (issue #22) `fuzz/` runs under libFuzzer.
//! - [`duration`]: `20s`, `500ms`, `1m` on the command line.

pub mod data;
pub mod duration;
pub mod events;
pub mod fuzz;
pub mod load;
pub mod replay;
pub mod subgraphs;
pub mod table;
pub mod targets;
