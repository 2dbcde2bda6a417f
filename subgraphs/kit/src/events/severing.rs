//! A coaching link users ended takes effect in every domain at once, not when the
//! coach's access token (whose roster still names the athlete) expires: each consuming
//! domain records the ended link ([`CoachingUnlinked`]) and the kit's server takes the
//! athlete off the roster of every request ([`roster_in_force`]). A new link
//! ([`CoachingLinked`]) removes the record.

use chrono::{SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect,
    sea_query::OnConflict,
};
use uuid::Uuid;

use super::{
    Envelope, Event, HandleError,
    catalogue::{CoachingLinked, CoachingUnlinked},
    entity::severed,
};
use crate::viewer::Viewer;

/// The kinds this reaction takes.
pub const KINDS: [&str; 2] = [CoachingLinked::KIND, CoachingUnlinked::KIND];

/// Records a link ended, or forgets it when made again.
pub(crate) async fn handle(
    txn: &impl ConnectionTrait,
    event: &Envelope,
) -> Result<(), HandleError> {
    if event.kind == CoachingUnlinked::KIND {
        let ended = event.decode::<CoachingUnlinked>()?;
        let row = severed::Model {
            coach_id: ended.coach_id,
            athlete_id: ended.athlete_id,
            severed_at: Utc::now().trunc_subsecs(6),
        };
        severed::Entity::insert(row.into_active_model())
            .on_conflict(
                OnConflict::columns([severed::Column::CoachId, severed::Column::AthleteId])
                    .update_column(severed::Column::SeveredAt)
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    } else {
        let made = event.decode::<CoachingLinked>()?;
        severed::Entity::delete_by_id((made.coach_id, made.athlete_id))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// `viewer` with the athletes whose link with them has ended taken off their roster
/// (one indexed statement, for coaches only). If the check fails the roster is dropped
/// whole: a coach sees less, never more.
pub async fn roster_in_force(db: &impl ConnectionTrait, viewer: Viewer) -> Viewer {
    let Some(coach) = viewer.user_id() else {
        return viewer;
    };
    let roster = viewer.athletes().to_vec();
    if roster.is_empty() {
        return viewer;
    }
    let ended: Result<Vec<Uuid>, _> = severed::Entity::find()
        .select_only()
        .column(severed::Column::AthleteId)
        .filter(severed::Column::CoachId.eq(coach))
        .filter(severed::Column::AthleteId.is_in(roster.iter().copied()))
        .into_tuple()
        .all(db)
        .await;
    match ended {
        Ok(ended) if ended.is_empty() => viewer,
        Ok(ended) => viewer.with_athletes(roster.into_iter().filter(|a| !ended.contains(a))),
        Err(err) => {
            tracing::warn!(%err, "the ended coaching links could not be read: the coach's roster is not honoured for this request");
            viewer.with_athletes([])
        }
    }
}

/// Whether users ended `coach`'s link with `athlete` (a live subscription checks each
/// event: a link ended after it started stops it at once). A failed check counts as
/// ended: a coach sees less, never more.
pub async fn ended(db: &impl ConnectionTrait, coach: Uuid, athlete: Uuid) -> bool {
    severed::Entity::find_by_id((coach, athlete))
        .one(db)
        .await
        .map_or(true, |row| row.is_some())
}
