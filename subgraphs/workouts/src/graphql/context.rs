//! What resolvers reach through the context.

use std::sync::OnceLock;

use async_graphql::{Context, ErrorExtensions, Result};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::DatabaseConnection;
use tessera_kit::{error::ServiceError, viewer::Viewer};
use uuid::Uuid;

pub use crate::graphql::loaders::Loaders;
use crate::service::access::Access;

/// What one request shares between its resolvers: the caller's [`Access`], made once,
/// and the request's clock (so that every user's statistics window of one request is the
/// same window, and their loads batch together).
pub struct AccessCell {
    access: OnceLock<Access>,
    now: DateTime<Utc>,
}

impl Default for AccessCell {
    fn default() -> Self {
        Self {
            access: OnceLock::new(),
            now: Utc::now().trunc_subsecs(6),
        }
    }
}

/// The time the request started (for a subscription's event, which has no request
/// cell: now).
pub fn now(ctx: &Context<'_>) -> DateTime<Utc> {
    ctx.data_opt::<AccessCell>()
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

/// The caller, with the athletes they coach (from the router's identity).
pub fn access<'a>(ctx: &Context<'a>) -> &'a Access {
    static ANONYMOUS: std::sync::LazyLock<Access> = std::sync::LazyLock::new(Access::anonymous);
    match ctx.data_opt::<AccessCell>() {
        Some(cell) => cell
            .access
            .get_or_init(|| Access::new(ctx.data_opt::<Viewer>().cloned().unwrap_or_default())),
        // A subscription's event: the socket's caller, as `connection_init` gave it.
        None => ctx.data_opt::<Access>().unwrap_or(&ANONYMOUS),
    }
}

/// Parses an `ID` argument into a UUID, naming the argument when it is not one.
pub fn uuid_arg(id: &async_graphql::ID, field: &str) -> Result<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| {
        ServiceError::invalid(field, format!("`{}` is not a valid id", id.as_str())).extend()
    })
}
