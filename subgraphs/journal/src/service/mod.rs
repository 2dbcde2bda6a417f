//! The journal domain's rules, as plain async functions over a connection. Nothing here
//! knows GraphQL; the `graphql` module calls these and maps errors with their codes.
//!
//! # Layout
//! - [`access`]: who may read which entries.
//! - [`validation`]: checking input, field by field.
//! - [`entries`]: create, update, delete (soft), restore, find, list.
//! - [`trend`]: mood and energy per local day, averaged by the database.
//! - [`privacy`]: GDPR export and erasure of the caller's entries.
//! - [`purge`]: removing for good the entries deleted longer ago than the retention.

pub mod access;
pub mod entries;
pub mod privacy;
pub mod purge;
pub mod trend;
pub mod validation;
