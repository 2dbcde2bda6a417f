//! The exercise catalogue: reference data every installation has (seeded at start, not
//! only with the demo), found by id, by slug, or page by page.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, LikeExpr, OnConflict},
};
use tessera_kit::{catalogue, error::ServiceError, pagination::Page};
use uuid::Uuid;

use crate::entity::exercise::{self, MuscleGroup};

/// What each catalogue exercise trains and needs, by slug, in the order of
/// [`tessera_kit::catalogue::EXERCISES`] (which holds ids, slugs and names, shipped with
/// every service): slug, muscle groups, equipment.
pub const CATALOGUE: &[(&str, &[MuscleGroup], &str)] = {
    use MuscleGroup::*;
    &[
        ("back-squat", &[Quads, Glutes, Core], "barbell"),
        ("front-squat", &[Quads, Core], "barbell"),
        ("deadlift", &[Hamstrings, Glutes, Back], "barbell"),
        ("romanian-deadlift", &[Hamstrings, Glutes], "barbell"),
        ("bench-press", &[Chest, Arms, Shoulders], "barbell"),
        ("overhead-press", &[Shoulders, Arms], "barbell"),
        ("barbell-row", &[Back, Arms], "barbell"),
        ("pull-up", &[Back, Arms], "bodyweight"),
        ("push-up", &[Chest, Arms], "bodyweight"),
        ("dip", &[Chest, Arms], "bodyweight"),
        ("plank", &[Core], "bodyweight"),
        ("walking-lunge", &[Quads, Glutes], "dumbbell"),
        ("hip-thrust", &[Glutes, Hamstrings], "barbell"),
        ("calf-raise", &[Calves], "machine"),
        ("lat-pulldown", &[Back, Arms], "cable"),
        ("dumbbell-curl", &[Arms], "dumbbell"),
        (
            "kettlebell-swing",
            &[Glutes, Hamstrings, Cardio],
            "kettlebell",
        ),
        ("rowing-erg", &[Cardio, Back], "machine"),
        ("easy-run", &[Cardio, Calves], "none"),
        ("assault-bike", &[Cardio, Quads], "machine"),
    ]
};

/// The id of the catalogue exercise `slug`.
///
/// # Panics
/// When `slug` is not in the catalogue: a typo in seed code.
pub fn id_of(slug: &str) -> Uuid {
    catalogue::by_slug(slug)
        .expect("the slug is in the catalogue")
        .0
}

/// Each shipped exercise (index, slug and name) with what it trains and needs.
///
/// # Panics
/// When [`CATALOGUE`] and the shipped catalogue disagree on slugs or their order: a
/// mistake in this file, caught by every test that seeds.
fn described() -> impl Iterator<
    Item = (
        usize,
        &'static catalogue::Exercise,
        &'static [MuscleGroup],
        &'static str,
    ),
> {
    assert_eq!(
        CATALOGUE.len(),
        catalogue::EXERCISES.len(),
        "one description per shipped exercise"
    );
    catalogue::EXERCISES.iter().zip(CATALOGUE).enumerate().map(
        |(i, (shipped, (slug, groups, equipment)))| {
            assert_eq!(shipped.slug, *slug, "CATALOGUE follows the shipped order");
            (i, shipped, *groups, *equipment)
        },
    )
}

/// Inserts the catalogue where missing and takes over renamed exercises' names.
pub async fn seed(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), ServiceError> {
    let now = now.trunc_subsecs(6);
    let rows = described().map(|(i, shipped, groups, equipment)| exercise::ActiveModel {
        id: Set(catalogue::id_at(i)),
        slug: Set(shipped.slug.to_owned()),
        name: Set(shipped.name.to_owned()),
        muscle_groups: Set(groups
            .iter()
            .map(|g| g.as_str())
            .collect::<Vec<_>>()
            .join(",")),
        equipment: Set((*equipment).to_owned()),
        created_at: Set(now),
    });
    exercise::Entity::insert_many(rows)
        .on_conflict(
            // A name the shipped catalogue changed is taken over: other services show
            // the shipped names (`tessera_kit::catalogue`).
            OnConflict::column(exercise::Column::Id)
                .update_column(exercise::Column::Name)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The ids of the catalogue exercises `text` names (see
/// [`tessera_kit::catalogue::named_in`]), in catalogue order. No query: the catalogue
/// is reference data shipped with the service, its ids fixed.
pub fn named_in(text: &str) -> Vec<Uuid> {
    catalogue::named_in(text)
        .into_iter()
        .map(catalogue::id_at)
        .collect()
}

/// An exercise by its slug.
pub async fn by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<exercise::Model>, ServiceError> {
    Ok(exercise::Entity::find()
        .filter(exercise::Column::Slug.eq(slug.trim().to_lowercase()))
        .one(db)
        .await?)
}

/// A page of the catalogue in id order, optionally only exercises training `group`.
pub async fn list(
    db: &impl ConnectionTrait,
    group: Option<MuscleGroup>,
    page: &Page,
) -> Result<Vec<exercise::Model>, ServiceError> {
    let mut select = exercise::Entity::find();
    if let Some(group) = group {
        // Stored as `a,b,c`: match the name between commas.
        let pattern = format!("%,{},%", group.as_str());
        select =
            select.filter(Expr::cust("',' || muscle_groups || ','").like(LikeExpr::new(pattern)));
    }
    Ok(page.apply(select, exercise::Column::Id).all(db).await?)
}

/// The ids among `ids` that are not in the catalogue.
pub async fn missing(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<Uuid>, ServiceError> {
    let found: Vec<Uuid> = exercise::Entity::find()
        .filter(exercise::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect();
    Ok(ids
        .iter()
        .copied()
        .filter(|id| !found.contains(id))
        .collect())
}
