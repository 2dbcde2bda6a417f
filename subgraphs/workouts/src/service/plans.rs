//! Coaches' plans: create with sessions of exercise targets, update, archive, assign to
//! an athlete (which schedules every session as a workout in one transaction).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, TransactionSession, TransactionTrait,
};
use tessera_kit::{
    error::ServiceError,
    events::{catalogue::PlanAssigned, outbox},
    pagination::Page,
};
use uuid::Uuid;

use crate::{
    entity::{assignment, plan, plan_target, workout},
    reactions::PRODUCER,
    service::{access::Access, catalogue, validation},
};

/// Most exercise targets one plan may hold.
pub const TARGETS_MAX: usize = 500;

/// One exercise of one session of a new plan.
#[derive(Debug, Clone)]
pub struct NewTarget {
    /// 1-based week.
    pub week: i32,
    /// 1 (Monday) – 7 (Sunday).
    pub day: i32,
    /// Catalogue exercise.
    pub exercise_id: Uuid,
    /// Sets to do.
    pub sets: i32,
    /// Reps per set.
    pub reps: i32,
    /// Load per rep, if any.
    pub weight_kg: Option<f64>,
}

/// A new plan.
#[derive(Debug, Clone)]
pub struct NewPlan {
    /// Title.
    pub title: String,
    /// What it trains for.
    pub goal: String,
    /// Length in weeks.
    pub weeks: i32,
    /// Its sessions' targets, in order within each session.
    pub targets: Vec<NewTarget>,
}

/// Creates a plan authored by the calling coach.
pub async fn create<C>(
    db: &C,
    access: &Access,
    input: NewPlan,
    now: DateTime<Utc>,
) -> Result<plan::Model, ServiceError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let coach = access.require_coach()?;
    let now = now.trunc_subsecs(6);
    let title = validation::title("title", &input.title)?;
    let goal = validation::goal(&input.goal)?;
    let weeks = validation::within("weeks", input.weeks, 1..=validation::WEEKS_MAX)?;
    if input.targets.is_empty() {
        return Err(ServiceError::invalid(
            "sessions",
            "a plan needs at least one exercise",
        ));
    }
    if input.targets.len() > TARGETS_MAX {
        return Err(ServiceError::invalid(
            "sessions",
            format!("a plan may hold at most {TARGETS_MAX} exercises"),
        ));
    }
    for t in &input.targets {
        validation::within("week", t.week, 1..=weeks)?;
        validation::within("day", t.day, 1..=7)?;
        validation::within("sets", t.sets, 1..=20)?;
        validation::within("reps", t.reps, 1..=100)?;
        if let Some(kg) = t.weight_kg {
            validation::weight("weightKg", kg)?;
        }
    }
    let exercise_ids: Vec<Uuid> = input
        .targets
        .iter()
        .map(|t| t.exercise_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if let Some(unknown) = catalogue::missing(db, &exercise_ids).await?.first() {
        return Err(ServiceError::invalid(
            "exerciseId",
            format!("no exercise {unknown} in the catalogue"),
        ));
    }
    let txn = tessera_kit::db::begin_write(db).await?;
    let row = plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        coach_id: Set(coach),
        title: Set(title),
        goal: Set(goal),
        weeks: Set(weeks),
        archived_at: Set(None),
        deleted_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let mut positions: HashMap<(i32, i32), i32> = HashMap::new();
    let targets = input.targets.iter().map(|t| {
        let position = positions.entry((t.week, t.day)).or_insert(0);
        *position += 1;
        plan_target::ActiveModel {
            id: Set(Uuid::now_v7()),
            plan_id: Set(row.id),
            week: Set(t.week),
            day: Set(t.day),
            position: Set(*position),
            exercise_id: Set(t.exercise_id),
            sets: Set(t.sets),
            reps: Set(t.reps),
            weight_kg: Set(t.weight_kg),
        }
    });
    plan_target::Entity::insert_many(targets)
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(row)
}

/// Plan fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PlanUpdate {
    /// New title.
    pub title: Option<String>,
    /// New goal.
    pub goal: Option<String>,
}

/// Changes a plan; only its author may.
pub async fn update(
    db: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
    input: PlanUpdate,
    now: DateTime<Utc>,
) -> Result<plan::Model, ServiceError> {
    let plan = own_plan(db, access, id).await?;
    let mut row: plan::ActiveModel = plan.into();
    if let Some(title) = &input.title {
        row.title = Set(validation::title("title", title)?);
    }
    if let Some(goal) = &input.goal {
        row.goal = Set(validation::goal(goal)?);
    }
    row.updated_at = Set(now.trunc_subsecs(6));
    Ok(row.update(db).await?)
}

/// Archives a plan: it stays readable, takes no new assignments. Archiving twice is a
/// no-op that keeps the first time.
pub async fn archive(
    db: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<plan::Model, ServiceError> {
    let plan = own_plan(db, access, id).await?;
    if plan.archived_at.is_some() {
        return Ok(plan);
    }
    let now = now.trunc_subsecs(6);
    let mut row: plan::ActiveModel = plan.into();
    row.archived_at = Set(Some(now));
    row.updated_at = Set(now);
    Ok(row.update(db).await?)
}

/// Assigns the calling coach's plan to `athlete_id` from `starts_at`, scheduling one
/// workout per session, and announces it ([`PlanAssigned`]: the athlete is told). Only to an athlete the caller coaches (`FORBIDDEN` otherwise,
/// with nothing written); an athlete gets a plan once.
pub async fn assign<C>(
    db: &C,
    access: &Access,
    plan_id: Uuid,
    athlete_id: Uuid,
    starts_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(assignment::Model, Vec<workout::Model>), ServiceError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let plan = own_plan(db, access, plan_id).await?;
    if plan.archived_at.is_some() {
        return Err(ServiceError::Conflict {
            field: Some("planId".to_owned()),
            message: "an archived plan cannot be assigned".to_owned(),
        });
    }
    if athlete_id == plan.coach_id {
        return Err(ServiceError::invalid(
            "athleteId",
            "a coach cannot assign a plan to themselves",
        ));
    }
    access.check_coaches(athlete_id)?;
    let now = now.trunc_subsecs(6);
    let starts_at = starts_at.trunc_subsecs(6);
    let already = assignment::Entity::find()
        .filter(assignment::Column::PlanId.eq(plan_id))
        .filter(assignment::Column::AthleteId.eq(athlete_id))
        .one(db)
        .await?;
    if already.is_some() {
        return Err(ServiceError::Conflict {
            field: Some("athleteId".to_owned()),
            message: "this plan is already assigned to that athlete".to_owned(),
        });
    }
    let sessions: BTreeSet<(i32, i32)> = plan_target::Entity::find()
        .filter(plan_target::Column::PlanId.eq(plan_id))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.week, t.day))
        .collect();
    let txn = tessera_kit::db::begin_write(db).await?;
    let assigned = assignment::ActiveModel {
        id: Set(Uuid::now_v7()),
        plan_id: Set(plan_id),
        coach_id: Set(plan.coach_id),
        athlete_id: Set(athlete_id),
        starts_at: Set(starts_at),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    let mut workouts = Vec::new();
    for (week, day) in sessions {
        let offset = Duration::days(i64::from((week - 1) * 7 + (day - 1)));
        workouts.push(workout::Model {
            id: Uuid::now_v7(),
            athlete_id,
            coach_id: Some(plan.coach_id),
            plan_id: Some(plan_id),
            title: format!("{} · week {week}, day {day}", plan.title),
            scheduled_at: starts_at + offset,
            completed_at: None,
            duration_seconds: None,
            created_at: now,
            deleted_at: None,
        });
    }
    if !workouts.is_empty() {
        workout::Entity::insert_many(
            workouts
                .iter()
                .cloned()
                .map(sea_orm::IntoActiveModel::into_active_model),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    let told = PlanAssigned {
        plan_id,
        plan_name: plan.title.clone(),
        coach_id: plan.coach_id,
        athlete_id,
    };
    outbox::append(&txn, PRODUCER, &told, now).await?;
    txn.commit().await?;
    Ok((assigned, workouts))
}

/// A plan the caller authored, or `NOT_FOUND` (also for others' plans: their existence
/// is not the caller's business).
async fn own_plan(
    db: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
) -> Result<plan::Model, ServiceError> {
    let coach = access.require_coach()?;
    plan::Entity::find_by_id(id)
        .filter(plan::Column::DeletedAt.is_null())
        .filter(plan::Column::CoachId.eq(coach))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no plan {id} of yours")))
}

/// A plan by id if the caller may read it: its author, administrators, and athletes it
/// is assigned to.
pub async fn visible(
    db: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
) -> Result<Option<plan::Model>, ServiceError> {
    let me = access.require()?;
    let Some(plan) = plan::Entity::find_by_id(id)
        .filter(plan::Column::DeletedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if access.may_see_plan_of(plan.coach_id) {
        return Ok(Some(plan));
    }
    let assigned = assignment::Entity::find()
        .filter(assignment::Column::PlanId.eq(id))
        .filter(assignment::Column::AthleteId.eq(me))
        .one(db)
        .await?
        .is_some();
    Ok(assigned.then_some(plan))
}

/// The targets of each of `plan_ids`, in session order, in one statement.
pub async fn targets_of(
    db: &impl ConnectionTrait,
    plan_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<plan_target::Model>>, ServiceError> {
    let rows = plan_target::Entity::find()
        .filter(plan_target::Column::PlanId.is_in(plan_ids.iter().copied()))
        .order_by_asc(plan_target::Column::Week)
        .order_by_asc(plan_target::Column::Day)
        .order_by_asc(plan_target::Column::Position)
        .all(db)
        .await?;
    let mut by_plan: HashMap<Uuid, Vec<plan_target::Model>> = HashMap::new();
    for row in rows {
        by_plan.entry(row.plan_id).or_default().push(row);
    }
    Ok(by_plan)
}

/// One page of the plans each of `coach_ids` authored, in one statement.
pub async fn authored_by(
    db: &impl ConnectionTrait,
    coach_ids: &[Uuid],
    include_archived: bool,
    page: &Page,
) -> Result<HashMap<Uuid, Vec<plan::Model>>, ServiceError> {
    let mut select = plan::Entity::find().filter(plan::Column::DeletedAt.is_null());
    if !include_archived {
        select = select.filter(plan::Column::ArchivedAt.is_null());
    }
    Ok(page
        .load_per_parent(
            db,
            select,
            plan::Column::CoachId,
            plan::Column::Id,
            coach_ids,
            |p| p.coach_id,
        )
        .await?)
}

/// One page of the assignments of each of `athlete_ids`, in one statement.
pub async fn assignments_of(
    db: &impl ConnectionTrait,
    athlete_ids: &[Uuid],
    page: &Page,
) -> Result<HashMap<Uuid, Vec<assignment::Model>>, ServiceError> {
    Ok(page
        .load_per_parent(
            db,
            assignment::Entity::find(),
            assignment::Column::AthleteId,
            assignment::Column::Id,
            athlete_ids,
            |a| a.athlete_id,
        )
        .await?)
}
