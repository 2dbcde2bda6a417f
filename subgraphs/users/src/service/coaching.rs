//! Who coaches whom.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter,
    QuerySelect, RelationTrait, sea_query::ExprTrait,
};
use tessera_kit::error::ServiceError;
use uuid::Uuid;

use crate::{
    entity::{
        coach_athlete,
        user::{self, Role},
    },
    service::directory,
};

/// Links `coach_id` as a coach of `athlete_id`. The coach must hold the coach role;
/// linking twice is a no-op.
pub async fn link(
    db: &impl ConnectionTrait,
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
    let row = coach_athlete::ActiveModel {
        coach_id: Set(coach_id),
        athlete_id: Set(athlete_id),
        created_at: Set(now),
    };
    coach_athlete::Entity::insert(row)
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await?;
    Ok(())
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
