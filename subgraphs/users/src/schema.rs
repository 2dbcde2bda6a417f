//! The users schema and its federation SDL.

use std::sync::Arc;

use async_graphql::{EmptySubscription, Schema};
use sea_orm::DatabaseConnection;

use crate::{
    Settings,
    graphql::{Loaders, Mutation, Query},
    service::keys::KeyRing,
};

/// The users subgraph's schema type.
pub type UsersSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema with its data: connection, loaders, settings, signing keys.
pub fn build(db: DatabaseConnection, settings: Settings, keys: Arc<KeyRing>) -> UsersSchema {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .enable_federation()
        .data(Loaders::new(db.clone()))
        .data(db)
        .data(settings)
        .data(keys)
        .finish()
}

/// The subgraph SDL as composition reads it (`_service { sdl }`), with the federation
/// `@link` and directives.
pub fn sdl() -> String {
    let schema = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .enable_federation()
        .finish();
    tessera_kit::directives::federation_sdl(&schema)
}
