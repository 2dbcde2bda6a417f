//! The dataloaders: every list and every reference resolves through one of these, so a
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
    entity::{assignment, exercise, plan, plan_target, workout, workout_set},
    service::{
        plans,
        progress::{self, Stats, Window},
        sessions::{self, Range},
    },
};

/// The loaders of this subgraph, shared by the whole schema.
pub struct Loaders {
    /// Catalogue exercises by id.
    pub exercises: DataLoader<KeyLoader<exercise::Entity>>,
    /// Live plans by id.
    pub plans: DataLoader<KeyLoader<plan::Entity>>,
    /// Live workouts by id.
    pub workouts: DataLoader<KeyLoader<workout::Entity>>,
    /// The targets of each plan.
    pub targets: DataLoader<GroupedLoader<TargetsOf>>,
    /// The sets of each workout.
    pub sets: DataLoader<GroupedLoader<SetsOf>>,
    /// A page of each athlete's workouts.
    pub workout_pages: DataLoader<GroupedLoader<WorkoutsOf>>,
    /// A page of each coach's plans.
    pub plan_pages: DataLoader<GroupedLoader<PlansOf>>,
    /// A page of each athlete's assignments.
    pub assignment_pages: DataLoader<GroupedLoader<AssignmentsOf>>,
    /// Each athlete's statistics.
    pub stats: DataLoader<GroupedLoader<StatsOf>>,
}

impl Loaders {
    /// Loaders over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            exercises: KeyLoader::<exercise::Entity>::new(db.clone(), exercise::Column::Id, |e| {
                e.id
            })
            .into_dataloader(),
            plans: KeyLoader::<plan::Entity>::new(db.clone(), plan::Column::Id, |p| p.id)
                .scoped(Condition::all().add(plan::Column::DeletedAt.is_null()))
                .into_dataloader(),
            workouts: KeyLoader::<workout::Entity>::new(db.clone(), workout::Column::Id, |w| w.id)
                .scoped(Condition::all().add(workout::Column::DeletedAt.is_null()))
                .into_dataloader(),
            targets: GroupedLoader::dataloader(db.clone()),
            sets: GroupedLoader::dataloader(db.clone()),
            workout_pages: GroupedLoader::dataloader(db.clone()),
            plan_pages: GroupedLoader::dataloader(db.clone()),
            assignment_pages: GroupedLoader::dataloader(db.clone()),
            stats: GroupedLoader::dataloader(db),
        }
    }
}

/// The targets of plans.
pub struct TargetsOf;

impl GroupedQuery for TargetsOf {
    type Args = ();
    type Value = Vec<plan_target::Model>;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        plans::targets_of(db, parents).await
    }
}

/// The sets of workouts.
pub struct SetsOf;

impl GroupedQuery for SetsOf {
    type Args = ();
    type Value = Vec<workout_set::Model>;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        _: &(),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        sessions::sets_of(db, parents).await
    }
}

/// A page of athletes' workouts in a date range.
pub struct WorkoutsOf;

impl GroupedQuery for WorkoutsOf {
    type Args = (Range, Page);
    type Value = Vec<workout::Model>;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        (range, page): &(Range, Page),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        sessions::of_athletes(db, parents, *range, page).await
    }
}

/// A page of coaches' plans (archived ones when the flag is set).
pub struct PlansOf;

impl GroupedQuery for PlansOf {
    type Args = (bool, Page);
    type Value = Vec<plan::Model>;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        (include_archived, page): &(bool, Page),
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        plans::authored_by(db, parents, *include_archived, page).await
    }
}

/// A page of athletes' plan assignments.
pub struct AssignmentsOf;

impl GroupedQuery for AssignmentsOf {
    type Args = Page;
    type Value = Vec<assignment::Model>;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        page: &Page,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        plans::assignments_of(db, parents, page).await
    }
}

/// Athletes' statistics over a window.
pub struct StatsOf;

impl GroupedQuery for StatsOf {
    type Args = Window;
    type Value = Stats;

    async fn load(
        db: &DatabaseConnection,
        parents: &[Uuid],
        window: &Window,
    ) -> Result<HashMap<Uuid, Self::Value>, ServiceError> {
        progress::stats_of(db, parents, *window).await
    }
}
