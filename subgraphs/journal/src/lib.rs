//! The journal subgraph: athletes' private journal — Markdown entries with mood, energy
//! and tags, optionally linked to a workout (a reference the workouts subgraph
//! resolves) and optionally shared with the author's coach. It extends `User` with
//! journal entries and a mood trend by local day (the user's time zone comes from the
//! users subgraph through `@requires`).
//!
//! # Layout
//! - [`entity`]: sea-orm models.
//! - [`service`]: the domain rules, plain functions over a connection.
//! - [`graphql`]: queries, mutations, types and entity resolvers.
//! - [`schema`]: builds the schema and its federation SDL.
//! - [`demo`]: weeks of entries for the demo cast.
//! - [`run`]: the process: migrate, seed, serve, purge.

pub mod demo;
pub mod entity;
pub mod graphql;
pub mod reactions;
mod run;
pub mod schema;
pub mod service;

pub use run::{Settings, app, prepare, prepare_with, reactions};
