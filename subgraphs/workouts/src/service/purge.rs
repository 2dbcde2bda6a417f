//! Removing for good the workouts and plans soft-deleted by an erasure (see
//! [`super::privacy::erase`]) once their retention has passed, with their sets and
//! targets. An athlete's workout scheduled from a purged plan stays theirs: it only
//! loses the link to the plan.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
    sea_query::Expr,
};
use tessera_kit::{
    error::ServiceError,
    purge::{Retention, expired},
};

use crate::entity::{assignment, plan, plan_target, workout, workout_set};

/// What a purge removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Purged {
    /// Workouts removed (their sets with them).
    pub workouts: u64,
    /// Plans removed (their targets and assignments with them).
    pub plans: u64,
}

impl Purged {
    /// Workouts and plans together.
    pub fn total(&self) -> u64 {
        self.workouts + self.plans
    }
}

/// Removes every workout and plan soft-deleted at or before `retention.cutoff(now)`, in
/// one transaction.
pub async fn purge_deleted<C>(
    db: &C,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<Purged, ServiceError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let cutoff = retention.cutoff(now);
    let expired_workouts =
        || expired::<workout::Entity>(workout::Column::Id, workout::Column::DeletedAt, cutoff);
    let expired_plans =
        || expired::<plan::Entity>(plan::Column::Id, plan::Column::DeletedAt, cutoff);
    let txn = tessera_kit::db::begin_write(db).await?;
    // Children first (see `expired`).
    workout_set::Entity::delete_many()
        .filter(workout_set::Column::WorkoutId.in_subquery(expired_workouts()))
        .exec(&txn)
        .await?;
    let workouts = workout::Entity::delete_many()
        .filter(workout::Column::DeletedAt.lte(cutoff))
        .exec(&txn)
        .await?
        .rows_affected;
    plan_target::Entity::delete_many()
        .filter(plan_target::Column::PlanId.in_subquery(expired_plans()))
        .exec(&txn)
        .await?;
    assignment::Entity::delete_many()
        .filter(assignment::Column::PlanId.in_subquery(expired_plans()))
        .exec(&txn)
        .await?;
    workout::Entity::update_many()
        .col_expr(
            workout::Column::PlanId,
            Expr::value(Option::<uuid::Uuid>::None),
        )
        .filter(workout::Column::PlanId.in_subquery(expired_plans()))
        .exec(&txn)
        .await?;
    let plans = plan::Entity::delete_many()
        .filter(plan::Column::DeletedAt.lte(cutoff))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(Purged { workouts, plans })
}
