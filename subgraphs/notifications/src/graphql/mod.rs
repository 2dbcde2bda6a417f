//! The notifications subgraph's GraphQL surface.
//!
//! # Layout
//! - [`context`]: reaching the database, loaders, the caller and the request's clock.
//! - [`loaders`]: the batched queries behind every list and count.
//! - [`types`]: `Notification`, `Delivery`, `Device`, preferences, quiet hours, consent.
//! - [`user`]: `User` (the users domain's entity) extended with inbox and settings.
//! - [`query`], [`mutation`]: root fields; [`subscription`]: the inbox, live.
//! - [`entities`]: `_entities` resolution of `User` and `Delivery` (compound key).
//! - [`inputs`]: input types.

pub mod context;
pub mod entities;
pub mod inputs;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod subscription;
pub mod types;
pub mod user;

use async_graphql::MergedObject;

pub use context::{Loaders, RequestCell};
pub use mutation::Mutation;
pub use subscription::{Live, NotificationSubscription};

/// The root query type of the notifications subgraph.
#[derive(MergedObject, Default)]
pub struct Query(query::NotificationQuery, entities::NotificationEntities);
