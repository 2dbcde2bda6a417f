//! The users subgraph's GraphQL surface.
//!
//! # Layout
//! - [`context`]: reaching the database, loaders and the caller's [`Access`] from a resolver.
//! - [`user`]: the `User` type.
//! - [`query`], [`mutation`]: root fields.
//! - [`entities`]: `_entities` resolution of `User` by `id`.
//! - [`inputs`], [`export`], [`session`], [`api_key`]: input and payload types.
//! - [`audit`]: the audit log, for administrators.
//! - [`events`]: erasure receipts, coaching links, dead letters and their replay.

pub mod api_key;
pub mod audit;
pub mod context;
pub mod entities;
pub mod events;
pub mod export;
pub mod inputs;
pub mod mutation;
pub mod query;
pub mod session;
pub mod user;

use async_graphql::MergedObject;

pub use context::{AccessCell, Loaders};

/// The root query type of the users subgraph.
#[derive(MergedObject, Default)]
pub struct Query(
    query::UserQuery,
    audit::AuditQuery,
    events::EventsQuery,
    entities::UserEntities,
);

/// The root mutation type of the users subgraph.
#[derive(MergedObject, Default)]
pub struct Mutation(mutation::AccountMutation, events::EventsMutation);
