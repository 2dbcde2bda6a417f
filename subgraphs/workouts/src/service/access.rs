//! Who may see and change whose training.
//!
//! Athletes see and log their own; administrators see everything; a coach sees and plans
//! for their athletes only. The coach–athlete roster belongs to the users domain, so this
//! domain uses its own evidence of the relationship: a coach's athletes are those the coach
//! assigned one of their plans to (`plan_assignments`), read once per request.

use std::collections::HashSet;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use tessera_kit::{
    error::ServiceError,
    viewer::{Role, Viewer},
};
use uuid::Uuid;

use crate::entity::assignment;

/// The caller with what this domain knows about them.
#[derive(Debug, Clone, Default)]
pub struct Access {
    viewer: Viewer,
    athletes: HashSet<Uuid>,
}

impl Access {
    /// Nobody signed in.
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// `viewer`, coaching `athletes` (for tests and callers that know them).
    pub fn new(viewer: Viewer, athletes: impl IntoIterator<Item = Uuid>) -> Self {
        Self {
            viewer,
            athletes: athletes.into_iter().collect(),
        }
    }

    /// Loads the athletes a coach assigned plans to (one statement, coaches only).
    pub async fn resolve(db: &impl ConnectionTrait, viewer: Viewer) -> Result<Self, ServiceError> {
        let Some(id) = viewer.user_id() else {
            return Ok(Self::new(viewer, []));
        };
        if !viewer.has(Role::Coach) {
            return Ok(Self::new(viewer, []));
        }
        let athletes: Vec<Uuid> = assignment::Entity::find()
            .select_only()
            .column(assignment::Column::AthleteId)
            .filter(assignment::Column::CoachId.eq(id))
            .distinct()
            .into_tuple()
            .all(db)
            .await?;
        Ok(Self::new(viewer, athletes))
    }

    /// The forwarded identity.
    pub fn viewer(&self) -> Viewer {
        self.viewer
    }

    /// The caller's id, or `UNAUTHENTICATED`.
    pub fn require(&self) -> Result<Uuid, ServiceError> {
        self.viewer.require()
    }

    /// Whether the caller is an administrator.
    pub fn is_admin(&self) -> bool {
        self.viewer.has(Role::Admin)
    }

    /// Whether the caller coaches `athlete` here (assigned them a plan).
    pub fn coaches(&self, athlete: Uuid) -> bool {
        self.viewer.has(Role::Coach) && self.athletes.contains(&athlete)
    }

    /// Whether the caller may read `athlete`'s training.
    pub fn may_see_athlete(&self, athlete: Uuid) -> bool {
        self.viewer.is(athlete) || self.is_admin() || self.coaches(athlete)
    }

    /// Refuses unless the caller may read `athlete`'s training.
    pub fn check_athlete(&self, athlete: Uuid) -> Result<(), ServiceError> {
        self.require()?;
        if self.may_see_athlete(athlete) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(
                "only the athlete, their coaches and administrators may see this training"
                    .to_owned(),
            ))
        }
    }

    /// Refuses unless the caller holds the coach role.
    pub fn require_coach(&self) -> Result<Uuid, ServiceError> {
        let id = self.require()?;
        if self.viewer.has(Role::Coach) {
            Ok(id)
        } else {
            Err(ServiceError::Forbidden(
                "only coaches may create and assign plans".to_owned(),
            ))
        }
    }

    /// Whether the caller may read the plan authored by `coach` (assignees are checked
    /// by the caller of this function, which knows the assignment).
    pub fn may_see_plan_of(&self, coach: Uuid) -> bool {
        self.viewer.is(coach) || self.is_admin()
    }
}
