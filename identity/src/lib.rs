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

/// A caller as the router established it: the subject of a verified access token (none
/// for an anonymous caller), the roles it holds and the scopes it was granted.
///
/// Names are lowercase wire names (`coach`, `support`); each subgraph decides which it
/// understands.
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
}

impl Identity {
    /// An anonymous caller.
    pub const ANONYMOUS: Identity = Identity {
        subject: None,
        roles: Vec::new(),
        scopes: Vec::new(),
        policies: Vec::new(),
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
