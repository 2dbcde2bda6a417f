//! The dataloaders: every list and every entity batch resolves through one of these, so
//! a request costs the same number of statements for 2 users as for 50.

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
    entity::entry,
    service::{
        access::Visibility,
        entries::{self, EntryFilter},
        trend::{self, MoodDay, TrendArgs},
    },
};

/// The loaders of this subgraph, shared by the whole schema.
pub struct Loaders {
    /// Live entries by id.
    pub entries: DataLoader<KeyLoader<entry::Entity>>,
    /// A page of each author's entries.
    pub entry_pages: DataLoader<GroupedLoader<EntriesOf>>,
    /// Each author's mood trend.
    pub trends: DataLoader<GroupedLoader<TrendOf>>,
}

impl Loaders {
    /// Loaders over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            entries: KeyLoader::<entry::Entity>::new(db.clone(), entry::Column::Id, |e| e.id)
                .scoped(Condition::all().add(entry::Column::DeletedAt.is_null()))
                .into_dataloader(),
            entry_pages: GroupedLoader::dataloader(db.clone()),
            trends: GroupedLoader::dataloader(db),
        }
    }
}

/// A page of authors' entries, filtered, as one caller may see them.
pub struct EntriesOf;

impl GroupedQuery for EntriesOf {
    type Args = (EntryFilter, Visibility, Page);
    type Value = Vec<entry::Model>;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        (filter, visibility, page): &Self::Args,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        entries::of_authors(db, parents, filter, *visibility, page).await
    }
}

/// Authors' mood trends.
pub struct TrendOf;

impl GroupedQuery for TrendOf {
    type Args = TrendArgs;
    type Value = Vec<MoodDay>;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        args: &TrendArgs,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        trend::trend_of(db, parents, args).await
    }
}
