//! Someone a domain's tests act as: an id, roles, scopes and, for a coach, the roster
//! the users domain would put in their access token.

use uuid::Uuid;

use crate::viewer::{Role, Scope, Viewer};

/// A test caller.
#[derive(Debug, Clone)]
pub struct Person {
    /// Their user id (fresh per person).
    pub id: Uuid,
    /// Roles held.
    pub roles: &'static [Role],
    /// Scopes granted.
    pub scopes: &'static [Scope],
    /// For a coach: the athletes the users domain says they coach (their roster).
    pub athletes: Vec<Uuid>,
}

impl Person {
    /// A new person (a fresh UUIDv7) holding `roles` and `scopes`, coaching nobody.
    pub fn new(roles: &'static [Role], scopes: &'static [Scope]) -> Self {
        Self {
            id: Uuid::now_v7(),
            roles,
            scopes,
            athletes: Vec::new(),
        }
    }

    /// Who they are to the subgraph (what the router would forward).
    pub fn viewer(&self) -> Viewer {
        Viewer::user(self.id)
            .with_roles(self.roles)
            .with_scopes(self.scopes)
            .with_athletes(self.athletes.iter().copied())
    }

    /// The same person, also coaching `athletes` (as the roster in users would say).
    #[must_use]
    pub fn coaching(mut self, athletes: &[&Person]) -> Self {
        self.athletes.extend(athletes.iter().map(|a| a.id));
        self
    }

    /// The same person, no longer coaching `athlete` (a link removed in users).
    #[must_use]
    pub fn unlinked_from(mut self, athlete: &Person) -> Self {
        self.athletes.retain(|a| *a != athlete.id);
        self
    }
}
