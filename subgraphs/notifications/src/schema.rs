//! The notifications schema and its federation SDL.

use async_graphql::{EmptySubscription, Schema};
use sea_orm::DatabaseConnection;

use crate::graphql::{Loaders, Mutation, Query};

/// The notifications subgraph's schema type.
pub type NotificationsSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its data: connection and loaders.
pub fn build(db: DatabaseConnection) -> NotificationsSchema {
    Schema::build(Query::default(), Mutation, EmptySubscription)
        .enable_federation()
        .data(Loaders::new(db.clone()))
        .data(db)
        .finish()
}

/// The subgraph SDL as composition reads it (`_service { sdl }`), with the federation
/// `@link` and directives.
pub fn sdl() -> String {
    let schema = Schema::build(Query::default(), Mutation, EmptySubscription)
        .enable_federation()
        .finish();
    tessera_kit::directives::federation_sdl(&schema)
}
