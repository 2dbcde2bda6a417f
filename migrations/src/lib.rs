//! Schema migrations, one migrator per domain.
//!
//! Each domain keeps its own bookkeeping table (`seaql_migrations_<domain>`), so the
//! domains can live in one database (the embedded default may share a file) or in
//! separate ones (production) without their histories mixing.
//!
//! Every migration runs on SQLite and PostgreSQL; the tests in this crate apply each
//! migrator up, down and up again on both.
//!
//! # Layout
//! - [`users`]: users, roles, coach–athlete links; credentials, refresh tokens, signing keys;
//!   API keys; the audit log.
//! - [`workouts`]: exercises, plans and their targets, assignments, workouts, sets.
//! - [`notifications`]: notifications, delivery outbox, devices, preferences, consents,
//!   and the pseudonymised consent ledger erasures leave behind.
//! - [`journal`]: journal entries.
//! - [`events`]: in every domain, the outbox of its events, the events its handlers
//!   processed, and the dead letters they parked.
//! - [`codex`]: codex entries (articles and practices), tags, practice steps, full-text search
//!   (tsvector + GIN, or FTS5).

// `#[async_trait]` cannot take `SchemaManager<'_>` (its lifetimes must stay late-bound).
#![allow(elided_lifetimes_in_paths)]

pub mod codex;
pub mod events;
pub mod journal;
pub mod notifications;
pub mod users;
pub mod workouts;

pub use codex::CodexMigrator;
pub use journal::JournalMigrator;
pub use notifications::NotificationsMigrator;
pub use users::UsersMigrator;
pub use workouts::WorkoutsMigrator;
