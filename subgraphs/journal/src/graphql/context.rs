//! What resolvers reach through the context.

use async_graphql::{Context, ErrorExtensions, Result};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::DatabaseConnection;
use tessera_kit::{error::ServiceError, viewer::Viewer};
use uuid::Uuid;

pub use crate::graphql::loaders::Loaders;
use crate::service::access::Access;

/// What one request's resolvers share: the request's clock, so that every author's
/// trend of one request covers the same days and their loads batch together.
pub struct RequestCell {
    now: DateTime<Utc>,
}

impl Default for RequestCell {
    fn default() -> Self {
        Self {
            now: Utc::now().trunc_subsecs(6),
        }
    }
}

/// The time the request started.
pub fn now(ctx: &Context<'_>) -> DateTime<Utc> {
    ctx.data_opt::<RequestCell>()
        .map_or_else(|| Utc::now().trunc_subsecs(6), |cell| cell.now)
}

/// The database connection.
pub fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

/// The loaders.
pub fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// The caller.
pub fn access(ctx: &Context<'_>) -> Access {
    Access::new(ctx.data_opt::<Viewer>().cloned().unwrap_or_default())
}

/// Parses an `ID` argument into a UUID, naming the argument when it is not one.
pub fn uuid_arg(id: &async_graphql::ID, field: &str) -> Result<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| {
        ServiceError::invalid(field, format!("`{}` is not a valid id", id.as_str())).extend()
    })
}
