//! Who is asking, as resolvers see it.
//!
//! The router authenticates the client and tells the subgraph who the caller is and
//! which roles they hold. Until the router-signed identity token lands (issue #6), the
//! identity travels as two headers which only the router may set (subgraph ports are
//! internal and never exposed): [`VIEWER_HEADER`] (the user id) and [`ROLES_HEADER`]
//! (comma-separated lowercase roles, e.g. `coach,athlete`), plus [`SCOPES_HEADER`] for
//! the rare grants a role alone does not carry (an administrator's `support` scope,
//! which opens private journals for a support case). Only the users subgraph stores
//! roles; every other domain learns them here. #6 replaces both headers with one
//! token the kit verifies in [`Viewer::from_headers`], in this one place, without
//! touching any resolver.

use axum::http::{HeaderMap, HeaderValue};
use uuid::Uuid;

use crate::error::ServiceError;

/// The header carrying the caller's user id from the router to a subgraph.
pub const VIEWER_HEADER: &str = "x-tessera-user-id";

/// The header carrying the caller's roles (comma-separated, lowercase).
pub const ROLES_HEADER: &str = "x-tessera-roles";

/// The header carrying extra scopes granted for this request (comma-separated).
pub const SCOPES_HEADER: &str = "x-tessera-scopes";

/// A scope granted for one request, beyond what the caller's roles allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Support access to a person's private data (journals), for an administrator
    /// handling a support case.
    Support,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 1] = [Scope::Support];

    /// The scope's name on the wire (in [`SCOPES_HEADER`]).
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Support => "support",
        }
    }

    const fn bit(self) -> u8 {
        match self {
            Scope::Support => 1,
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A role the platform grants; the users subgraph owns who holds which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Trains, logs workouts and keeps a journal.
    Athlete,
    /// Plans and follows the training of their athletes.
    Coach,
    /// Runs the platform.
    Admin,
    /// A partner developer's account.
    Partner,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Role::Athlete, Role::Coach, Role::Admin, Role::Partner];

    /// The role's name on the wire (in [`ROLES_HEADER`]).
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Athlete => "athlete",
            Role::Coach => "coach",
            Role::Admin => "admin",
            Role::Partner => "partner",
        }
    }

    const fn bit(self) -> u8 {
        match self {
            Role::Athlete => 1,
            Role::Coach => 2,
            Role::Admin => 4,
            Role::Partner => 8,
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// The caller of the current request; anonymous when no identity came with it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Viewer {
    user_id: Option<Uuid>,
    roles: u8,
    scopes: u8,
}

impl Viewer {
    /// An anonymous caller.
    pub const ANONYMOUS: Viewer = Viewer {
        user_id: None,
        roles: 0,
        scopes: 0,
    };

    /// A signed-in caller (holding no roles until [`Viewer::with_roles`]).
    pub fn user(user_id: Uuid) -> Self {
        Self {
            user_id: Some(user_id),
            roles: 0,
            scopes: 0,
        }
    }

    /// The same caller, also holding `roles`.
    pub fn with_roles(mut self, roles: &[Role]) -> Self {
        self.roles |= roles.iter().fold(0, |bits, r| bits | r.bit());
        self
    }

    /// The same caller, also granted `scopes`.
    pub fn with_scopes(mut self, scopes: &[Scope]) -> Self {
        self.scopes |= scopes.iter().fold(0, |bits, s| bits | s.bit());
        self
    }

    /// Whether the caller is signed in and was granted `scope`.
    pub fn has_scope(&self, scope: Scope) -> bool {
        self.user_id.is_some() && self.scopes & scope.bit() != 0
    }

    /// The caller's id, if signed in.
    pub fn user_id(&self) -> Option<Uuid> {
        self.user_id
    }

    /// The caller's id, or `UNAUTHENTICATED`.
    pub fn require(&self) -> Result<Uuid, ServiceError> {
        self.user_id.ok_or(ServiceError::Unauthenticated)
    }

    /// Whether the caller is signed in and holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.user_id.is_some() && self.roles & role.bit() != 0
    }

    /// Whether the caller is `id`.
    pub fn is(&self, id: Uuid) -> bool {
        self.user_id == Some(id)
    }

    /// The roles the caller holds.
    pub fn roles(&self) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| self.has(*r)).collect()
    }

    /// The scopes the caller was granted.
    pub fn scopes(&self) -> Vec<Scope> {
        Scope::ALL
            .into_iter()
            .filter(|s| self.has_scope(*s))
            .collect()
    }

    /// The headers that tell a subgraph who this caller is: what the router forwards
    /// and [`Viewer::from_headers`] reads back. An anonymous caller sends none; a
    /// signed-in one sends its id, and its roles and scopes when it has any.
    pub fn to_headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let Some(id) = self.user_id else {
            return headers;
        };
        let value = |text: String| {
            HeaderValue::try_from(text).expect("UUIDs and role or scope names are ASCII")
        };
        headers.insert(VIEWER_HEADER, value(id.to_string()));
        let roles: Vec<&str> = self.roles().into_iter().map(Role::as_str).collect();
        if !roles.is_empty() {
            headers.insert(ROLES_HEADER, value(roles.join(",")));
        }
        let scopes: Vec<&str> = self.scopes().into_iter().map(Scope::as_str).collect();
        if !scopes.is_empty() {
            headers.insert(SCOPES_HEADER, value(scopes.join(",")));
        }
        headers
    }

    /// Reads the identity the router forwarded. A header that is present but malformed
    /// (an id that is no UUID, an unknown role or scope, roles or scopes without an id)
    /// is refused rather than treated as anonymous: it means a broken or forged caller.
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, ServiceError> {
        let roles = match headers.get(ROLES_HEADER) {
            None => Vec::new(),
            Some(value) => parse_list(value.to_str().ok(), Role::parse)?,
        };
        let scopes = match headers.get(SCOPES_HEADER) {
            None => Vec::new(),
            Some(value) => parse_list(value.to_str().ok(), Scope::parse)?,
        };
        let Some(value) = headers.get(VIEWER_HEADER) else {
            return if roles.is_empty() && scopes.is_empty() {
                Ok(Self::ANONYMOUS)
            } else {
                Err(ServiceError::Unauthenticated)
            };
        };
        value
            .to_str()
            .ok()
            .and_then(|v| Uuid::parse_str(v.trim()).ok())
            .map(|id| Self::user(id).with_roles(&roles).with_scopes(&scopes))
            .ok_or(ServiceError::Unauthenticated)
    }
}

/// `athlete,coach` → the roles (or scopes); an empty header is none, an unknown name
/// an error.
fn parse_list<T>(
    value: Option<&str>,
    parse: fn(&str) -> Option<T>,
) -> Result<Vec<T>, ServiceError> {
    let value = value.ok_or(ServiceError::Unauthenticated)?;
    value
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| parse(name).ok_or(ServiceError::Unauthenticated))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, value.parse().expect("valid header"));
        }
        headers
    }

    #[test]
    fn identity_comes_from_the_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(Viewer::from_headers(&headers).ok(), Some(Viewer::ANONYMOUS));
        let id = Uuid::now_v7();
        headers.insert(VIEWER_HEADER, id.to_string().parse().expect("valid header"));
        assert_eq!(Viewer::from_headers(&headers).ok(), Some(Viewer::user(id)));
        headers.insert(VIEWER_HEADER, "not-a-uuid".parse().expect("valid header"));
        assert!(matches!(
            Viewer::from_headers(&headers),
            Err(ServiceError::Unauthenticated)
        ));
    }

    #[test]
    fn roles_come_from_their_header() {
        let id = Uuid::now_v7();
        let viewer = Viewer::from_headers(&headers(&[
            (VIEWER_HEADER, &id.to_string()),
            (ROLES_HEADER, " coach, athlete "),
        ]))
        .expect("valid");
        assert!(viewer.has(Role::Coach) && viewer.has(Role::Athlete));
        assert!(!viewer.has(Role::Admin) && !viewer.has(Role::Partner));
        assert_eq!(viewer.roles(), vec![Role::Athlete, Role::Coach]);
        assert!(viewer.is(id));

        let none = Viewer::from_headers(&headers(&[
            (VIEWER_HEADER, &id.to_string()),
            (ROLES_HEADER, ""),
        ]))
        .expect("empty roles");
        assert_eq!(none, Viewer::user(id));
        assert!(
            !Viewer::ANONYMOUS
                .with_roles(&[Role::Admin])
                .has(Role::Admin)
        );
    }

    #[test]
    fn scopes_come_from_their_header() {
        let id = Uuid::now_v7();
        let viewer = Viewer::from_headers(&headers(&[
            (VIEWER_HEADER, &id.to_string()),
            (ROLES_HEADER, "admin"),
            (SCOPES_HEADER, "support"),
        ]))
        .expect("valid");
        assert!(viewer.has(Role::Admin) && viewer.has_scope(Scope::Support));
        assert!(!Viewer::user(id).has_scope(Scope::Support));
        for bad in [
            headers(&[(VIEWER_HEADER, &id.to_string()), (SCOPES_HEADER, "root")]),
            headers(&[(SCOPES_HEADER, "support")]),
        ] {
            assert!(Viewer::from_headers(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn headers_round_trip() {
        let id = Uuid::now_v7();
        for viewer in [
            Viewer::ANONYMOUS,
            Viewer::user(id),
            Viewer::user(id).with_roles(&[Role::Coach, Role::Athlete]),
            Viewer::user(id)
                .with_roles(&[Role::Admin])
                .with_scopes(&[Scope::Support]),
        ] {
            let headers = viewer.to_headers();
            assert_eq!(
                Viewer::from_headers(&headers).ok(),
                Some(viewer),
                "{headers:?}"
            );
        }
        assert!(Viewer::ANONYMOUS.to_headers().is_empty());
        let plain = Viewer::user(id).to_headers();
        assert_eq!(plain.len(), 1, "no empty role or scope headers: {plain:?}");
        let admin = Viewer::user(id)
            .with_roles(&[Role::Coach, Role::Admin])
            .with_scopes(&[Scope::Support])
            .to_headers();
        assert_eq!(admin[ROLES_HEADER], "coach,admin");
        assert_eq!(admin[SCOPES_HEADER], "support");
        assert_eq!(admin[VIEWER_HEADER], id.to_string().as_str());
    }

    #[test]
    fn unknown_roles_and_roles_without_identity_are_refused() {
        let id = Uuid::now_v7().to_string();
        for bad in [
            headers(&[(VIEWER_HEADER, &id), (ROLES_HEADER, "coach,superuser")]),
            headers(&[(VIEWER_HEADER, &id), (ROLES_HEADER, "ADMIN")]),
            headers(&[(ROLES_HEADER, "admin")]),
        ] {
            assert!(
                matches!(
                    Viewer::from_headers(&bad),
                    Err(ServiceError::Unauthenticated)
                ),
                "{bad:?}"
            );
        }
    }
}
