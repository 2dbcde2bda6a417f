//! What resolvers reach through the context.

use async_graphql::{Context, ErrorExtensions, Result};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::DatabaseConnection;
use tessera_kit::{error::ServiceError, viewer::Viewer};
use tokio::sync::OnceCell;
use uuid::Uuid;

pub use crate::graphql::loaders::Loaders;
use crate::service::access::Access;

/// What one request shares between its resolvers: the caller's [`Access`], resolved at
/// most once, and the request's clock (so that every user's statistics window of one
/// request is the same window, and their loads batch together).
pub struct AccessCell {
    access: OnceCell<Access>,
    now: DateTime<Utc>,
}

impl Default for AccessCell {
    fn default() -> Self {
        Self {
            access: OnceCell::new(),
            now: Utc::now().trunc_subsecs(6),
        }
    }
}

/// The time the request started.
pub fn now(ctx: &Context<'_>) -> DateTime<Utc> {
    ctx.data_unchecked::<AccessCell>().now
}

/// The database connection.
pub fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

/// The loaders.
pub fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// The caller with the athletes they coach here, resolved once per request (one
/// statement, for coaches only).
pub async fn access<'a>(ctx: &Context<'a>) -> Result<&'a Access> {
    let viewer = ctx.data_opt::<Viewer>().copied().unwrap_or_default();
    let cell = ctx.data_unchecked::<AccessCell>();
    cell.access
        .get_or_try_init(|| Access::resolve(db(ctx), viewer))
        .await
        .map_err(|err| err.extend())
}

/// Parses an `ID` argument into a UUID, naming the argument when it is not one.
pub fn uuid_arg(id: &async_graphql::ID, field: &str) -> Result<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| {
        ServiceError::invalid(field, format!("`{}` is not a valid id", id.as_str())).extend()
    })
}
