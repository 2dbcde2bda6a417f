//! The demo corpus: 120 entries generated from fixed parts — five shelves, six topics
//! each, four angles on every topic — written by Coach Carter, Coach Kim and Ada, every
//! tenth one private; the checklists (one angle) are practices of three steps, the
//! middle one a catalogue exercise where the topic has one; the rest are articles.
//! Ids, text and times are fixed, so search results are the same on
//! every machine and backend; inserts skip existing rows: seeding twice changes nothing.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel, ModelTrait, sea_query::OnConflict};
use tessera_kit::{demo, error::ServiceError};
use uuid::Uuid;

use crate::entity::{
    entry::{self, Category, Kind, Visibility},
    step, tag,
};

/// Entries in the corpus.
pub const ENTRIES: usize = 120;

const fn demo_id(n: u16) -> Uuid {
    let [hi, lo] = n.to_be_bytes();
    Uuid::from_bytes([
        0x01, 0x93, 0x00, 0x00, 0x00, 0x00, 0x70, 0x05, 0x80, 0x01, 0, 0, 0, 0, hi, lo,
    ])
}

/// A topic: its name in titles, its tags, and a sentence about it.
type Topic = (&'static str, &'static [&'static str], &'static str);

const SHELVES: [(Category, [Topic; 6]); 5] = [
    (
        Category::Training,
        [
            (
                "progressive overload",
                &["strength", "overload"],
                "Add a little load or a rep each week and write it down.",
            ),
            (
                "deload weeks",
                &["recovery", "planning"],
                "Every fourth week, cut volume by a third and let fatigue fall.",
            ),
            (
                "interval running",
                &["running", "conditioning"],
                "Short hard repeats with easy jogs raise your speed and aerobic power.",
            ),
            (
                "zone two cardio",
                &["conditioning", "aerobic"],
                "Easy steady work where you can still talk builds the aerobic base.",
            ),
            (
                "training splits",
                &["planning", "strength"],
                "Upper and lower days let each muscle group rest between sessions.",
            ),
            (
                "warm-up routines",
                &["mobility", "injury"],
                "Ten minutes of general movement, then ramp-up sets of the first lift.",
            ),
        ],
    ),
    (
        Category::Technique,
        [
            (
                "the back squat",
                &["squat", "strength"],
                "Brace, sit between the hips, keep the bar over the middle of the foot.",
            ),
            (
                "the deadlift",
                &["deadlift", "strength"],
                "Push the floor away, keep the bar close, lock out with the glutes.",
            ),
            (
                "the bench press",
                &["bench", "strength"],
                "Shoulder blades back and down, feet planted, touch the lower chest.",
            ),
            (
                "the pull-up",
                &["bodyweight", "back"],
                "Start from a dead hang, drive the elbows down, chin over the bar.",
            ),
            (
                "running form",
                &["running", "injury"],
                "Quick light steps under the hips, relaxed shoulders, tall posture.",
            ),
            (
                "the kettlebell swing",
                &["kettlebell", "conditioning"],
                "It is a hinge, not a squat: snap the hips and let the bell float.",
            ),
        ],
    ),
    (
        Category::Nutrition,
        [
            (
                "protein intake",
                &["protein", "muscle"],
                "Spread protein over three or four meals to support muscle repair.",
            ),
            (
                "hydration",
                &["hydration", "performance"],
                "Drink before you are thirsty and add salt on long sweaty sessions.",
            ),
            (
                "pre-workout meals",
                &["timing", "performance"],
                "Carbohydrate and a little protein two hours before training.",
            ),
            (
                "recovery meals",
                &["timing", "recovery"],
                "After hard sessions eat carbohydrate and protein within a few hours.",
            ),
            (
                "caffeine",
                &["performance", "sleep"],
                "A modest dose helps performance; too late in the day it costs sleep.",
            ),
            (
                "eating for endurance",
                &["running", "conditioning"],
                "Long sessions need fuel during the effort, not only before it.",
            ),
        ],
    ),
    (
        Category::Recovery,
        [
            (
                "sleep hygiene",
                &["sleep", "habits"],
                "A dark cool room, a fixed wake time and no screens before bed.",
            ),
            (
                "active recovery",
                &["recovery", "mobility"],
                "Easy movement on rest days clears fatigue better than the sofa.",
            ),
            (
                "foam rolling",
                &["mobility", "recovery"],
                "Slow passes over tight spots, then move the joint through its range.",
            ),
            (
                "stretching",
                &["mobility", "flexibility"],
                "Hold static stretches after training, move dynamically before it.",
            ),
            (
                "managing soreness",
                &["recovery", "injury"],
                "Soreness fades in days; sharp or lasting pain deserves attention.",
            ),
            (
                "naps",
                &["sleep", "performance"],
                "Twenty minutes early in the afternoon restores alertness.",
            ),
        ],
    ),
    (
        Category::Mindset,
        [
            (
                "building habits",
                &["habits", "consistency"],
                "Tie training to a fixed cue and make the first step tiny.",
            ),
            (
                "goal setting",
                &["planning", "motivation"],
                "Pick one goal, a date, and the weekly actions that lead there.",
            ),
            (
                "journaling",
                &["habits", "reflection"],
                "A few lines after each session show patterns you would miss.",
            ),
            (
                "handling setbacks",
                &["motivation", "injury"],
                "A missed week is data, not failure: adjust the plan and resume.",
            ),
            (
                "competition nerves",
                &["focus", "performance"],
                "Rehearse the routine, breathe slowly, focus on the next step only.",
            ),
            (
                "staying consistent",
                &["consistency", "motivation"],
                "Showing up on bad days matters more than perfect sessions.",
            ),
        ],
    ),
];

/// Angle: title pattern and tag.
const ANGLES: [(&str, &str, &str); 4] = [
    (
        "A beginner's guide to",
        "beginner",
        "Start here if you are new to it.",
    ),
    (
        "Five mistakes in",
        "mistakes",
        "These are the errors we see most often.",
    ),
    (
        "The science of",
        "science",
        "What the research says, in plain words.",
    ),
    (
        "A coach's checklist for",
        "checklist",
        "Run through these points before every session.",
    ),
];

/// Inserts `rows` that are not there yet (by `conflict`'s columns), `chunk` rows per
/// statement: SQLite caps the parameters one statement binds.
async fn insert_new<M>(
    db: &impl ConnectionTrait,
    rows: &[M],
    chunk: usize,
    mut conflict: OnConflict,
) -> Result<(), ServiceError>
where
    M: ModelTrait + IntoActiveModel<<M::Entity as EntityTrait>::ActiveModel> + Clone,
{
    for part in rows.chunks(chunk) {
        M::Entity::insert_many(part.iter().cloned().map(IntoActiveModel::into_active_model))
            .on_conflict(conflict.do_nothing().to_owned())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The catalogue exercise a topic's checklist has its reader do, if there is one.
fn exercise_of(topic: &str) -> Option<&'static str> {
    Some(match topic {
        "progressive overload" | "the back squat" => "back-squat",
        "interval running" | "running form" | "active recovery" => "easy-run",
        "zone two cardio" => "rowing-erg",
        "warm-up routines" => "walking-lunge",
        "the deadlift" => "deadlift",
        "the bench press" => "bench-press",
        "the pull-up" => "pull-up",
        "the kettlebell swing" => "kettlebell-swing",
        _ => return None,
    })
}

/// The three steps of the checklist on `topic`.
fn checklist(id: Uuid, topic: &str, sentence: &str) -> [step::Model; 3] {
    let exercise = exercise_of(topic);
    let middle = match exercise.and_then(tessera_kit::catalogue::by_slug) {
        Some((_, e)) => format!(
            "Do two easy sets of {} and check each point on every rep.",
            e.name.to_lowercase()
        ),
        None => "Pick the one point you will work on today.".to_owned(),
    };
    let step = |position, instruction: String, exercise_slug: Option<&str>| step::Model {
        entry_id: id,
        position,
        instruction,
        exercise_slug: exercise_slug.map(str::to_owned),
    };
    [
        step(1, sentence.to_owned(), None),
        step(2, middle, exercise),
        step(
            3,
            "Write down what went well and what did not.".to_owned(),
            None,
        ),
    ]
}

/// Seeds the corpus (and its tags and steps).
pub async fn seed(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), ServiceError> {
    let now = now.trunc_subsecs(0);
    let start = now - Duration::days(200);
    let authors = [demo::COACH_CARTER, demo::COACH_KIM, demo::ADMIN];
    let mut entries = Vec::with_capacity(ENTRIES);
    let mut tags = Vec::new();
    let mut steps = Vec::new();
    let mut n = 0u16;
    for (category, topics) in &SHELVES {
        for (topic, topic_tags, sentence) in topics {
            for (prefix, angle_tag, angle_sentence) in ANGLES {
                n += 1;
                let id = demo_id(n);
                let mut entry_tags: Vec<String> = vec![format!("{category:?}").to_lowercase()];
                entry_tags.extend(topic_tags.iter().map(|t| (*t).to_owned()));
                entry_tags.push(angle_tag.to_owned());
                let at = start + Duration::hours(i64::from(n) * 37);
                let private = n.is_multiple_of(10);
                if angle_tag == "checklist" {
                    steps.extend(checklist(id, topic, sentence));
                }
                entries.push(entry::Model {
                    id,
                    author_id: authors[usize::from(n) % authors.len()].id,
                    title: format!("{prefix} {topic}"),
                    body: format!(
                        "## {prefix} {topic}\n\n{angle_sentence} {sentence}\n\n\
                         Read it with the other {} entries on the {:?} shelf.",
                        topic_tags.join(" and "),
                        category
                    ),
                    category: *category,
                    tags: format!(",{},", entry_tags.join(",")),
                    visibility: if private {
                        Visibility::Private
                    } else {
                        Visibility::Public
                    },
                    // A checklist is run through, not read: a practice of ten minutes.
                    kind: if angle_tag == "checklist" {
                        Kind::Practice
                    } else {
                        Kind::Article
                    },
                    minutes: (angle_tag == "checklist").then_some(10),
                    published_at: (!private).then_some(at),
                    created_at: at,
                    updated_at: at,
                    deleted_at: None,
                });
                tags.extend(entry_tags.into_iter().map(|t| tag::Model {
                    entry_id: id,
                    tag: t,
                }));
            }
        }
    }
    insert_new(db, &entries, 40, OnConflict::column(entry::Column::Id)).await?;
    insert_new(
        db,
        &tags,
        200,
        OnConflict::columns([tag::Column::EntryId, tag::Column::Tag]),
    )
    .await?;
    insert_new(
        db,
        &steps,
        100,
        OnConflict::columns([step::Column::EntryId, step::Column::Position]),
    )
    .await?;
    Ok(())
}
