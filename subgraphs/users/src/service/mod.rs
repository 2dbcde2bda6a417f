//! The users domain's rules, as plain async functions over a connection. Nothing here
//! knows GraphQL; the `graphql` module calls these and maps errors with their codes.
//!
//! # Layout
//! - [`validation`]: normalising and checking profile input, field by field.
//! - [`accounts`]: sign up, update profile, delete (soft, then purge), export.
//! - [`directory`]: finding users by id, handle, and filtered lists.
//! - [`coaching`]: who coaches whom (linked and unlinked announced as events).
//! - [`erasure`]: a deleted account erased in every domain, and its receipt.
//! - [`dead_letters`]: every consumer's dead letters, for administrators, and replays.
//! - [`access`]: who may see what about whom.
//! - [`passwords`]: argon2id hashing and the demo password.
//! - [`sessions`]: sign-in, refresh-token rotation with reuse detection, sign-out.
//! - [`api_keys`]: API keys issued to partners, exchanged for access tokens.
//! - [`audit`]: the tamper-evident audit log of sensitive actions.
//! - [`keys`]: the access-token signing keys, their rotation and the JWKS.

pub mod access;
pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod coaching;
pub mod dead_letters;
pub mod directory;
pub mod erasure;
pub mod key_encryption;
pub mod keys;
pub mod passwords;
pub mod sessions;
pub mod validation;
