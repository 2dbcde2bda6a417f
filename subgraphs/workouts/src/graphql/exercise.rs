//! The `Exercise` type: the catalogue partners may read.

use async_graphql::{ID, Object};

use crate::entity::exercise::{self, MuscleGroup};

/// A catalogue exercise as GraphQL shows it.
#[derive(Clone)]
pub struct Exercise(pub exercise::Model);

tessera_kit::connection!(
    ExerciseConnection,
    ExerciseEdge,
    Exercise,
    "A page of the exercise catalogue, in catalogue order."
);

/// An exercise of the catalogue, referred to by plans and logged sets. Identified by
/// `id` or by its `slug`; partners may read the catalogue.
#[Object(tag = "partner", directive = tessera_kit::directives::cache_control::apply(Some(3600), None, None))]
impl Exercise {
    /// Stable identifier (a UUIDv7).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Unique URL-safe name, e.g. `back-squat`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Name shown to people, e.g. `Back squat`.
    // Shareable: the codex ships the same catalogue names (`tessera_kit::catalogue`)
    // and provides them with a practice's steps.
    #[graphql(shareable)]
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The muscle groups it trains, main one first.
    async fn muscle_groups(&self) -> Vec<MuscleGroup> {
        self.0.muscle_groups()
    }

    /// What it needs: `barbell`, `dumbbell`, `kettlebell`, `cable`, `machine`,
    /// `bodyweight` or `none`.
    async fn equipment(&self) -> &str {
        &self.0.equipment
    }
}
