//! Who may read which entries.
//!
//! A private entry is for its author only. A shared entry is also for the coach it was
//! shared with (the coach id recorded on the entry) while that coach coaches the author:
//! the users domain's roster, forwarded in the identity ([`Viewer::coaches`]), says so.
//! The author chooses whom to share with; the roster decides whether that person is
//! their coach, so sharing with someone else, or a link removed in users, opens nothing.
//! Nobody else — administrators included — unless the request carries the explicit
//! `support` scope on top of the admin role (a support case).

use tessera_kit::{
    error::ServiceError,
    viewer::{Role, Scope, Viewer},
};
use uuid::Uuid;

use crate::entity::entry;

/// Which of an author's entries a caller may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// All of them (the author, or support).
    All,
    /// Those shared with this coach.
    SharedWith(Uuid),
}

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

    /// An administrator working a support case.
    pub fn is_support(&self) -> bool {
        self.viewer.has(Role::Admin) && self.viewer.has_scope(Scope::Support)
    }

    /// Whether the caller may read `entry`.
    pub fn may_read(&self, entry: &entry::Model) -> bool {
        self.viewer.is(entry.author_id)
            || self.is_support()
            || (entry.shared_with_coach_id.is_some()
                && entry.shared_with_coach_id == self.viewer.user_id()
                && self.viewer.coaches(entry.author_id))
    }

    /// Which of `author`'s entries the caller may list; `FORBIDDEN` for anyone who could
    /// see none by rule (not the author, not the author's coach, not support).
    pub fn visibility_of(&self, author: Uuid) -> Result<Visibility, ServiceError> {
        let me = self.require()?;
        if me == author || self.is_support() {
            Ok(Visibility::All)
        } else if self.viewer.coaches(author) {
            Ok(Visibility::SharedWith(me))
        } else {
            Err(ServiceError::Forbidden(
                "a journal is for its author, and for the coach they share entries with".to_owned(),
            ))
        }
    }
}
