//! The users subgraph: who is on the platform, their roles and profiles, and which
//! coach coaches which athlete. It owns the `User` entity (`@key(fields: "id")`) that
//! every other domain extends. It also signs people in: passwords, access tokens
//! (JWT, Ed25519, rotating keys published at `/.well-known/jwks.json`) and rotating
//! refresh tokens with reuse detection.
//!
//! # Layout
//! - [`entity`]: sea-orm models (`users`, `coach_athletes`, `credentials`,
//!   `refresh_tokens`, `signing_keys`).
//! - [`service`]: the domain rules, plain functions over a connection.
//! - [`graphql`]: queries, mutations, the `User` type and its entity resolver.
//! - [`reactions`]: what it does with other domains' events (erasure receipts, dead
//!   letters).
//! - [`schema`]: builds the schema and its federation SDL.
//! - [`demo`]: the demo cast (ids shared with every other domain).
//! - [`run`]: the process: migrate, seed, serve (GraphQL and the JWKS), purge deleted
//!   accounts.

pub mod demo;
pub mod entity;
pub mod graphql;
pub mod reactions;
mod run;
pub mod schema;
pub mod service;

pub use run::{API_KEY_EXCHANGE_PATH, API_KEY_HEADER, Settings, app, prepare, reactions};
