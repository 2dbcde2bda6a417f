//! The workouts subgraph: the exercise catalogue, coaches' training plans and their
//! assignment to athletes, athletes' workouts with logged sets, and progress statistics.
//! It extends the users domain's `User` with plans, workouts and stats, and owns the
//! `Exercise` (keyed by `id` and by `slug`) and `Workout` entities other domains refer to.
//!
//! # Layout
//! - [`entity`]: sea-orm models.
//! - [`service`]: the domain rules, plain functions over a connection.
//! - [`graphql`]: queries, mutations, types and entity resolvers.
//! - [`schema`]: builds the schema and its federation SDL.
//! - [`demo`]: weeks of training for the demo cast.
//! - [`run`]: the process: migrate, seed, serve, purge.

pub mod demo;
pub mod entity;
pub mod graphql;
pub mod reactions;
mod run;
pub mod schema;
pub mod service;

pub use run::{Settings, app, app_with, prepare, prepare_with, reactions};
