//! The codex domain's rules, as plain async functions over a connection. Nothing here
//! knows GraphQL; the `graphql` module calls these and maps errors with their codes.
//!
//! # Layout
//! - [`access`]: who may read and write which entries.
//! - [`validation`]: checking input, field by field.
//! - [`entries`]: create, update, delete (soft), find, list, related by tags.
//! - [`search`]: full-text search, ranked the same way on both backends.
//! - [`privacy`]: GDPR export and erasure of the caller's entries.
//! - [`purge`]: removing for good the entries deleted longer ago than the retention.

pub mod access;
pub mod entries;
pub mod privacy;
pub mod purge;
pub mod search;
pub mod validation;
