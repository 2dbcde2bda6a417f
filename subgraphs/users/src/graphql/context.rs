//! What resolvers reach through the context.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    Context, ErrorExtensions, Result,
    dataloader::{DataLoader, Loader},
};
use sea_orm::DatabaseConnection;
use tessera_kit::{
    error::ServiceError,
    loader::{GroupedLoader, KeyLoader, LoadError},
    viewer::Viewer,
};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::{
    entity::user,
    service::{access::Access, api_keys, coaching, directory},
};

/// The loaders of this subgraph, shared by the whole schema.
pub struct Loaders {
    /// Active users by id.
    pub users: DataLoader<KeyLoader<user::Entity>>,
    /// Active coaches by athlete id.
    pub coaches: DataLoader<CoachesLoader>,
    /// API keys by owner.
    pub api_keys: DataLoader<GroupedLoader<api_keys::KeysOf>>,
}

impl Loaders {
    /// Loaders over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            users: KeyLoader::<user::Entity>::new(db.clone(), user::Column::Id, |u| u.id)
                .scoped(directory::active())
                .into_dataloader(),
            api_keys: GroupedLoader::dataloader(db.clone()),
            coaches: DataLoader::new(CoachesLoader { db }, tokio::spawn),
        }
    }
}

/// Loads the coaches of many athletes in one statement.
pub struct CoachesLoader {
    db: DatabaseConnection,
}

impl Loader<Uuid> for CoachesLoader {
    type Value = Vec<user::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        coaching::coaches_of(&self.db, keys)
            .await
            .map_err(|err| LoadError(Arc::new(err)))
    }
}

/// The caller's [`Access`], resolved at most once per request.
#[derive(Default)]
pub struct AccessCell(OnceCell<Access>);

/// The database connection.
pub fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

/// The loaders.
pub fn loaders<'a>(ctx: &Context<'a>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// The caller, resolved to their account once per request.
pub async fn access<'a>(ctx: &Context<'a>) -> Result<&'a Access> {
    let viewer = ctx.data_opt::<Viewer>().cloned().unwrap_or_default();
    let cell = ctx.data_unchecked::<AccessCell>();
    cell.0
        .get_or_try_init(|| async {
            match viewer.user_id() {
                None => Ok(Access::ANONYMOUS),
                Some(id) => loaders(ctx)
                    .users
                    .load_one(id)
                    .await
                    .map(|found| found.map(Access::of).unwrap_or_default()),
            }
        })
        .await
        .map_err(|err: LoadError| err.extend())
}

/// Parses an `ID` argument into a UUID, naming the argument when it is not one.
pub fn uuid_arg(id: &async_graphql::ID, field: &str) -> Result<Uuid> {
    Uuid::parse_str(id.as_str()).map_err(|_| {
        ServiceError::invalid(field, format!("`{}` is not a valid id", id.as_str())).extend()
    })
}
