//! Demo journals for the demo cast of [`tessera_kit::demo`]: four weeks of evening
//! entries for each athlete (and Coach Carter, who also trains), moods that drift the
//! way training weeks do, some shared with the athlete's coach, some about a demo
//! workout. Ids are fixed, inserts skip existing rows: seeding twice changes nothing.

use chrono::{DateTime, Duration, NaiveTime, SubsecRound, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel, sea_query::OnConflict};
use tessera_kit::{demo, error::ServiceError};
use uuid::Uuid;

use crate::entity::entry::{self, Mood};

/// Entries per person.
const ENTRIES: u16 = 14;

const fn demo_id(n: u16) -> Uuid {
    let [hi, lo] = n.to_be_bytes();
    Uuid::from_bytes([
        0x01, 0x93, 0x00, 0x00, 0x00, 0x00, 0x70, 0x04, 0x80, 0x01, 0, 0, 0, 0, hi, lo,
    ])
}

/// Author, their coach (with whom some entries are shared), their slot in the workouts
/// demo (to link entries to their workouts).
const AUTHORS: [(demo::DemoUser, Option<demo::DemoUser>, Option<u8>); 5] = [
    (demo::ATHLETE_ALEX, Some(demo::COACH_CARTER), Some(0)),
    (demo::ATHLETE_BLAIR, Some(demo::COACH_CARTER), Some(1)),
    (demo::ATHLETE_CASEY, Some(demo::COACH_KIM), Some(2)),
    (demo::ATHLETE_DREW, Some(demo::COACH_KIM), Some(3)),
    (demo::COACH_CARTER, None, None),
];

const TITLES: [&str; 7] = [
    "Heavy legs, good session",
    "Slept badly",
    "New personal best!",
    "Rest day walk",
    "Tired but showed up",
    "Felt strong today",
    "Stressful week at work",
];

const TAGS: [&[&str]; 7] = [
    &["training", "legs"],
    &["sleep"],
    &["training", "pb"],
    &["recovery", "outdoors"],
    &["training", "fatigue"],
    &["training"],
    &["stress", "work"],
];

const MOODS: [Mood; 7] = [
    Mood::Good,
    Mood::Low,
    Mood::Great,
    Mood::Okay,
    Mood::Okay,
    Mood::Great,
    Mood::Awful,
];

/// Seeds the journals.
pub async fn seed(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), ServiceError> {
    let now = now.trunc_subsecs(0);
    let start = (now.date_naive() - Duration::days(28))
        .and_time(NaiveTime::MIN)
        .and_utc()
        + Duration::hours(19);
    let mut rows = Vec::new();
    let mut n = 0u16;
    for (p, (author, coach, slot)) in (0u16..).zip(AUTHORS) {
        for i in 0..ENTRIES {
            n += 1;
            let k = usize::from((i + p) % 7);
            let at = start + Duration::days(i64::from(i) * 2) + Duration::minutes(i64::from(p) * 7);
            // Every third entry is shared with the coach; every other one of the
            // athletes' is about the workout of that day's session.
            let shared = coach.filter(|_| i % 3 == 0).map(|c| c.id);
            let workout = slot
                .filter(|_| i % 2 == 0)
                .map(|s| demo::workout_id(s, u8::try_from(i / 2).expect("small")));
            rows.push(entry::Model {
                id: demo_id(n),
                author_id: author.id,
                title: TITLES[k].to_owned(),
                body: format!(
                    "## {}\n\nDay {} of the block. {}\n\n- energy noted\n- *keep going*",
                    TITLES[k],
                    i + 1,
                    if shared.is_some() {
                        "Sharing this one with my coach."
                    } else {
                        "Just for me."
                    }
                ),
                mood: MOODS[k],
                energy: i32::from((i + p) % 5) + 1,
                tags: format!(",{},", TAGS[k].join(",")),
                workout_id: workout,
                shared_with_coach_id: shared,
                created_at: at,
                updated_at: at,
                deleted_at: None,
            });
        }
    }
    entry::Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
        .on_conflict(
            OnConflict::column(entry::Column::Id)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}
