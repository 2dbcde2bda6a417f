//! The codex subgraph's GraphQL surface.
//!
//! # Layout
//! - [`context`]: reaching the database, loaders, the caller and the request's clock.
//! - [`loaders`]: the batched queries behind every list.
//! - [`entry`]: the `CodexEntry` entity interface, its kinds `CodexArticle` and
//!   `CodexPractice`, and the search result connection.
//! - [`user`]: `User` (the users domain's entity) extended with authored entries.
//! - [`query`], [`mutation`]: root fields.
//! - [`entities`]: `_entities` resolution of `User`, and of `CodexEntry` (as the
//!   interface or as one of its kinds).
//! - [`inputs`]: input and payload types.

pub mod context;
pub mod entities;
pub mod entry;
pub mod inputs;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod user;

use async_graphql::MergedObject;

pub use context::{Loaders, RequestCell};
pub use mutation::Mutation;

/// The root query type of the codex subgraph.
#[derive(MergedObject, Default)]
pub struct Query(query::CodexQuery, entities::CodexEntities);
