//! Someone a domain's tests act as: an id, roles, scopes and, for a coach, the roster
//! the users domain would put in their access token. [`athlete`], [`coach`], [`admin`]
//! and [`support`] are the people every domain's tests start from.

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

/// A new athlete (no scopes).
pub fn athlete() -> Person {
    Person::new(&[Role::Athlete], &[])
}

/// A new coach coaching nobody yet ([`Person::coaching`]).
pub fn coach() -> Person {
    Person::new(&[Role::Coach], &[])
}

/// A new administrator (no scopes).
pub fn admin() -> Person {
    Person::new(&[Role::Admin], &[])
}

/// A new administrator working a support case (scope `support`).
pub fn support() -> Person {
    Person::new(&[Role::Admin], &[Scope::Support])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_person_is_new_and_holds_only_their_roles_and_scopes() {
        let (athlete, coach, admin, support) = (athlete(), coach(), admin(), support());
        let ids = [athlete.id, coach.id, admin.id, support.id];
        assert!(
            ids.iter().enumerate().all(|(i, id)| !ids[..i].contains(id)),
            "every person gets a fresh id"
        );
        let athlete_viewer = athlete.viewer();
        assert!(athlete_viewer.has(Role::Athlete) && !athlete_viewer.has(Role::Coach));
        let coach_viewer = coach.viewer();
        assert!(coach_viewer.has(Role::Coach) && !coach_viewer.has(Role::Admin));
        let admin_viewer = admin.viewer();
        assert!(admin_viewer.has(Role::Admin) && !admin_viewer.has_scope(Scope::Support));
        let support_viewer = support.viewer();
        assert!(support_viewer.has(Role::Admin) && support_viewer.has_scope(Scope::Support));
        assert!(coach.athletes.is_empty(), "a new coach coaches nobody");
    }
}
