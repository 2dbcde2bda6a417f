//! Live training for coaches: their athletes' sessions as they start (the first set
//! logged) and complete, from the training events (published once committed, to every
//! replica). The athletes are the coach's roster (the access token's, without the links
//! users ended), checked again for each event.

use async_graphql::{Context, Enum, ErrorExtensions, Object, Result, Subscription};
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt};
use sea_orm::{DatabaseConnection, EntityTrait};
use tessera_kit::{
    error::ServiceError,
    events::{
        Envelope, Event, Family,
        catalogue::{WorkoutCompleted, WorkoutStarted},
        live::{events, live},
        severing,
    },
    viewer::{Role, Viewer},
};
use uuid::Uuid;

pub use tessera_kit::events::live::Live;

use crate::{
    entity::workout,
    graphql::{context::db, user::User, workout::Workout},
};

/// What an athlete did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ActivityKind {
    /// Started a session: logged its first set.
    Started,
    /// Completed a session.
    Completed,
}

/// One thing an athlete did, for their coach.
pub struct AthleteActivity {
    kind: ActivityKind,
    at: DateTime<Utc>,
    workout: workout::Model,
}

/// A session an athlete started or completed.
#[Object]
impl AthleteActivity {
    /// Started or completed.
    async fn kind(&self) -> ActivityKind {
        self.kind
    }

    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// The athlete.
    async fn athlete(&self) -> User {
        User::new(self.workout.athlete_id)
    }

    /// The session.
    async fn workout(&self) -> Workout {
        Workout(self.workout.clone())
    }
}

/// The root subscription type of the workouts subgraph.
#[derive(Default)]
pub struct WorkoutSubscription;

/// The athlete an activity event is about, and what it says.
fn activity(event: &Envelope) -> Option<(Uuid, Uuid, ActivityKind, DateTime<Utc>)> {
    if event.kind == WorkoutStarted::KIND {
        let started = event.decode::<WorkoutStarted>().ok()?;
        Some((
            started.athlete_id,
            started.workout_id,
            ActivityKind::Started,
            started.started_at,
        ))
    } else if event.kind == WorkoutCompleted::KIND {
        let done = event.decode::<WorkoutCompleted>().ok()?;
        Some((
            done.athlete_id,
            done.workout_id,
            ActivityKind::Completed,
            done.completed_at,
        ))
    } else {
        None
    }
}

/// Live updates, pushed as they happen (over WebSocket, multipart HTTP or server-sent
/// events at the router).
#[Subscription(name = "Subscription")]
impl WorkoutSubscription {
    /// For a coach: their athletes' sessions as they start and complete.
    async fn athlete_activity(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<AthleteActivity>>> {
        let viewer = ctx.data_opt::<Viewer>().cloned().unwrap_or_default();
        let coach = viewer.require().map_err(|e| e.extend())?;
        if !viewer.has(Role::Coach) {
            return Err(ServiceError::Forbidden(
                "only coaches follow their athletes' activity".to_owned(),
            )
            .extend());
        }
        let roster: Vec<Uuid> = viewer.athletes().to_vec();
        let db: DatabaseConnection = db(ctx).clone();
        let mine = events(live(ctx)?, Family::Training, move |e| {
            activity(e).is_some_and(|(athlete, ..)| roster.contains(&athlete))
        })
        .await;
        Ok(mine.filter_map(move |event| {
            let db = db.clone();
            async move {
                let (athlete, workout_id, kind, at) = match event {
                    Ok(event) => activity(&event)?,
                    Err(lagged) => return Some(Err(lagged)),
                };
                if severing::ended(&db, coach, athlete).await {
                    return None;
                }
                match workout::Entity::find_by_id(workout_id).one(&db).await {
                    Ok(found) => found.map(|workout| Ok(AthleteActivity { kind, at, workout })),
                    Err(err) => Some(Err(ServiceError::from(err).extend())),
                }
            }
        }))
    }
}
