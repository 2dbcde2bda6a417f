//! The workouts domain's rules, as plain async functions over a connection. Nothing here
//! knows GraphQL; the `graphql` module calls these and maps errors with their codes.
//!
//! # Layout
//! - [`access`]: who may see and change whose training.
//! - [`validation`]: checking input, field by field.
//! - [`catalogue`]: the exercise catalogue.
//! - [`plans`]: coaches' plans: create, update, archive, assign.
//! - [`sessions`]: athletes' workouts: schedule, log sets, complete, list.
//! - [`progress`]: weekly volume, adherence and personal records, computed in SQL.
//! - [`privacy`]: GDPR export and erasure of the caller's rows.
//! - [`purge`]: removing for good what was soft-deleted longer ago than the retention.

pub mod access;
pub mod catalogue;
pub mod plans;
pub mod privacy;
pub mod progress;
pub mod purge;
pub mod sessions;
pub mod validation;
