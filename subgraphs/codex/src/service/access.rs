//! Who may read and write. Public entries are for everyone, anonymous callers and
//! partners included; private ones for their author only. Coaches and administrators
//! write entries.

use sea_orm::{ColumnTrait, Condition};
use tessera_kit::{
    error::ServiceError,
    viewer::{Role, Viewer},
};
use uuid::Uuid;

use crate::entity::entry::{self, Visibility};

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

    /// The caller's id if they may write entries.
    pub fn require_writer(&self) -> Result<Uuid, ServiceError> {
        let me = self.require()?;
        if self.viewer.has(Role::Coach) || self.viewer.has(Role::Admin) {
            Ok(me)
        } else {
            Err(ServiceError::Forbidden(
                "coaches and administrators write codex entries".to_owned(),
            ))
        }
    }

    /// Whether the caller is `user`.
    pub fn is(&self, user: Uuid) -> bool {
        self.viewer.is(user)
    }

    /// Whether the caller may read `entry`.
    pub fn may_read(&self, entry: &entry::Model) -> bool {
        entry.deleted_at.is_none()
            && (entry.visibility == Visibility::Public || self.viewer.is(entry.author_id))
    }

    /// The live entries the caller may read, as a condition.
    pub fn readable(&self) -> Condition {
        let visible = Condition::any().add(entry::Column::Visibility.eq(Visibility::Public));
        let visible = match self.viewer.user_id() {
            Some(me) => visible.add(entry::Column::AuthorId.eq(me)),
            None => visible,
        };
        Condition::all()
            .add(entry::Column::DeletedAt.is_null())
            .add(visible)
    }
}
