//! Dataloaders: many `load(id)` calls made while resolving one request become one
//! `SELECT … WHERE key IN (…)`, so the statements a request costs do not grow with the
//! length of a list or the size of an `_entities` batch.
//!
//! Loaders carry no cache across requests (async-graphql's default `NoCache`): they can
//! be shared by the whole schema, batch concurrent requests together, and never serve a
//! row that changed after it was read.

use std::{collections::HashMap, marker::PhantomData, sync::Arc};

use async_graphql::{
    ErrorExtensions,
    dataloader::{DataLoader, Loader},
};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::ServiceError;

/// How long a loader waits for more keys before it runs its statement, once the
/// resolvers that were ready have had their turn (see [`spawn_batch`]).
pub const BATCH_WINDOW: std::time::Duration = std::time::Duration::from_millis(2);

/// Yields granted to ready resolvers before a batch's window starts.
const YIELDS_BEFORE_BATCH: usize = 16;

/// Spawns a loader's batch task after letting every task that is ready to run (the
/// request still registering keys of the same list level) run first. async-graphql
/// starts a batch's timer when the first key arrives; on a busy machine the rest of the
/// level could arrive after it fired and cost a second statement. Yielding first makes
/// "one statement per level" depend on the scheduler's order rather than on timing.
pub fn spawn_batch(task: BatchTask) {
    tokio::spawn(async move {
        for _ in 0..YIELDS_BEFORE_BATCH {
            tokio::task::yield_now().await;
        }
        task.await;
    });
}

/// The future async-graphql's `DataLoader` hands to its spawner.
pub type BatchTask = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// A loader's error: shared because one failed batch fails every `load` in it.
#[derive(Debug, Clone)]
pub struct LoadError(pub Arc<ServiceError>);

impl ErrorExtensions for LoadError {
    fn extend(&self) -> async_graphql::Error {
        self.0.extend()
    }
}

/// Loads rows of `E` by a UUID column, optionally within a scope (e.g. "not deleted").
pub struct KeyLoader<E: EntityTrait> {
    db: DatabaseConnection,
    column: E::Column,
    key_of: fn(&E::Model) -> Uuid,
    scope: Condition,
    _entity: PhantomData<fn() -> E>,
}

impl<E: EntityTrait> KeyLoader<E> {
    /// A loader of `E` rows whose `column` equals the key; `key_of` reads it back.
    pub fn new(db: DatabaseConnection, column: E::Column, key_of: fn(&E::Model) -> Uuid) -> Self {
        Self {
            db,
            column,
            key_of,
            scope: Condition::all(),
            _entity: PhantomData,
        }
    }

    /// Only rows that also match `scope` are found.
    pub fn scoped(mut self, scope: Condition) -> Self {
        self.scope = scope;
        self
    }

    /// Wraps the loader for use from resolvers (batches are spawned on tokio).
    pub fn into_dataloader(self) -> DataLoader<Self>
    where
        E::Model: Send + Sync + Clone,
    {
        DataLoader::new(self, spawn_batch).delay(BATCH_WINDOW)
    }
}

impl<E> Loader<Uuid> for KeyLoader<E>
where
    E: EntityTrait,
    E::Model: Send + Sync + Clone,
    E::Column: Send + Sync,
{
    type Value = E::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = E::find()
            .filter(self.column.is_in(keys.iter().copied()))
            .filter(self.scope.clone())
            .all(&self.db)
            .await
            .map_err(|err| LoadError(Arc::new(ServiceError::from(err))))?;
        Ok(rows
            .into_iter()
            .map(|row| ((self.key_of)(&row), row))
            .collect())
    }
}

/// A one-to-many (or per-key computed) query that takes arguments, such as "one page of
/// each user's workouts in this date range". Implement it once per list field and serve
/// it through a [`GroupedLoader`].
pub trait GroupedQuery: Send + Sync + 'static {
    /// The field's arguments (page, filters), the same for most keys of a request.
    type Args: std::hash::Hash + Eq + Clone + Send + Sync + 'static;
    /// What one key maps to (usually a `Vec` of rows).
    type Value: Clone + Send + Sync + 'static;

    /// The values of `parents` under `args`, in one statement (or a fixed few).
    fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        args: &Self::Args,
    ) -> impl Future<Output = Result<HashMap<Uuid, Self::Value>, ServiceError>> + Send;
}

/// Batches `(parent, args)` keys: the keys sharing the same arguments are loaded with
/// one [`GroupedQuery::load`], so 50 users asking for their first 10 workouts cost one
/// statement, not 50.
pub struct GroupedLoader<Q> {
    db: DatabaseConnection,
    _query: PhantomData<fn() -> Q>,
}

impl<Q: GroupedQuery> GroupedLoader<Q> {
    /// A loader over `db`, wrapped for use from resolvers.
    pub fn dataloader(db: DatabaseConnection) -> DataLoader<Self> {
        DataLoader::new(
            Self {
                db,
                _query: PhantomData,
            },
            spawn_batch,
        )
        .delay(BATCH_WINDOW)
    }
}

impl<Q: GroupedQuery> Loader<(Uuid, Q::Args)> for GroupedLoader<Q> {
    type Value = Q::Value;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Uuid, Q::Args)],
    ) -> Result<HashMap<(Uuid, Q::Args), Self::Value>, Self::Error> {
        let mut groups: HashMap<&Q::Args, Vec<Uuid>> = HashMap::new();
        for (parent, args) in keys {
            groups.entry(args).or_default().push(*parent);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (args, parents) in groups {
            let values = Q::load(&self.db, &parents, args)
                .await
                .map_err(|err| LoadError(Arc::new(err)))?;
            out.extend(
                values
                    .into_iter()
                    .map(|(parent, value)| ((parent, args.clone()), value)),
            );
        }
        Ok(out)
    }
}
