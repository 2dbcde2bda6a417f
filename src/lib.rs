//! Tessera's tooling and all-in-one launcher: configuration, composition, and starting
//! the subgraphs (and, from issue #4, the router) in one process.
//!
//! # Layout
//! - [`config`]: `tessera.toml` and `TESSERA_*` overrides.
//! - [`check`]: `tessera check`, the schema contract (composition, breaking changes
//!   against `schema/api.graphql`, persisted operations) checked locally.
//! - [`compose`]: `tessera compose`, from subgraph SDL to the supergraph.
//! - [`platform`]: starting the platform (`tessera dev`, `tessera serve`, `tessera migrate`).

pub mod check;
pub mod compose;
pub mod config;
pub mod platform;
