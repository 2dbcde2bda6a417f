//! The notifications schema and its federation SDL.

use async_graphql::Schema;
use sea_orm::DatabaseConnection;

use crate::graphql::{Live, Loaders, Mutation, NotificationSubscription, Query};

/// The notifications subgraph's schema type.
pub type NotificationsSchema = Schema<Query, Mutation, NotificationSubscription>;

/// The schema with its data: connection, loaders and, when events are wired, the bus
/// the live subscriptions listen to.
pub fn build(db: DatabaseConnection, live: Option<Live>) -> NotificationsSchema {
    let mut schema = Schema::build(Query::default(), Mutation, NotificationSubscription)
        .enable_federation()
        .enable_subscription_in_federation()
        .data(Loaders::new(db.clone()))
        .data(db);
    if let Some(live) = live {
        schema = schema.data(live);
    }
    schema.finish()
}

/// The subgraph SDL as composition reads it (`_service { sdl }`), with the federation
/// `@link` and directives.
pub fn sdl() -> String {
    let schema = Schema::build(Query::default(), Mutation, NotificationSubscription)
        .enable_federation()
        .enable_subscription_in_federation()
        .finish();
    tessera_kit::directives::federation_sdl(&schema)
}
