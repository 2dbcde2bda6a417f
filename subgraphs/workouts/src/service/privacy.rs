//! GDPR: the export of everything this domain holds about the caller, and the erasure
//! of the caller's rows. Workouts and plans are a person's data: they are soft-deleted
//! (hidden from every query at once); plan assignments are links between two people and
//! are removed, which also ends the coach's access to the athlete here.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionSession,
    TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use tessera_kit::{error::ServiceError, privacy::OwnedRows};
use uuid::Uuid;

use crate::{
    entity::{assignment, plan, plan_target, workout, workout_set},
    service::access::Access,
};

/// Workouts belong to their athlete.
const WORKOUTS: OwnedRows<workout::Entity> = OwnedRows {
    owner: workout::Column::AthleteId,
    order: workout::Column::Id,
    deleted_at: workout::Column::DeletedAt,
    updated_at: None,
};

/// Plans belong to the coach who wrote them.
const PLANS: OwnedRows<plan::Entity> = OwnedRows {
    owner: plan::Column::CoachId,
    order: plan::Column::Id,
    deleted_at: plan::Column::DeletedAt,
    updated_at: None,
};

/// Everything the workouts domain holds about one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// Their workouts (as athlete), oldest first.
    pub workouts: Vec<workout::Model>,
    /// The sets of those workouts.
    pub sets: Vec<workout_set::Model>,
    /// The plans they authored (as coach).
    pub plans: Vec<plan::Model>,
    /// The targets of those plans.
    pub targets: Vec<plan_target::Model>,
    /// Assignments they are part of, as coach or athlete.
    pub assignments: Vec<assignment::Model>,
}

/// The caller's own data (GDPR Art. 15/20).
pub async fn export(
    db: &impl ConnectionTrait,
    access: &Access,
    now: DateTime<Utc>,
) -> Result<Export, ServiceError> {
    let me = access.require()?;
    let workouts = WORKOUTS.export_live(db, me).await?;
    let sets = workout_set::Entity::find()
        .filter(
            workout_set::Column::WorkoutId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(workout::Column::Id)
                    .from(workout::Entity)
                    .and_where(Expr::col(workout::Column::AthleteId).eq(me))
                    .and_where(Expr::col(workout::Column::DeletedAt).is_null())
                    .to_owned(),
            ),
        )
        .order_by_asc(workout_set::Column::Id)
        .all(db)
        .await?;
    let plans = PLANS.export_live(db, me).await?;
    let targets = plan_target::Entity::find()
        .filter(plan_target::Column::PlanId.is_in(plans.iter().map(|p| p.id)))
        .order_by_asc(plan_target::Column::Id)
        .all(db)
        .await?;
    let assignments = assignment::Entity::find()
        .filter(
            assignment::Column::CoachId
                .eq(me)
                .or(assignment::Column::AthleteId.eq(me)),
        )
        .order_by_asc(assignment::Column::Id)
        .all(db)
        .await?;
    Ok(Export {
        exported_at: now.trunc_subsecs(6),
        workouts,
        sets,
        plans,
        targets,
        assignments,
    })
}

/// What an erasure removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    /// Workouts hidden.
    pub workouts: u64,
    /// Plans hidden.
    pub plans: u64,
    /// Assignments removed.
    pub assignments: u64,
}

/// Erases the caller's rows in one transaction.
pub async fn erase<C>(db: &C, access: &Access, now: DateTime<Utc>) -> Result<Erased, ServiceError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let me = access.require()?;
    let txn = tessera_kit::db::begin_write(db).await?;
    let erased = erase_owner(&txn, me, now).await?;
    txn.commit().await?;
    Ok(erased)
}

/// Erases `owner`'s rows in `txn` (theirs, or an erasure after their account was
/// deleted).
pub async fn erase_owner(
    txn: &impl ConnectionTrait,
    owner: Uuid,
    now: DateTime<Utc>,
) -> Result<Erased, ServiceError> {
    let workouts = WORKOUTS.erase(txn, owner, now).await?;
    let plans = PLANS.erase(txn, owner, now).await?;
    let assignments = assignment::Entity::delete_many()
        .filter(
            assignment::Column::CoachId
                .eq(owner)
                .or(assignment::Column::AthleteId.eq(owner)),
        )
        .exec(txn)
        .await?
        .rows_affected;
    Ok(Erased {
        workouts,
        plans,
        assignments,
    })
}
