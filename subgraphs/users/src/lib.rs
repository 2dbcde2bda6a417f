//! The users subgraph: who is on the platform, their roles and profiles, and which
//! coach coaches which athlete. It owns the `User` entity (`@key(fields: "id")`) that
//! every other domain extends.
//!
//! # Layout
//! - [`entity`]: sea-orm models (`users`, `coach_athletes`).
//! - [`service`]: the domain rules, plain functions over a connection.
//! - [`graphql`]: queries, mutations, the `User` type and its entity resolver.
//! - [`schema`]: builds the schema and its federation SDL.
//! - [`demo`]: the demo cast (ids shared with every other domain).
//! - [`run`]: the process: migrate, seed, serve, purge deleted accounts.

pub mod demo;
pub mod entity;
pub mod graphql;
mod run;
pub mod schema;
pub mod service;

pub use run::{Settings, app, prepare};
