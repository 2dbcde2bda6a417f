//! The users domain's rules, as plain async functions over a connection. Nothing here
//! knows GraphQL; the `graphql` module calls these and maps errors with their codes.
//!
//! # Layout
//! - [`validation`]: normalising and checking profile input, field by field.
//! - [`accounts`]: sign up, update profile, delete (soft, then purge), export.
//! - [`directory`]: finding users by id, handle, and filtered lists.
//! - [`coaching`]: who coaches whom.
//! - [`access`]: who may see what about whom.

pub mod access;
pub mod accounts;
pub mod coaching;
pub mod directory;
pub mod validation;
