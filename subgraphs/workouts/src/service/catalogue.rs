//! The exercise catalogue: reference data every installation has (seeded at start, not
//! only with the demo), found by id, by slug, or page by page.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, LikeExpr, OnConflict},
};
use tessera_kit::{error::ServiceError, pagination::Page};
use uuid::Uuid;

use crate::entity::exercise::{self, MuscleGroup};

/// The catalogue as shipped: slug, name, muscle groups, equipment.
pub const CATALOGUE: &[(&str, &str, &[MuscleGroup], &str)] = {
    use MuscleGroup::*;
    &[
        (
            "back-squat",
            "Back squat",
            &[Quads, Glutes, Core],
            "barbell",
        ),
        ("front-squat", "Front squat", &[Quads, Core], "barbell"),
        (
            "deadlift",
            "Deadlift",
            &[Hamstrings, Glutes, Back],
            "barbell",
        ),
        (
            "romanian-deadlift",
            "Romanian deadlift",
            &[Hamstrings, Glutes],
            "barbell",
        ),
        (
            "bench-press",
            "Bench press",
            &[Chest, Arms, Shoulders],
            "barbell",
        ),
        (
            "overhead-press",
            "Overhead press",
            &[Shoulders, Arms],
            "barbell",
        ),
        ("barbell-row", "Barbell row", &[Back, Arms], "barbell"),
        ("pull-up", "Pull-up", &[Back, Arms], "bodyweight"),
        ("push-up", "Push-up", &[Chest, Arms], "bodyweight"),
        ("dip", "Dip", &[Chest, Arms], "bodyweight"),
        ("plank", "Plank", &[Core], "bodyweight"),
        (
            "walking-lunge",
            "Walking lunge",
            &[Quads, Glutes],
            "dumbbell",
        ),
        ("hip-thrust", "Hip thrust", &[Glutes, Hamstrings], "barbell"),
        ("calf-raise", "Standing calf raise", &[Calves], "machine"),
        ("lat-pulldown", "Lat pulldown", &[Back, Arms], "cable"),
        ("dumbbell-curl", "Dumbbell curl", &[Arms], "dumbbell"),
        (
            "kettlebell-swing",
            "Kettlebell swing",
            &[Glutes, Hamstrings, Cardio],
            "kettlebell",
        ),
        ("rowing-erg", "Rowing ergometer", &[Cardio, Back], "machine"),
        ("easy-run", "Easy run", &[Cardio, Calves], "none"),
        (
            "assault-bike",
            "Air bike intervals",
            &[Cardio, Quads],
            "machine",
        ),
    ]
};

/// The fixed id of the catalogue's `n`-th exercise (UUIDv7-shaped, stable across
/// installations, so plans and sets can be exchanged between them).
pub const fn exercise_id(n: u8) -> Uuid {
    Uuid::from_bytes([
        0x01, 0x93, 0x00, 0x00, 0x00, 0x00, 0x70, 0x01, 0x80, 0x00, 0, 0, 0, 0, 0, n,
    ])
}

/// The id of the catalogue exercise `slug`.
///
/// # Panics
/// When `slug` is not in [`CATALOGUE`]: a typo in seed code.
pub fn id_of(slug: &str) -> Uuid {
    let n = CATALOGUE
        .iter()
        .position(|(s, ..)| *s == slug)
        .expect("the slug is in the catalogue");
    exercise_id(u8::try_from(n + 1).expect("the catalogue has fewer than 255 entries"))
}

/// Inserts the catalogue where missing. Running it again changes nothing.
pub async fn seed(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), ServiceError> {
    let now = now.trunc_subsecs(6);
    let rows = CATALOGUE
        .iter()
        .enumerate()
        .map(
            |(i, (slug, name, groups, equipment))| exercise::ActiveModel {
                id: Set(exercise_id(
                    u8::try_from(i + 1).expect("the catalogue has fewer than 255 entries"),
                )),
                slug: Set((*slug).to_owned()),
                name: Set((*name).to_owned()),
                muscle_groups: Set(groups
                    .iter()
                    .map(|g| g.as_str())
                    .collect::<Vec<_>>()
                    .join(",")),
                equipment: Set((*equipment).to_owned()),
                created_at: Set(now),
            },
        );
    exercise::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(exercise::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The catalogue exercises whose name `text` spells out as whole words, in any letter
/// case and with the last word also in the plural (`"The back squat"` and `"Back
/// squats"` name the back squat, not the front squat), the longest name winning where
/// names overlap (`"Romanian deadlift"` names the Romanian deadlift, not the deadlift),
/// in catalogue order. No query: the catalogue is reference data shipped with the
/// service, its ids fixed.
pub fn named_in(text: &str) -> Vec<Uuid> {
    let text = words(text);
    let mut names: Vec<(usize, Vec<String>)> = CATALOGUE
        .iter()
        .enumerate()
        .map(|(i, (_, name, ..))| (i, words(name)))
        .filter(|(_, name)| !name.is_empty())
        .collect();
    names.sort_by_key(|(_, name)| std::cmp::Reverse(name.len()));
    let mut taken = vec![false; text.len()];
    let mut found = Vec::new();
    for (i, name) in names {
        for start in 0..text.len().saturating_sub(name.len() - 1) {
            let span = start..start + name.len();
            if spells(&text[span.clone()], &name) && !taken[span.clone()].iter().any(|t| *t) {
                taken[span].iter_mut().for_each(|t| *t = true);
                found.push(i);
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    found
        .into_iter()
        .map(|i| {
            exercise_id(u8::try_from(i + 1).expect("the catalogue has fewer than 255 entries"))
        })
        .collect()
}

/// Whether `words` are `name`'s words, the last one perhaps with a plural `s` or `es`.
fn spells(words: &[String], name: &[String]) -> bool {
    let last = name.len() - 1;
    words.iter().zip(name).enumerate().all(|(i, (w, n))| {
        w == n
            || (i == last
                && w.strip_prefix(n.as_str())
                    .is_some_and(|rest| rest == "s" || rest == "es"))
    })
}

/// The lowercase words of `text` (letters and digits; anything else separates).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
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
