//! The codex subgraph: a library of articles and practices written by coaches and the
//! platform — public for everyone (partners included) or private to their author —
//! with full-text search ranked the same way on PostgreSQL and SQLite, and related
//! entries by shared tags. It extends `User` with the entries they wrote.
//!
//! # Layout
//! - [`entity`]: sea-orm models.
//! - [`service`]: the domain rules, plain functions over a connection.
//! - [`graphql`]: queries, mutations, types and entity resolvers.
//! - [`schema`]: builds the schema and its federation SDL.
//! - [`demo`]: a generated corpus of 120 entries.
//! - [`run`]: the process: migrate, seed, serve, purge.

pub mod demo;
pub mod entity;
pub mod graphql;
pub mod reactions;
mod run;
pub mod schema;
pub mod service;

pub use run::{Settings, app, prepare, prepare_with, reactions};
