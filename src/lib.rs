//! Tessera's tooling and all-in-one launcher: configuration, composition, and starting
//! the subgraphs (and, from issue #4, the router) in one process.
//!
//! # Layout
//! - [`config`]: `tessera.toml` and `TESSERA_*` overrides.
//! - [`compose`]: `tessera compose`, from subgraph SDL to the supergraph.
//! - [`platform`]: starting the platform (`tessera dev`, `tessera serve`, `tessera migrate`).

pub mod compose;
pub mod config;
pub mod platform;
