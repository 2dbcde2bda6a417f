//! The notifications domain's rules, as plain async functions over a connection.
//! Nothing here knows GraphQL; the `graphql` module calls these and maps errors with
//! their codes.
//!
//! # Layout
//! - [`access`]: who may send to whom, and whose inbox and settings one may read.
//! - [`validation`]: checking input, field by field.
//! - [`sending`]: idempotent sends that write the delivery outbox in the same transaction.
//! - [`inbox`]: listing, counting and marking notifications read; delivery status.
//! - [`settings`]: devices, preferences, quiet hours, consent, coach contacts.
//! - [`delivery`]: the channel trait, the providers, and the outbox worker.
//! - [`privacy`]: GDPR export and erasure of the caller's rows.
//! - [`ledger`]: the pseudonymised consent evidence an erasure keeps, for a bounded time.
//! - [`purge`]: removing for good what was soft-deleted longer ago than the retention.

pub mod access;
pub mod delivery;
pub mod inbox;
pub mod ledger;
pub mod privacy;
pub mod purge;
pub mod sending;
pub mod settings;
pub mod validation;
