//! The notifications subgraph: notifications to people, sent idempotently by coaches,
//! administrators and other subgraphs' system events; a delivery outbox worked by a
//! background worker through channel providers (in-app out of the box, push, email and
//! SMS recorded as skipped until a provider is configured); devices, preferences per
//! kind and channel, quiet hours, and consent recorded with its time. It extends `User`
//! with their inbox and settings, and evaluates quiet hours in the user's time zone,
//! which it takes from the users subgraph (`@external` + `@requires`).
//!
//! # Layout
//! - [`entity`]: sea-orm models.
//! - [`service`]: the domain rules, plain functions over a connection.
//! - [`graphql`]: queries, mutations, types and entity resolvers.
//! - [`schema`]: builds the schema and its federation SDL.
//! - [`demo`]: an inbox for each of the demo cast.
//! - [`run`]: the process: migrate, seed, serve, run the delivery worker and the purge.

pub mod demo;
pub mod entity;
pub mod graphql;
pub mod reactions;
mod run;
pub mod schema;
pub mod service;

pub use run::{Settings, app, app_with, prepare, prepare_with, reactions};
