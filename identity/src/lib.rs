//! Who is calling, as the identity travels inside the platform.
//!
//! Clients authenticate at the router with an access token the users subgraph issued.
//! The router then tells each subgraph who the caller is with a token of its own: short
//! lived, signed with the router's Ed25519 key, verified by every subgraph with the
//! router's public key. A subgraph answers nothing without one, so there is no path
//! around the router's checks even from inside the network.
//!
//! # Layout
//! - [`keys`]: Ed25519 key pairs: generation, PKCS#8 PEM, public keys, JWKs.
//! - [`internal`]: the router → subgraph token: [`internal::Signer`] and
//!   [`internal::Verifier`].

pub mod internal;
pub mod keys;

pub use self::keys::{Ed25519Key, KeyError};

/// The most athletes an identity names as coached by its caller (the `athletes` claim of
/// access tokens). The users domain refuses a coach's link beyond it, so a roster is
/// never cut short in practice; anything longer that reaches the router or a subgraph
/// (another issuer, a forged identity) is cut to this many, which only ever grants less.
///
/// Why 500: each id costs 39 bytes of JSON, so a full roster makes an access token of
/// about 26 KB. That passes the router (hyper accepts headers up to about 400 KB), but a
/// proxy in front of it must accept such a header (nginx's default
/// `large_client_header_buffers` is 8 KB, about 140 athletes), and a browser keeps at most
/// 4 KB in one cookie (about 60 athletes): a web coach with a larger roster must send the
/// token in `Authorization`, not in the cookie.
pub const ROSTER_MAX: usize = 500;

/// A caller as the router established it: the subject of a verified access token (none
/// for an anonymous caller), the roles it holds, the scopes it was granted and, for a
/// coach, the athletes they coach.
///
/// Names are lowercase wire names (`coach`, `support`); each subgraph decides which it
/// understands.
///
/// Build one with `..Identity::default()` for the fields you do not set, so that a new
/// field does not ripple through every literal:
///
/// ```
/// # use tessera_identity::Identity;
/// let coach = Identity {
///     subject: Some("01930000-0000-7000-8000-000000000002".to_owned()),
///     roles: vec!["coach".to_owned()],
///     ..Identity::default()
/// };
/// assert!(coach.athletes.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    /// The user id, for a signed-in caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Roles held (`athlete`, `coach`, `admin`, `partner`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Scopes granted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Policies that hold for the caller (evaluated by the router from the access
    /// token's claims; `@policy` reads them). Not forwarded: subgraphs decide by roles,
    /// scopes and their own rows.
    #[serde(default, skip)]
    pub policies: Vec<String>,
    /// The user ids of the athletes the caller coaches, oldest link first: the users
    /// domain's roster (`coach_athletes`) as it stood when the access token was issued,
    /// so a link removed there lapses within one access-token lifetime. Only for a caller
    /// holding the `coach` role; at most [`ROSTER_MAX`]. Subgraphs decide "a coach sees
    /// their athletes only" by it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub athletes: Vec<String>,
}

impl Identity {
    /// An anonymous caller.
    pub const ANONYMOUS: Identity = Identity {
        subject: None,
        roles: Vec::new(),
        scopes: Vec::new(),
        policies: Vec::new(),
        athletes: Vec::new(),
    };

    /// Whether the caller holds `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// Whether the caller was granted `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Whether `policy` holds for the caller.
    pub fn has_policy(&self, policy: &str) -> bool {
        self.policies.iter().any(|p| p == policy)
    }
}
