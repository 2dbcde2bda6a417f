//! The subgraph kit: what every Tessera domain service shares, so that each domain crate
//! holds only its entities, rules and GraphQL types.
//!
//! # Layout
//! - [`catalogue`]: the exercise catalogue's ids, slugs and names, shipped with every service.
//! - [`cache`]: what a response tells the router's caches (entities changed, private).
//! - [`config`]: the settings a subgraph process reads (listen address, database).
//! - [`db`]: connecting to SQLite or PostgreSQL from config, migrations on start.
//! - [`error`]: `extensions.code` on every GraphQL error; database errors mapped to codes.
//! - [`events`]: the outbox, its relay (Redis Streams or in process), consumers with
//!   idempotent handlers, retries and dead letters; the catalogue of events.
//! - [`health`]: the database check readiness answers with, and the breaker in front of
//!   the database.
//! - [`server`]: the axum app (`/graphql`, `/health/live`, `/health/ready`), graceful shutdown.
//! - [`telemetry`]: tracing set-up shared by all binaries.
//! - [`viewer`]: who is asking, as resolvers see it.
//! - [`directives`]: `@authenticated`, `@policy` (and async-graphql's `@requiresScopes`)
//!   for the router to enforce, `@cacheControl` for its caches, and the federation SDL
//!   that carries them.
//! - [`pagination`]: Relay connections with capped page sizes and opaque cursors.
//! - [`loader`]: dataloaders that fetch many rows by key in one statement.
//! - [`purge`]: the timer that removes soft-deleted rows after their retention.
//! - [`privacy`]: GDPR export and erasure of the rows a person owns in one table.
//! - [`startup`]: the start of a subgraph process (connect, migrate, seed, bind, purge).
//! - [`demo`]: the demo identities every domain's seed data refers to.
//! - `testing` (feature `testing`): a fresh database per test, a subgraph served over HTTP.

pub mod cache;
pub mod catalogue;
pub mod config;
pub mod db;
pub mod demo;
pub mod directives;
pub mod error;
pub mod events;
pub mod health;
pub mod loader;
pub mod pagination;
pub mod privacy;
pub mod purge;
pub mod server;
pub mod startup;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod viewer;

pub use tessera_codes::ErrorCode;
