//! Progress statistics, computed by the database (grouped aggregates), never by looping
//! over rows in Rust: weekly training volume, adherence to the schedule, and personal
//! records. Each is one statement for any number of athletes, so `_entities` batches of
//! users cost the same as one user.
//!
//! Weeks start on Monday (UTC). The week expression is the one place the two backends
//! differ: SQLite's `date(t, 'weekday 0', '-6 days')` and PostgreSQL's
//! `date_trunc('week', t)`, both rendered as `YYYY-MM-DD`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ConnectionTrait, DbBackend, FromQueryResult,
    sea_query::{Expr, ExprTrait, Order, Query, SelectStatement},
};
use tessera_kit::error::ServiceError;
use uuid::Uuid;

use crate::entity::{workout, workout_set};

/// The window the statistics cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// Start (inclusive).
    pub since: DateTime<Utc>,
    /// End (exclusive): usually now, so future workouts do not count as missed.
    pub until: DateTime<Utc>,
}

/// Volume of one training week.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekVolume {
    /// Monday of the week.
    pub week_start: NaiveDate,
    /// Sum of reps × weight of the sets of workouts completed that week.
    pub volume_kg: f64,
    /// Sets logged in those workouts.
    pub sets: i64,
}

/// The heaviest set ever logged for one exercise.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonalRecord {
    /// The exercise.
    pub exercise_id: Uuid,
    /// The heaviest weight.
    pub weight_kg: f64,
    /// The most reps in one set, at any weight.
    pub reps: i64,
}

/// An athlete's statistics over a window.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Stats {
    /// Volume per week with completed training, oldest first.
    pub weekly_volume: Vec<WeekVolume>,
    /// Workouts scheduled in the window.
    pub scheduled: i64,
    /// Of those, completed.
    pub completed: i64,
    /// All-time bests per exercise, in exercise id order.
    pub personal_records: Vec<PersonalRecord>,
}

impl Stats {
    /// Completed ÷ scheduled, `None` when nothing was scheduled.
    pub fn adherence_rate(&self) -> Option<f64> {
        #[allow(clippy::cast_precision_loss, reason = "counts of workouts are small")]
        (self.scheduled > 0).then(|| self.completed as f64 / self.scheduled as f64)
    }
}

#[derive(Debug, FromQueryResult)]
struct VolumeRow {
    athlete_id: Uuid,
    week_start: String,
    volume_kg: f64,
    sets: i64,
}

#[derive(Debug, FromQueryResult)]
struct AdherenceRow {
    athlete_id: Uuid,
    scheduled: i64,
    completed: i64,
}

#[derive(Debug, FromQueryResult)]
struct RecordRow {
    athlete_id: Uuid,
    exercise_id: Uuid,
    weight_kg: f64,
    reps: i64,
}

/// The statistics of each of `athlete_ids` over `window`: three statements in all.
pub async fn stats_of(
    db: &impl ConnectionTrait,
    athlete_ids: &[Uuid],
    window: Window,
) -> Result<HashMap<Uuid, Stats>, ServiceError> {
    let backend = db.get_database_backend();
    let mut stats: HashMap<Uuid, Stats> = athlete_ids
        .iter()
        .map(|id| (*id, Stats::default()))
        .collect();

    let volume =
        VolumeRow::find_by_statement(backend.build(&volume_query(backend, athlete_ids, window)))
            .all(db)
            .await?;
    for row in volume {
        let week_start = NaiveDate::parse_from_str(&row.week_start, "%Y-%m-%d").map_err(|_| {
            ServiceError::Internal(sea_orm::DbErr::Custom(format!(
                "week start `{}` is not a date",
                row.week_start
            )))
        })?;
        if let Some(s) = stats.get_mut(&row.athlete_id) {
            s.weekly_volume.push(WeekVolume {
                week_start,
                volume_kg: row.volume_kg,
                sets: row.sets,
            });
        }
    }

    let adherence =
        AdherenceRow::find_by_statement(backend.build(&adherence_query(athlete_ids, window)))
            .all(db)
            .await?;
    for row in adherence {
        if let Some(s) = stats.get_mut(&row.athlete_id) {
            s.scheduled = row.scheduled;
            s.completed = row.completed;
        }
    }

    let records = RecordRow::find_by_statement(backend.build(&records_query(athlete_ids)))
        .all(db)
        .await?;
    for row in records {
        if let Some(s) = stats.get_mut(&row.athlete_id) {
            s.personal_records.push(PersonalRecord {
                exercise_id: row.exercise_id,
                weight_kg: row.weight_kg,
                reps: row.reps,
            });
        }
    }
    Ok(stats)
}

fn week_of_completion(backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Postgres => Expr::cust(
            "to_char(date_trunc('week', \"workouts\".\"completed_at\" AT TIME ZONE 'UTC'), 'YYYY-MM-DD')",
        ),
        _ => Expr::cust("date(\"workouts\".\"completed_at\", 'weekday 0', '-6 days')"),
    }
}

fn sets_of_live_workouts(athlete_ids: &[Uuid]) -> SelectStatement {
    Query::select()
        .from(workout_set::Entity)
        .inner_join(
            workout::Entity,
            Expr::col((workout::Entity, workout::Column::Id))
                .equals((workout_set::Entity, workout_set::Column::WorkoutId)),
        )
        .and_where(
            Expr::col((workout::Entity, workout::Column::AthleteId))
                .is_in(athlete_ids.iter().copied()),
        )
        .and_where(Expr::col((workout::Entity, workout::Column::DeletedAt)).is_null())
        .to_owned()
}

fn volume_query(backend: DbBackend, athlete_ids: &[Uuid], window: Window) -> SelectStatement {
    let completed = Expr::col((workout::Entity, workout::Column::CompletedAt));
    sets_of_live_workouts(athlete_ids)
        .column((workout::Entity, workout::Column::AthleteId))
        .expr_as(week_of_completion(backend), "week_start")
        .expr_as(
            Expr::cust(
                "CAST(SUM(\"workout_sets\".\"reps\" * \"workout_sets\".\"weight_kg\") AS DOUBLE PRECISION)",
            ),
            "volume_kg",
        )
        .expr_as(
            Expr::col((workout_set::Entity, workout_set::Column::Id)).count(),
            "sets",
        )
        .and_where(completed.clone().gte(window.since))
        .and_where(completed.lt(window.until))
        .group_by_col((workout::Entity, workout::Column::AthleteId))
        .add_group_by([Expr::cust("week_start")])
        .order_by("week_start", Order::Asc)
        .to_owned()
}

fn adherence_query(athlete_ids: &[Uuid], window: Window) -> SelectStatement {
    let scheduled = Expr::col(workout::Column::ScheduledAt);
    Query::select()
        .column(workout::Column::AthleteId)
        .expr_as(Expr::col(workout::Column::Id).count(), "scheduled")
        .expr_as(Expr::col(workout::Column::CompletedAt).count(), "completed")
        .from(workout::Entity)
        .and_where(Expr::col(workout::Column::AthleteId).is_in(athlete_ids.iter().copied()))
        .and_where(Expr::col(workout::Column::DeletedAt).is_null())
        .and_where(scheduled.clone().gte(window.since))
        .and_where(scheduled.lt(window.until))
        .group_by_col(workout::Column::AthleteId)
        .to_owned()
}

fn records_query(athlete_ids: &[Uuid]) -> SelectStatement {
    sets_of_live_workouts(athlete_ids)
        .column((workout::Entity, workout::Column::AthleteId))
        .column((workout_set::Entity, workout_set::Column::ExerciseId))
        .expr_as(
            Expr::cust("CAST(MAX(\"workout_sets\".\"weight_kg\") AS DOUBLE PRECISION)"),
            "weight_kg",
        )
        .expr_as(
            Expr::cust("CAST(MAX(\"workout_sets\".\"reps\") AS BIGINT)"),
            "reps",
        )
        .group_by_col((workout::Entity, workout::Column::AthleteId))
        .group_by_col((workout_set::Entity, workout_set::Column::ExerciseId))
        .order_by(
            (workout_set::Entity, workout_set::Column::ExerciseId),
            Order::Asc,
        )
        .to_owned()
}
