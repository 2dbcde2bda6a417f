//! The exercise catalogue: seeded, shared by every plan and logged set.

use sea_orm::entity::prelude::*;

/// A row of `exercises`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "exercises")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Unique, URL-safe (`back-squat`): the catalogue's second key.
    pub slug: String,
    pub name: String,
    /// Lowercase muscle group names, comma-separated (see [`MuscleGroup`]).
    pub muscle_groups: String,
    pub equipment: String,
    pub created_at: DateTimeUtc,
}

impl Model {
    /// The muscle groups the exercise trains.
    pub fn muscle_groups(&self) -> Vec<MuscleGroup> {
        self.muscle_groups
            .split(',')
            .filter_map(MuscleGroup::parse)
            .collect()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A muscle group an exercise trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
#[graphql(tag = "partner")]
pub enum MuscleGroup {
    /// Chest.
    Chest,
    /// Upper and lower back.
    Back,
    /// Shoulders.
    Shoulders,
    /// Biceps, triceps and forearms.
    Arms,
    /// Abdominals and obliques.
    Core,
    /// Front of the thigh.
    Quads,
    /// Back of the thigh.
    Hamstrings,
    /// Glutes.
    Glutes,
    /// Calves.
    Calves,
    /// Heart and lungs (conditioning work).
    Cardio,
}

impl MuscleGroup {
    /// Every group.
    pub const ALL: [MuscleGroup; 10] = [
        MuscleGroup::Chest,
        MuscleGroup::Back,
        MuscleGroup::Shoulders,
        MuscleGroup::Arms,
        MuscleGroup::Core,
        MuscleGroup::Quads,
        MuscleGroup::Hamstrings,
        MuscleGroup::Glutes,
        MuscleGroup::Calves,
        MuscleGroup::Cardio,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            MuscleGroup::Chest => "chest",
            MuscleGroup::Back => "back",
            MuscleGroup::Shoulders => "shoulders",
            MuscleGroup::Arms => "arms",
            MuscleGroup::Core => "core",
            MuscleGroup::Quads => "quads",
            MuscleGroup::Hamstrings => "hamstrings",
            MuscleGroup::Glutes => "glutes",
            MuscleGroup::Calves => "calves",
            MuscleGroup::Cardio => "cardio",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == name)
    }
}
