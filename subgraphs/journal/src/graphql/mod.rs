//! The journal subgraph's GraphQL surface.
//!
//! # Layout
//! - [`context`]: reaching the database, loaders, the caller and the request's clock.
//! - [`loaders`]: the batched list queries behind every list field.
//! - [`entry`]: `JournalEntry`, and the `Workout` reference the workouts subgraph resolves.
//! - [`user`]: `User` (the users domain's entity) extended with the journal.
//! - [`query`], [`mutation`]: root fields.
//! - [`entities`]: `_entities` resolution of `User` and `JournalEntry`.
//! - [`inputs`], [`export`]: input and payload types.

pub mod context;
pub mod entities;
pub mod entry;
pub mod export;
pub mod inputs;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod user;

use async_graphql::MergedObject;

pub use context::{Loaders, RequestCell};
pub use mutation::Mutation;

/// The root query type of the journal subgraph.
#[derive(MergedObject, Default)]
pub struct Query(query::JournalQuery, entities::JournalEntities);
