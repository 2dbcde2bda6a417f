//! The workouts subgraph's GraphQL surface.
//!
//! # Layout
//! - [`context`]: reaching the database, loaders and the caller's [`Access`](crate::service::access::Access).
//! - [`loaders`]: the batched list queries behind every list field.
//! - [`exercise`], [`plan`], [`workout`], [`user`]: the types (`User` is the users
//!   domain's entity, extended here).
//! - [`query`], [`mutation`]: root fields.
//! - [`codex`]: the codex's articles and practices, with the catalogue exercises each
//!   is about (moving to the codex: a progressive `@override` there).
//! - [`entities`]: `_entities` resolution of `User`, `Exercise` (by `id` or `slug`),
//!   `Workout`, `CodexArticle` and `CodexPractice`.
//! - [`inputs`], [`export`]: input and payload types.

pub mod codex;
pub mod context;
pub mod entities;
pub mod exercise;
pub mod export;
pub mod inputs;
pub mod loaders;
pub mod mutation;
pub mod plan;
pub mod query;
pub mod subscription;
pub mod user;
pub mod workout;

use async_graphql::MergedObject;

pub use context::{AccessCell, Loaders};
pub use mutation::Mutation;
pub use subscription::{Live, WorkoutSubscription};

/// The root query type of the workouts subgraph.
#[derive(MergedObject, Default)]
pub struct Query(query::WorkoutQuery, entities::WorkoutEntities);
