//! The dataloaders: every list and entity batch resolves through one of these, so a
//! request costs the same number of statements for 2 users as for 50.

use std::collections::HashMap;

use async_graphql::dataloader::DataLoader;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection};
use tessera_kit::{
    error::ServiceError,
    loader::{GroupedLoader, GroupedQuery, KeyLoader},
    pagination::Page,
};
use uuid::Uuid;

use crate::{
    entity::{entry, step},
    service::entries,
};

/// The loaders of this subgraph, shared by the whole schema.
pub struct Loaders {
    /// Live entries by id (readability is checked by the caller).
    pub entries: DataLoader<KeyLoader<entry::Entity>>,
    /// A page of each author's entries.
    pub entry_pages: DataLoader<GroupedLoader<EntriesOf>>,
    /// The ids of entries related to each entry.
    pub related: DataLoader<GroupedLoader<RelatedTo>>,
    /// Each practice's steps.
    pub steps: DataLoader<GroupedLoader<StepsOf>>,
}

impl Loaders {
    /// Loaders over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            entries: KeyLoader::<entry::Entity>::new(db.clone(), entry::Column::Id, |e| e.id)
                .scoped(Condition::all().add(entry::Column::DeletedAt.is_null()))
                .into_dataloader(),
            entry_pages: GroupedLoader::dataloader(db.clone()),
            related: GroupedLoader::dataloader(db.clone()),
            steps: GroupedLoader::dataloader(db),
        }
    }
}

/// A page of authors' entries (private ones too when the flag is set).
pub struct EntriesOf;

impl GroupedQuery for EntriesOf {
    type Args = (bool, Page);
    type Value = Vec<entry::Model>;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        (with_private, page): &Self::Args,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        entries::of_authors(db, parents, *with_private, page).await
    }
}

/// Up to `limit` related entries of each entry.
pub struct RelatedTo;

impl GroupedQuery for RelatedTo {
    type Args = usize;
    type Value = Vec<Uuid>;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        limit: &usize,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        entries::related_to(db, parents, *limit).await
    }
}

/// The steps of each practice, in order.
pub struct StepsOf;

impl GroupedQuery for StepsOf {
    type Args = ();
    type Value = Vec<step::Model>;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        (): &Self::Args,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        entries::steps_of(db, parents).await
    }
}
