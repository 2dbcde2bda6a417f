//! Athletes' workouts: schedule, log sets, complete, and list them by date range.

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionSession, TransactionTrait,
};
use tessera_kit::{
    error::ServiceError,
    events::{
        catalogue::{WorkoutCompleted, WorkoutStarted},
        outbox,
    },
    pagination::Page,
};
use uuid::Uuid;

use crate::{
    entity::{workout, workout_set},
    reactions::PRODUCER,
    service::{access::Access, catalogue, validation},
};

/// A workout to put in an athlete's calendar.
#[derive(Debug, Clone)]
pub struct NewWorkout {
    /// Whose calendar.
    pub athlete_id: Uuid,
    /// What it is.
    pub title: String,
    /// When.
    pub scheduled_at: DateTime<Utc>,
}

/// Schedules a workout: athletes for themselves, coaches for their athletes.
pub async fn schedule(
    db: &impl ConnectionTrait,
    access: &Access,
    input: NewWorkout,
    now: DateTime<Utc>,
) -> Result<workout::Model, ServiceError> {
    let me = access.require()?;
    let by_coach = me != input.athlete_id;
    if by_coach && !access.coaches(input.athlete_id) {
        return Err(ServiceError::Forbidden(
            "you may schedule workouts for yourself and for athletes you coach".to_owned(),
        ));
    }
    let title = validation::title("title", &input.title)?;
    let row = workout::ActiveModel {
        id: Set(Uuid::now_v7()),
        athlete_id: Set(input.athlete_id),
        coach_id: Set(by_coach.then_some(me)),
        plan_id: Set(None),
        title: Set(title),
        scheduled_at: Set(input.scheduled_at.trunc_subsecs(6)),
        completed_at: Set(None),
        duration_seconds: Set(None),
        created_at: Set(now.trunc_subsecs(6)),
        deleted_at: Set(None),
    };
    Ok(row.insert(db).await?)
}

/// A set to log.
#[derive(Debug, Clone)]
pub struct NewSet {
    /// Catalogue exercise.
    pub exercise_id: Uuid,
    /// Repetitions done.
    pub reps: i32,
    /// Load per rep (0 for bodyweight).
    pub weight_kg: f64,
    /// Perceived exertion, 1–10.
    pub rpe: Option<f64>,
    /// Time under work, for timed sets.
    pub duration_seconds: Option<i32>,
}

/// Logs a set on the caller's own workout; the first set announces the session started
/// ([`WorkoutStarted`]: their coaches watching see it).
pub async fn log_set<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    access: &Access,
    workout_id: Uuid,
    input: NewSet,
    now: DateTime<Utc>,
) -> Result<workout_set::Model, ServiceError> {
    let workout = own_workout(db, access, workout_id).await?;
    let reps = validation::within("reps", input.reps, 0..=1000)?;
    let weight_kg = validation::weight("weightKg", input.weight_kg)?;
    let rpe = input.rpe.map(validation::rpe).transpose()?;
    let duration_seconds = input
        .duration_seconds
        .map(|d| validation::within("durationSeconds", d, 1..=86_400))
        .transpose()?;
    if !catalogue::missing(db, &[input.exercise_id])
        .await?
        .is_empty()
    {
        return Err(ServiceError::invalid(
            "exerciseId",
            format!("no exercise {} in the catalogue", input.exercise_id),
        ));
    }
    let row = workout_set::ActiveModel {
        id: Set(Uuid::now_v7()),
        workout_id: Set(workout.id),
        exercise_id: Set(input.exercise_id),
        reps: Set(reps),
        weight_kg: Set(weight_kg),
        rpe: Set(rpe),
        duration_seconds: Set(duration_seconds),
        logged_at: Set(now.trunc_subsecs(6)),
    };
    let now = now.trunc_subsecs(6);
    let txn = tessera_kit::db::begin_write(db).await?;
    let first = workout_set::Entity::find()
        .filter(workout_set::Column::WorkoutId.eq(workout.id))
        .one(&txn)
        .await?
        .is_none();
    let logged = row.insert(&txn).await?;
    if first {
        let started = WorkoutStarted {
            workout_id: workout.id,
            athlete_id: workout.athlete_id,
            started_at: now,
        };
        outbox::append(&txn, PRODUCER, &started, now).await?;
    }
    txn.commit().await?;
    Ok(logged)
}

/// Marks the caller's workout completed at `now`, announcing it ([`WorkoutCompleted`]:
/// their coaches are told); completing twice is a `CONFLICT`.
pub async fn complete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    access: &Access,
    workout_id: Uuid,
    duration_seconds: Option<i32>,
    now: DateTime<Utc>,
) -> Result<workout::Model, ServiceError> {
    let workout = own_workout(db, access, workout_id).await?;
    if workout.completed_at.is_some() {
        return Err(ServiceError::Conflict {
            field: Some("workoutId".to_owned()),
            message: "this workout is already completed".to_owned(),
        });
    }
    let duration = duration_seconds
        .map(|d| validation::within("durationSeconds", d, 1..=86_400))
        .transpose()?;
    let now = now.trunc_subsecs(6);
    let mut row: workout::ActiveModel = workout.into();
    row.completed_at = Set(Some(now));
    row.duration_seconds = Set(duration);
    let txn = tessera_kit::db::begin_write(db).await?;
    let done = row.update(&txn).await?;
    let completed = WorkoutCompleted {
        workout_id: done.id,
        athlete_id: done.athlete_id,
        title: done.title.clone(),
        completed_at: now,
    };
    outbox::append(&txn, PRODUCER, &completed, now).await?;
    txn.commit().await?;
    Ok(done)
}

/// The caller's own live workout, or `NOT_FOUND`; `FORBIDDEN` when the caller may see
/// it but it is someone else's (a coach cannot log for an athlete).
async fn own_workout(
    db: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
) -> Result<workout::Model, ServiceError> {
    let me = access.require()?;
    let found = by_id(db, access, id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no workout {id}")))?;
    if found.athlete_id != me {
        return Err(ServiceError::Forbidden(
            "only the athlete may log and complete their workouts".to_owned(),
        ));
    }
    Ok(found)
}

/// A live workout the caller may see, by id.
pub async fn by_id(
    db: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
) -> Result<Option<workout::Model>, ServiceError> {
    access.require()?;
    Ok(workout::Entity::find_by_id(id)
        .filter(workout::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .filter(|w| access.may_see_athlete(w.athlete_id)))
}

/// Which workouts of a calendar to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Range {
    /// Scheduled at or after.
    pub from: Option<DateTime<Utc>>,
    /// Scheduled before.
    pub to: Option<DateTime<Utc>>,
}

impl Range {
    /// Checks that the range is not reversed.
    pub fn checked(self) -> Result<Self, ServiceError> {
        match (self.from, self.to) {
            (Some(from), Some(to)) if to < from => Err(ServiceError::invalid(
                "to",
                "`to` must not be before `from`",
            )),
            _ => Ok(self),
        }
    }
}

/// One page of the live workouts of each of `athlete_ids` in `range`, in one statement.
/// The caller checks who may see which athlete.
pub async fn of_athletes(
    db: &impl ConnectionTrait,
    athlete_ids: &[Uuid],
    range: Range,
    page: &Page,
) -> Result<HashMap<Uuid, Vec<workout::Model>>, ServiceError> {
    let mut select = workout::Entity::find().filter(workout::Column::DeletedAt.is_null());
    if let Some(from) = range.from {
        select = select.filter(workout::Column::ScheduledAt.gte(from));
    }
    if let Some(to) = range.to {
        select = select.filter(workout::Column::ScheduledAt.lt(to));
    }
    Ok(page
        .load_per_parent(
            db,
            select,
            workout::Column::AthleteId,
            workout::Column::Id,
            athlete_ids,
            |w| w.athlete_id,
        )
        .await?)
}

/// The sets of each of `workout_ids`, in logging order, in one statement.
pub async fn sets_of(
    db: &impl ConnectionTrait,
    workout_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<workout_set::Model>>, ServiceError> {
    let rows = workout_set::Entity::find()
        .filter(workout_set::Column::WorkoutId.is_in(workout_ids.iter().copied()))
        .order_by_asc(workout_set::Column::Id)
        .all(db)
        .await?;
    let mut by_workout: HashMap<Uuid, Vec<workout_set::Model>> = HashMap::new();
    for row in rows {
        by_workout.entry(row.workout_id).or_default().push(row);
    }
    Ok(by_workout)
}
