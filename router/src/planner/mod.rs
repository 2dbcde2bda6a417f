//! The query planner: turns a validated operation into fetches on subgraphs.
//!
//! How it chooses subgraphs is written up in `router/PLANNER.md`.
//!
//! # Layout
//! - [`plan`]: the plan (fetches with their paths and dependencies) and its printed form.
//! - [`fold`]: the operation as planned: conditions decided, named fragments inlined.
//! - [`build`]: walking the operation and deciding, field by field, where it is fetched.
//! - [`selection`]: subgraph selection sets as they grow, and their GraphQL text.

pub mod build;
pub mod fold;
pub mod plan;
pub mod selection;

pub use build::{PlanError, plan};
pub use plan::{EntityCall, Fetch, PathSeg, Plan};
