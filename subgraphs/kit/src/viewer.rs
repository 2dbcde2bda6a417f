//! Who is asking, as resolvers see it.
//!
//! The router authenticates the client and tells the subgraph who the caller is with an
//! identity token it signs ([`tessera_identity::internal`]); the kit's server verifies
//! it with the router's public key ([`RouterTrust`]) before any resolver runs and hands
//! resolvers a [`Viewer`]. A request without a valid token is refused
//! (`UNAUTHENTICATED`), so nothing reaches a resolver around the router. Only the users
//! subgraph stores roles; every other domain learns them from the token. Scopes are the
//! rare grants a role alone does not carry (an administrator's `support` scope, which
//! opens private journals for a support case).
//!
//! A coach's viewer also carries their roster: the athletes the users domain says they
//! coach ([`Viewer::coaches`]). It is the only evidence of "their athletes" a domain may
//! use; a domain's own rows (a plan assigned, an entry shared) never make someone a
//! coach's athlete. The roster is as fresh as the access token (minutes), which is why
//! the viewer is `Clone` and not `Copy`: it holds a shared list.

use std::sync::Arc;

use axum::http::HeaderMap;
use tessera_identity::{
    Identity, ROSTER_MAX,
    internal::{HEADER, Verifier, VerifyError},
};
use uuid::Uuid;

use crate::error::ServiceError;

/// What a subgraph verifies the router's identity tokens with: the router's public key.
pub type RouterTrust = Arc<Verifier>;

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

    /// The scope's name on the wire.
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

    /// The role's name on the wire.
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
///
/// Cloning is cheap: the roster is shared, not copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Viewer {
    user_id: Option<Uuid>,
    roles: u8,
    scopes: u8,
    /// The athletes a coach coaches, sorted (looked up by binary search); `None` for
    /// nobody.
    athletes: Option<Arc<[Uuid]>>,
}

impl Viewer {
    /// An anonymous caller.
    pub const ANONYMOUS: Viewer = Viewer {
        user_id: None,
        roles: 0,
        scopes: 0,
        athletes: None,
    };

    /// A signed-in caller (holding no roles until [`Viewer::with_roles`]).
    pub fn user(user_id: Uuid) -> Self {
        Self {
            user_id: Some(user_id),
            ..Self::ANONYMOUS
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

    /// The same caller, coaching `athletes` (replacing any roster it had). Only a caller
    /// holding [`Role::Coach`] coaches anyone ([`Viewer::coaches`]); at most
    /// [`ROSTER_MAX`] are kept.
    pub fn with_athletes(mut self, athletes: impl IntoIterator<Item = Uuid>) -> Self {
        let mut athletes: Vec<Uuid> = athletes.into_iter().take(ROSTER_MAX).collect();
        athletes.sort_unstable();
        athletes.dedup();
        self.athletes = (!athletes.is_empty()).then(|| athletes.into());
        self
    }

    /// Whether the caller is a coach and `athlete` is on their roster: the one rule for
    /// "a coach sees and plans for their athletes only", in every domain.
    pub fn coaches(&self, athlete: Uuid) -> bool {
        self.has(Role::Coach)
            && self
                .athletes
                .as_deref()
                .is_some_and(|roster| roster.binary_search(&athlete).is_ok())
    }

    /// The athletes the caller coaches (sorted by id); empty for anyone but a coach.
    pub fn athletes(&self) -> &[Uuid] {
        if self.has(Role::Coach) {
            self.athletes.as_deref().unwrap_or_default()
        } else {
            &[]
        }
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

    /// The identity the router forwards for this caller ([`Viewer::from_identity`]
    /// reads it back).
    pub fn to_identity(&self) -> Identity {
        Identity {
            subject: self.user_id.map(|id| id.to_string()),
            roles: self
                .roles()
                .into_iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            scopes: self
                .scopes()
                .into_iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            policies: Vec::new(),
            athletes: self.athletes().iter().map(Uuid::to_string).collect(),
        }
    }

    /// The viewer an identity names. A subject that is no user id is refused (a broken
    /// or forged caller), as are roles, scopes or athletes without a subject. Roles and
    /// scopes this build does not know are ignored: a newer router may grant more than
    /// this subgraph understands, and ignoring only ever grants less. For the same
    /// reason athletes that are no user id are ignored, athletes of a caller without the
    /// coach role are dropped, and a roster longer than [`ROSTER_MAX`] is cut.
    pub fn from_identity(identity: &Identity) -> Result<Self, ServiceError> {
        let Some(subject) = &identity.subject else {
            return if identity.roles.is_empty()
                && identity.scopes.is_empty()
                && identity.athletes.is_empty()
            {
                Ok(Self::ANONYMOUS)
            } else {
                Err(ServiceError::Unauthenticated)
            };
        };
        let id = Uuid::parse_str(subject).map_err(|_| ServiceError::Unauthenticated)?;
        let roles: Vec<Role> = identity
            .roles
            .iter()
            .filter_map(|r| Role::parse(r))
            .collect();
        let scopes: Vec<Scope> = identity
            .scopes
            .iter()
            .filter_map(|s| Scope::parse(s))
            .collect();
        let viewer = Self::user(id).with_roles(&roles).with_scopes(&scopes);
        if !viewer.has(Role::Coach) {
            return Ok(viewer);
        }
        let athletes = identity
            .athletes
            .iter()
            .take(ROSTER_MAX)
            .filter_map(|a| Uuid::parse_str(a).ok());
        Ok(viewer.with_athletes(athletes))
    }

    /// The viewer of a request: the router's identity token in `headers`, verified by
    /// `trust`.
    pub fn from_headers(headers: &HeaderMap, trust: &Verifier) -> Result<Self, IdentityRefused> {
        let token = headers.get(HEADER).and_then(|v| v.to_str().ok());
        let identity = trust.verify(token).map_err(IdentityRefused)?;
        Self::from_identity(&identity).map_err(|_| {
            IdentityRefused(VerifyError::Invalid("the subject is not a user id".into()))
        })
    }
}

/// Why a request's identity was refused; the client sees `UNAUTHENTICATED` with this
/// message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IdentityRefused(pub VerifyError);

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tessera_identity::{Ed25519Key, internal::Signer};

    use super::*;

    fn identity(subject: Option<&str>, roles: &[&str], scopes: &[&str]) -> Identity {
        Identity {
            subject: subject.map(str::to_owned),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            ..Identity::default()
        }
    }

    #[test]
    fn identities_round_trip() {
        let id = Uuid::now_v7();
        for viewer in [
            Viewer::ANONYMOUS,
            Viewer::user(id),
            Viewer::user(id).with_roles(&[Role::Coach, Role::Athlete]),
            Viewer::user(id)
                .with_roles(&[Role::Admin])
                .with_scopes(&[Scope::Support]),
            Viewer::user(id)
                .with_roles(&[Role::Coach])
                .with_athletes([Uuid::now_v7(), Uuid::now_v7()]),
        ] {
            let identity = viewer.to_identity();
            assert_eq!(
                Viewer::from_identity(&identity).ok(),
                Some(viewer),
                "{identity:?}"
            );
        }
        assert_eq!(Viewer::ANONYMOUS.to_identity(), Identity::ANONYMOUS);
        let admin = Viewer::user(id)
            .with_roles(&[Role::Coach, Role::Admin])
            .with_scopes(&[Scope::Support])
            .to_identity();
        assert_eq!(admin.roles, ["coach", "admin"]);
        assert_eq!(admin.scopes, ["support"]);
        assert_eq!(admin.subject, Some(id.to_string()));
    }

    #[test]
    fn unknown_names_grant_nothing_and_bad_subjects_are_refused() {
        let id = Uuid::now_v7().to_string();
        let viewer = Viewer::from_identity(&identity(
            Some(&id),
            &["coach", "superuser", "ADMIN"],
            &["support-ish"],
        ))
        .expect("unknown names are ignored");
        assert_eq!(viewer.roles(), vec![Role::Coach]);
        assert!(viewer.scopes().is_empty());
        for bad in [
            identity(Some("not-a-uuid"), &[], &[]),
            identity(None, &["admin"], &[]),
            identity(None, &[], &["support"]),
        ] {
            assert!(
                matches!(
                    Viewer::from_identity(&bad),
                    Err(ServiceError::Unauthenticated)
                ),
                "{bad:?}"
            );
        }
        assert!(
            !Viewer::ANONYMOUS
                .with_roles(&[Role::Admin])
                .has(Role::Admin)
        );
    }

    #[test]
    fn a_roster_counts_only_for_a_coach_and_only_up_to_its_bound() {
        let me = Uuid::now_v7();
        let alex = Uuid::now_v7();
        let casey = Uuid::now_v7();
        let coach = Viewer::user(me)
            .with_roles(&[Role::Coach])
            .with_athletes([alex, alex]);
        assert!(coach.coaches(alex));
        assert!(!coach.coaches(casey));
        assert!(!coach.coaches(me));
        assert_eq!(coach.athletes(), [alex]);
        assert_eq!(coach.to_identity().athletes, [alex.to_string()]);

        // The same list without the coach role makes nobody an athlete.
        let athlete = Viewer::user(me)
            .with_roles(&[Role::Athlete, Role::Admin])
            .with_athletes([alex]);
        assert!(!athlete.coaches(alex));
        assert!(athlete.athletes().is_empty());
        assert!(athlete.to_identity().athletes.is_empty());

        // From the router's identity: ids only, coaches only, at most ROSTER_MAX.
        let from = |roles: &[&str], athletes: Vec<String>| {
            Viewer::from_identity(&Identity {
                subject: Some(me.to_string()),
                roles: roles.iter().map(|r| (*r).to_owned()).collect(),
                athletes,
                ..Identity::default()
            })
        };
        let viewer =
            from(&["coach"], vec![alex.to_string(), "not-an-id".to_owned()]).expect("a coach");
        assert_eq!(viewer.athletes(), [alex]);
        let viewer = from(&["athlete"], vec![alex.to_string()]).expect("an athlete");
        assert_eq!(viewer, Viewer::user(me).with_roles(&[Role::Athlete]));
        let many: Vec<Uuid> = (0..=ROSTER_MAX).map(|_| Uuid::now_v7()).collect();
        let viewer = from(&["coach"], many.iter().map(Uuid::to_string).collect()).expect("a coach");
        assert_eq!(viewer.athletes().len(), ROSTER_MAX);
        assert!(viewer.coaches(many[ROSTER_MAX - 1]));
        assert!(!viewer.coaches(many[ROSTER_MAX]), "the one past the bound");

        let nobody = Identity {
            athletes: vec![alex.to_string()],
            ..Identity::default()
        };
        assert!(matches!(
            Viewer::from_identity(&nobody),
            Err(ServiceError::Unauthenticated)
        ));
    }

    #[test]
    fn only_a_token_the_router_signed_names_a_viewer() {
        let router = Ed25519Key::from_seed("router", &[3; 32]);
        let trust = Verifier::for_key(&router);
        let id = Uuid::now_v7();
        let coach = Viewer::user(id).with_roles(&[Role::Coach]);
        let mut headers = HeaderMap::new();
        assert_eq!(
            Viewer::from_headers(&headers, &trust),
            Err(IdentityRefused(VerifyError::Missing))
        );
        let signer = Signer::new(&router, Duration::from_secs(60));
        let token = signer.token(&coach.to_identity());
        headers.insert(HEADER, token.parse().expect("a header value"));
        assert_eq!(Viewer::from_headers(&headers, &trust), Ok(coach.clone()));

        let forger = Signer::new(
            &Ed25519Key::from_seed("router", &[4; 32]),
            Duration::from_secs(60),
        );
        let forged = forger.token(&coach.with_roles(&[Role::Admin]).to_identity());
        headers.insert(HEADER, forged.parse().expect("a header value"));
        assert!(matches!(
            Viewer::from_headers(&headers, &trust),
            Err(IdentityRefused(VerifyError::Invalid(_)))
        ));
    }
}
