//! Who may do what. An inbox and its settings are for their owner (and administrators,
//! for support); sending is for administrators (any kind, anyone: this is also how other
//! subgraphs send system events, with a service identity holding the admin role) and for
//! coaches, to their athletes (the users domain's roster, forwarded in the identity) who
//! accept their messages.

use tessera_kit::{
    error::ServiceError,
    viewer::{Role, Viewer},
};
use uuid::Uuid;

/// The caller.
#[derive(Debug, Clone, Default)]
pub struct Access {
    viewer: Viewer,
}

impl Access {
    /// The caller `viewer`.
    pub fn new(viewer: Viewer) -> Self {
        Self { viewer }
    }

    /// The caller's id, or `UNAUTHENTICATED`.
    pub fn require(&self) -> Result<Uuid, ServiceError> {
        self.viewer.require()
    }

    /// Whether the caller is an administrator.
    pub fn is_admin(&self) -> bool {
        self.viewer.has(Role::Admin)
    }

    /// Whether the caller is a coach.
    pub fn is_coach(&self) -> bool {
        self.viewer.has(Role::Coach)
    }

    /// Whether the caller coaches `athlete` (their roster in users says so).
    pub fn coaches(&self, athlete: Uuid) -> bool {
        self.viewer.coaches(athlete)
    }

    /// Refuses unless the caller is `user` or an administrator.
    pub fn check_owner(&self, user: Uuid) -> Result<(), ServiceError> {
        self.require()?;
        if self.viewer.is(user) || self.is_admin() {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(
                "notifications and their settings are for their owner only".to_owned(),
            ))
        }
    }
}
