//! Demo training for the demo cast of [`tessera_kit::demo`]: Coach Carter's strength
//! plan for Alex and Blair, Coach Kim's conditioning plan for Casey and Drew, each a
//! 6-week calendar that started four weeks before the first seed: past sessions mostly
//! completed with logged sets (a few missed, so adherence means something), the rest
//! still ahead. Ids are fixed, inserts skip existing rows: seeding twice changes nothing.

use chrono::{DateTime, Datelike, Duration, NaiveTime, SubsecRound, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel, sea_query::OnConflict};
use tessera_kit::{demo, error::ServiceError};
use uuid::Uuid;

use crate::{
    entity::{assignment, plan, plan_target, workout, workout_set},
    service::catalogue::{self, id_of},
};

/// A fixed UUIDv7-shaped id: `kind` tells the table apart, `n` the row.
const fn demo_id(kind: u8, n: u16) -> Uuid {
    let [hi, lo] = n.to_be_bytes();
    Uuid::from_bytes([
        0x01, 0x93, 0x00, 0x00, 0x00, 0x00, 0x70, 0x02, 0x80, kind, 0, 0, 0, 0, hi, lo,
    ])
}

struct DemoPlan {
    n: u16,
    coach: demo::DemoUser,
    title: &'static str,
    goal: &'static str,
    days: [i32; 3],
    /// Slug, sets, reps, starting weight.
    exercises: &'static [(&'static str, i32, i32, f64)],
    athletes: [demo::DemoUser; 2],
}

const PLANS: [DemoPlan; 2] = [
    DemoPlan {
        n: 1,
        coach: demo::COACH_CARTER,
        title: "Strength base",
        goal: "Build a base of strength on the big lifts, adding load every week.",
        days: [1, 3, 5],
        exercises: &[
            ("back-squat", 3, 5, 80.0),
            ("bench-press", 3, 5, 60.0),
            ("barbell-row", 3, 8, 50.0),
        ],
        athletes: [demo::ATHLETE_ALEX, demo::ATHLETE_BLAIR],
    },
    DemoPlan {
        n: 2,
        coach: demo::COACH_KIM,
        title: "Conditioning block",
        goal: "Raise work capacity with swings, lunges and intervals.",
        days: [2, 4, 6],
        exercises: &[
            ("kettlebell-swing", 4, 15, 20.0),
            ("walking-lunge", 3, 12, 12.0),
            ("push-up", 3, 15, 0.0),
        ],
        athletes: [demo::ATHLETE_CASEY, demo::ATHLETE_DREW],
    },
];

/// Plan length in weeks (6 weeks × 3 days = [`demo::WORKOUTS_PER_ATHLETE`]).
const WEEKS: i32 = 6;

/// Seeds the catalogue, the plans, their assignments, and the athletes' calendars.
pub async fn seed(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), ServiceError> {
    catalogue::seed(db, now).await?;
    let now = now.trunc_subsecs(0);
    // Monday 07:00 UTC, four weeks before now: some history, some future.
    let monday = now.date_naive() - Duration::days(i64::from(now.weekday().num_days_from_monday()));
    let start = (monday - Duration::weeks(4))
        .and_time(NaiveTime::MIN)
        .and_utc()
        + Duration::hours(7);

    let mut plans = Vec::new();
    let mut targets = Vec::new();
    let mut assignments = Vec::new();
    let mut workouts = Vec::new();
    let mut sets = Vec::new();
    let mut target_n = 0u16;
    let mut assignment_n = 0u16;
    let mut workout_n = 0u16;
    let mut set_n = 0u16;
    for p in &PLANS {
        let plan_id = demo_id(1, p.n);
        plans.push(plan::Model {
            id: plan_id,
            coach_id: p.coach.id,
            title: p.title.to_owned(),
            goal: p.goal.to_owned(),
            weeks: WEEKS,
            archived_at: None,
            deleted_at: None,
            created_at: start - Duration::days(7),
            updated_at: start - Duration::days(7),
        });
        for week in 1..=WEEKS {
            for day in p.days {
                for (position, (slug, sets_n, reps, kg)) in (1..).zip(p.exercises) {
                    target_n += 1;
                    targets.push(plan_target::Model {
                        id: demo_id(2, target_n),
                        plan_id,
                        week,
                        day,
                        position,
                        exercise_id: id_of(slug),
                        sets: *sets_n,
                        reps: *reps,
                        weight_kg: (*kg > 0.0).then(|| kg + 2.5 * f64::from(week - 1)),
                    });
                }
            }
        }
        for (a, athlete) in (0u16..).zip(p.athletes) {
            assignment_n += 1;
            assignments.push(assignment::Model {
                id: demo_id(3, assignment_n),
                plan_id,
                coach_id: p.coach.id,
                athlete_id: athlete.id,
                starts_at: start,
                created_at: start - Duration::days(3),
            });
            for week in 1..=WEEKS {
                for day in p.days {
                    workout_n += 1;
                    let slot =
                        u8::try_from(workout_n.div_ceil(18) - 1).expect("four demo athletes");
                    let session = u8::try_from((workout_n - 1) % 18).expect("18 sessions");
                    let scheduled_at =
                        start + Duration::days(i64::from((week - 1) * 7 + (day - 1)));
                    // Every seventh past session (offset per athlete) was skipped.
                    let missed = (workout_n + a * 3).is_multiple_of(7);
                    let done = scheduled_at + Duration::hours(1) < now && !missed;
                    // The shared formula, so the journal's demo entries can link these.
                    let workout_id = demo::workout_id(slot, session);
                    debug_assert_eq!(workout_id, demo_id(4, workout_n));
                    workouts.push(workout::Model {
                        id: workout_id,
                        athlete_id: athlete.id,
                        coach_id: Some(p.coach.id),
                        plan_id: Some(plan_id),
                        title: format!("{} · week {week}, day {day}", p.title),
                        scheduled_at,
                        completed_at: done.then(|| scheduled_at + Duration::minutes(55)),
                        duration_seconds: done.then_some(55 * 60),
                        created_at: start - Duration::days(3),
                        deleted_at: None,
                    });
                    if !done {
                        continue;
                    }
                    for (slug, sets_n, reps, kg) in p.exercises {
                        for s in 0..*sets_n {
                            set_n += 1;
                            let extra = if a == 0 { 0.0 } else { -10.0f64 };
                            let weight = if *kg > 0.0 {
                                (kg + 2.5 * f64::from(week - 1) + extra).max(0.0)
                            } else {
                                0.0
                            };
                            sets.push(workout_set::Model {
                                id: demo_id(5, set_n),
                                workout_id,
                                exercise_id: id_of(slug),
                                reps: *reps - i32::from(s == *sets_n - 1 && week % 2 == 0),
                                weight_kg: weight,
                                rpe: Some(7.0 + 0.5 * f64::from(s)),
                                duration_seconds: None,
                                logged_at: scheduled_at + Duration::minutes(10 + 5 * i64::from(s)),
                            });
                        }
                    }
                }
            }
        }
    }

    plan::Entity::insert_many(plans.into_iter().map(IntoActiveModel::into_active_model))
        .on_conflict(OnConflict::column(plan::Column::Id).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    plan_target::Entity::insert_many(targets.into_iter().map(IntoActiveModel::into_active_model))
        .on_conflict(
            OnConflict::column(plan_target::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    assignment::Entity::insert_many(
        assignments
            .into_iter()
            .map(IntoActiveModel::into_active_model),
    )
    .on_conflict(
        OnConflict::column(assignment::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    workout::Entity::insert_many(workouts.into_iter().map(IntoActiveModel::into_active_model))
        .on_conflict(
            OnConflict::column(workout::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    // SQLite caps bound parameters per statement; sets go in chunks.
    for chunk in sets.chunks(200) {
        workout_set::Entity::insert_many(
            chunk
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .on_conflict(
            OnConflict::column(workout_set::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}
