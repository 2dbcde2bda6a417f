//! Who may see what about whom, decided from the viewer's own (active) account.

use sea_orm::ConnectionTrait;
use tessera_kit::{error::ServiceError, viewer::Viewer};
use uuid::Uuid;

use crate::{
    entity::user::{self, Role},
    service::directory,
};

/// The caller, resolved to their account (absent when anonymous, or when the account
/// behind the identity was deleted).
#[derive(Debug, Clone, Default)]
pub struct Access {
    viewer: Option<user::Model>,
}

impl Access {
    /// Nobody signed in.
    pub const ANONYMOUS: Access = Access { viewer: None };

    /// The caller whose account is `viewer`.
    pub fn of(viewer: user::Model) -> Self {
        Self {
            viewer: Some(viewer),
        }
    }

    /// Loads the viewer's account.
    pub async fn resolve(db: &impl ConnectionTrait, viewer: Viewer) -> Result<Self, ServiceError> {
        let Some(id) = viewer.user_id() else {
            return Ok(Self::ANONYMOUS);
        };
        Ok(Self {
            viewer: directory::by_id(db, id).await?,
        })
    }

    /// The caller's account, or `UNAUTHENTICATED`.
    pub fn require(&self) -> Result<&user::Model, ServiceError> {
        self.viewer.as_ref().ok_or(ServiceError::Unauthenticated)
    }

    /// The caller's account, if signed in.
    pub fn viewer(&self) -> Option<&user::Model> {
        self.viewer.as_ref()
    }

    /// Whether the caller is an administrator.
    pub fn is_admin(&self) -> bool {
        self.viewer
            .as_ref()
            .is_some_and(|v| v.roles().has(Role::Admin))
    }

    /// Whether the caller is `id`.
    pub fn is(&self, id: Uuid) -> bool {
        self.viewer.as_ref().is_some_and(|v| v.id == id)
    }

    /// Private profile fields (email, subscription tier) are for the person and admins.
    pub fn may_see_private(&self, user: &user::Model) -> bool {
        self.is(user.id) || self.is_admin()
    }

    /// Refuses unless the caller may see `user`'s private fields.
    pub fn check_private(&self, user: &user::Model, what: &str) -> Result<(), ServiceError> {
        self.require()?;
        if self.may_see_private(user) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(format!(
                "only the user and administrators may see {what}"
            )))
        }
    }
}
