//! Who may see and change whose training.
//!
//! Athletes see and log their own; administrators see everything; a coach sees and plans
//! for their athletes only. Who coaches whom belongs to the users domain: its roster
//! travels in the router's identity ([`Viewer::coaches`]). Nothing in this domain makes
//! someone a coach's athlete: a plan assigned earlier, or a workout a coach scheduled,
//! grants no access once the link is gone in users (within one access-token lifetime).

use tessera_kit::{
    error::ServiceError,
    viewer::{Role, Viewer},
};
use uuid::Uuid;

/// The caller, with the roster the router forwarded.
#[derive(Debug, Clone, Default)]
pub struct Access {
    viewer: Viewer,
}

impl Access {
    /// Nobody signed in.
    pub fn anonymous() -> Self {
        Self::default()
    }

    /// The caller `viewer`.
    pub fn new(viewer: Viewer) -> Self {
        Self { viewer }
    }

    /// The forwarded identity.
    pub fn viewer(&self) -> &Viewer {
        &self.viewer
    }

    /// The caller's id, or `UNAUTHENTICATED`.
    pub fn require(&self) -> Result<Uuid, ServiceError> {
        self.viewer.require()
    }

    /// Whether the caller is an administrator.
    pub fn is_admin(&self) -> bool {
        self.viewer.has(Role::Admin)
    }

    /// Whether the caller coaches `athlete` (their roster in users says so).
    pub fn coaches(&self, athlete: Uuid) -> bool {
        self.viewer.coaches(athlete)
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

    /// Refuses unless the caller coaches `athlete`: planning for someone else is for
    /// their coaches only.
    pub fn check_coaches(&self, athlete: Uuid) -> Result<(), ServiceError> {
        if self.coaches(athlete) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(
                "you may plan only for athletes you coach".to_owned(),
            ))
        }
    }

    /// Whether the caller may read the plan authored by `coach` (assignees are checked
    /// by the caller of this function, which knows the assignment).
    pub fn may_see_plan_of(&self, coach: Uuid) -> bool {
        self.viewer.is(coach) || self.is_admin()
    }
}
