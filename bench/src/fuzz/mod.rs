//! The differential fuzzer (issue #20): random valid operations over an API schema,
//! sent to our router and to a reference router serving the same supergraph; every
//! difference in status, data (values and key order) or errors (count, path, code) is
//! classed, each class minimized to a small case, and all of it written to a markdown
//! report and a JSON-lines corpus. `tessera-bench fuzz` runs it.
//!
//! # Layout
//! - [`schema`]: the API schema and what the generator derives from it.
//! - [`operation`]: the operation tree the generator builds and the minimizer shrinks.
//! - [`generate`]: the generator, with [`values`] for arguments and [`rng`] for seeds.
//! - [`send`]: one operation to both routers.
//! - [`compare`]: two answers, finding by finding.
//! - [`classify`]: the class signature of a difference.
//! - [`minimize`]: delta debugging of one operation per class.
//! - [`report`]: the markdown report and the corpus lines.
//! - [`run`]: batches, harvesting, classes, then minimization and the report.

pub mod classify;
pub mod compare;
pub mod generate;
pub mod minimize;
pub mod operation;
pub mod report;
pub mod rng;
pub mod run;
pub mod schema;
pub mod send;
pub mod values;

pub use compare::{Answer, Finding, Kind, Verdict, compare, verdict};
pub use generate::Generator;
pub use run::{FuzzError, FuzzOptions, Outcome, run};
pub use schema::Model;
pub use send::Targets;
