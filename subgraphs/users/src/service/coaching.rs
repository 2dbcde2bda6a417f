//! Who coaches whom. This domain is the authority on it: the other domains learn a
//! coach's athletes from the `athletes` claim of the coach's access token, which
//! [`roster_of`] fills at sign-in and at every refresh, and from the events every link
//! made or ended announces ([`CoachingLinked`], [`CoachingUnlinked`]): an ended link
//! stops counting in every domain at once, whatever the token says.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait, TransactionSession, TransactionTrait,
    TryInsertResult, sea_query::ExprTrait,
};
use tessera_kit::{
    error::ServiceError,
    events::{
        catalogue::{CoachingLinked, CoachingUnlinked},
        outbox,
    },
};
use uuid::Uuid;

/// The most athletes one coach coaches: every one of them travels in the coach's access
/// token, so the roster is bounded ([`tessera_identity::ROSTER_MAX`] says what it costs).
/// Linking one more is refused; the token never has to leave anyone out.
pub const ROSTER_MAX: usize = tessera_identity::ROSTER_MAX;

use crate::{
    entity::{
        coach_athlete,
        user::{self, Role},
    },
    service::{
        audit::{self, Event, actions},
        directory,
        erasure::PRODUCER,
    },
};

/// Links `coach_id` as a coach of `athlete_id`. The coach must hold the coach role and
/// coach fewer than [`ROSTER_MAX`] athletes (`CONFLICT` on `athleteId` otherwise);
/// linking twice is a no-op.
pub async fn link<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    coach_id: Uuid,
    athlete_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let coach = directory::by_id(db, coach_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no user {coach_id}")))?;
    if !coach.roles().has(Role::Coach) {
        return Err(ServiceError::invalid("coachId", "that user is not a coach"));
    }
    if coach_id == athlete_id {
        return Err(ServiceError::invalid(
            "athleteId",
            "a coach cannot coach themselves",
        ));
    }
    directory::by_id(db, athlete_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no user {athlete_id}")))?;
    let linked = coach_athlete::Entity::find_by_id((coach_id, athlete_id))
        .one(db)
        .await?;
    if linked.is_some() {
        return Ok(());
    }
    let coached = coach_athlete::Entity::find()
        .filter(coach_athlete::Column::CoachId.eq(coach_id))
        .count(db)
        .await?;
    if coached >= ROSTER_MAX as u64 {
        return Err(ServiceError::Conflict {
            field: Some("athleteId".to_owned()),
            message: format!("a coach coaches at most {ROSTER_MAX} athletes"),
        });
    }
    let row = coach_athlete::ActiveModel {
        coach_id: Set(coach_id),
        athlete_id: Set(athlete_id),
        created_at: Set(now),
    };
    let txn = tessera_kit::db::begin_write(db).await?;
    let inserted = coach_athlete::Entity::insert(row)
        .on_conflict_do_nothing()
        .exec_without_returning(&txn)
        .await?;
    if matches!(inserted, TryInsertResult::Inserted(n) if n > 0) {
        let event = Event::new(actions::COACHING_LINKED)
            .on(athlete_id)
            .with(serde_json::json!({ "coach": coach_id, "athlete": athlete_id }));
        audit::append(&txn, event, now).await?;
        let linked = CoachingLinked {
            coach_id,
            athlete_id,
        };
        outbox::append(&txn, PRODUCER, &linked, now).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Ends `coach_id`'s coaching of `athlete_id`; whether there was a link. The coach's
/// next access token (at the latest after one access-token lifetime) no longer names
/// the athlete.
pub async fn unlink<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    coach_id: Uuid,
    athlete_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let txn = tessera_kit::db::begin_write(db).await?;
    let removed = coach_athlete::Entity::delete_by_id((coach_id, athlete_id))
        .exec(&txn)
        .await?;
    if removed.rows_affected > 0 {
        let event = Event::new(actions::COACHING_UNLINKED)
            .on(athlete_id)
            .with(serde_json::json!({ "coach": coach_id, "athlete": athlete_id }));
        audit::append(&txn, event, now).await?;
        let unlinked = CoachingUnlinked {
            coach_id,
            athlete_id,
        };
        outbox::append(&txn, PRODUCER, &unlinked, now).await?;
    }
    txn.commit().await?;
    Ok(removed.rows_affected > 0)
}

/// The athletes `coach_id` coaches, as the `athletes` claim of their access token:
/// active accounts only, oldest link first, at most [`ROSTER_MAX`] (one statement).
///
/// Links beyond the bound can only predate it (or come from outside this service):
/// they are left out, the oldest links win, and a warning names the coach so that an
/// operator can act. Leaving some out only ever grants less.
pub async fn roster_of(
    db: &impl ConnectionTrait,
    coach_id: Uuid,
) -> Result<Vec<Uuid>, ServiceError> {
    let mut athletes: Vec<Uuid> = coach_athlete::Entity::find()
        .select_only()
        .column(coach_athlete::Column::AthleteId)
        .join(JoinType::InnerJoin, coach_athlete::Relation::Athlete.def())
        .filter(coach_athlete::Column::CoachId.eq(coach_id))
        .filter(directory::active())
        .order_by_asc(coach_athlete::Column::CreatedAt)
        .order_by_asc(coach_athlete::Column::AthleteId)
        .limit(ROSTER_MAX as u64 + 1)
        .into_tuple()
        .all(db)
        .await?;
    if athletes.len() > ROSTER_MAX {
        athletes.truncate(ROSTER_MAX);
        tracing::warn!(
            coach = %coach_id,
            kept = ROSTER_MAX,
            "the coach has more athletes than an access token carries; the newest links are left out"
        );
    }
    Ok(athletes)
}

/// The active coaches of each of `athlete_ids`, in one statement; athletes without
/// coaches are absent from the map.
pub async fn coaches_of(
    db: &impl ConnectionTrait,
    athlete_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<user::Model>>, ServiceError> {
    let rows = user::Entity::find()
        .join(
            JoinType::InnerJoin,
            coach_athlete::Relation::Coach.def().rev(),
        )
        .filter(coach_athlete::Column::AthleteId.is_in(athlete_ids.iter().copied()))
        .filter(directory::active())
        .select_also(coach_athlete::Entity)
        .all(db)
        .await?;
    let mut by_athlete: HashMap<Uuid, Vec<user::Model>> = HashMap::new();
    for (coach, link) in rows {
        if let Some(link) = link {
            by_athlete.entry(link.athlete_id).or_default().push(coach);
        }
    }
    for coaches in by_athlete.values_mut() {
        coaches.sort_by_key(|c| c.id);
    }
    Ok(by_athlete)
}

/// Every link the user is part of, as coach or as athlete (for the data export).
pub async fn links_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<coach_athlete::Model>, ServiceError> {
    Ok(coach_athlete::Entity::find()
        .filter(
            coach_athlete::Column::CoachId
                .eq(user_id)
                .or(coach_athlete::Column::AthleteId.eq(user_id)),
        )
        .all(db)
        .await?)
}
