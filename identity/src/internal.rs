//! The identity token the router signs for each subgraph request.
//!
//! A JWT (`alg: EdDSA`) with `iss: tessera-router`, `aud: tessera-subgraphs`, `iat`,
//! `exp` (a minute by default), and the caller: `sub` when signed in, `roles`, `scopes`,
//! and a coach's `athletes`.
//! It travels in the [`HEADER`] header. The router's [`Signer`] reuses a token for the
//! same caller until half its lifetime has passed, so signing costs nothing on the hot
//! path; a subgraph's [`Verifier`] remembers tokens it verified until they expire, so
//! verifying does not either.

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};

use crate::{Ed25519Key, Identity};

/// The header carrying the router's identity token to a subgraph.
pub const HEADER: &str = "x-tessera-identity";

/// The role of the router itself, in the identity it signs for its own calls (the
/// audit records it sends to users at [`AUDIT_PATH`]); never a caller's role (users
/// issues roles from its own list, none with a colon).
pub const ROUTER_ROLE: &str = "tessera:router";

/// Where the users subgraph takes the router's audit records (`POST`, JSON
/// `{action, actor, subject, detail}`, the router's identity in [`HEADER`]).
pub const AUDIT_PATH: &str = "/internal/audit";

/// The audit action of an administrator's cache invalidation at the router.
pub const AUDIT_CACHE_INVALIDATED: &str = "router.cache_invalidated";
/// The audit action of an operation refused because it is not a trusted document.
pub const AUDIT_UNTRUSTED_REFUSED: &str = "router.untrusted_document_refused";

/// The identity the router signs for its own calls.
pub fn router_identity() -> Identity {
    Identity {
        roles: vec![ROUTER_ROLE.to_owned()],
        ..Identity::default()
    }
}

/// Whether `identity` is the router's own ([`router_identity`]) and nobody else's.
pub fn is_router(identity: &Identity) -> bool {
    identity.subject.is_none() && identity.roles == [ROUTER_ROLE] && identity.scopes.is_empty()
}

const ISSUER: &str = "tessera-router";
const AUDIENCE: &str = "tessera-subgraphs";

/// Clock difference tolerated between the router and a subgraph, in seconds.
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    iat: u64,
    exp: u64,
    #[serde(flatten)]
    identity: Identity,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Signs identity tokens (in the router).
pub struct Signer {
    key: EncodingKey,
    header: Header,
    ttl: u64,
    minted: moka::sync::Cache<Identity, (Arc<str>, u64)>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("kid", &self.header.kid)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Signs with `key`; tokens live `ttl` (at least ten seconds).
    pub fn new(key: &Ed25519Key, ttl: Duration) -> Self {
        let mut header = Header::new(Ed25519Key::ALGORITHM);
        header.kid = Some(key.kid().to_owned());
        Self {
            key: key.encoding_key(),
            header,
            ttl: ttl.as_secs().max(10),
            minted: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(ttl / 2)
                .build(),
        }
    }

    /// A token for `identity`, valid for at least half the configured lifetime.
    pub fn token(&self, identity: &Identity) -> Arc<str> {
        let now = now_secs();
        if let Some((token, exp)) = self.minted.get(identity)
            && exp.saturating_sub(now) >= self.ttl / 2
        {
            return token;
        }
        let claims = Claims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            exp: now + self.ttl,
            identity: identity.clone(),
        };
        let token: Arc<str> = jsonwebtoken::encode(&self.header, &claims, &self.key)
            .expect("an Ed25519 key signs any claims")
            .into();
        self.minted
            .insert(identity.clone(), (token.clone(), claims.exp));
        token
    }
}

/// Why a subgraph refused an identity token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No token came with the request.
    #[error(
        "the request carries no router identity token (header `{HEADER}`); subgraphs answer only the router"
    )]
    Missing,
    /// The token has expired.
    #[error("the router identity token has expired")]
    Expired,
    /// Anything else: bad signature, wrong issuer or audience, malformed.
    #[error("the router identity token is invalid: {0}")]
    Invalid(String),
}

/// Verifies identity tokens (in each subgraph).
pub struct Verifier {
    key: DecodingKey,
    validation: Validation,
    verified: moka::sync::Cache<Arc<str>, (Identity, u64)>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").finish_non_exhaustive()
    }
}

impl Verifier {
    /// Verifies with the router's public key.
    pub fn new(public: DecodingKey) -> Self {
        let mut validation = Validation::new(Ed25519Key::ALGORITHM);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = LEEWAY_SECS;
        Self {
            key: public,
            validation,
            verified: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(600))
                .build(),
        }
    }

    /// Verifies with `key`'s public half (tests, and `tessera dev` where one process
    /// holds both).
    pub fn for_key(key: &Ed25519Key) -> Self {
        Self::new(key.decoding_key())
    }

    /// The caller `token` names, if the router signed it and it has not expired.
    pub fn verify(&self, token: Option<&str>) -> Result<Identity, VerifyError> {
        let token = token.ok_or(VerifyError::Missing)?.trim();
        if token.is_empty() {
            return Err(VerifyError::Missing);
        }
        let now = now_secs();
        if let Some((identity, exp)) = self.verified.get(token) {
            return if now <= exp + LEEWAY_SECS {
                Ok(identity)
            } else {
                Err(VerifyError::Expired)
            };
        }
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).map_err(|err| {
                match err.kind() {
                    ErrorKind::ExpiredSignature => VerifyError::Expired,
                    _ => VerifyError::Invalid(err.to_string()),
                }
            })?;
        let identity = data.claims.identity;
        self.verified
            .insert(token.into(), (identity.clone(), data.claims.exp));
        Ok(identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coach() -> Identity {
        Identity {
            subject: Some("0193b1f2-0000-7000-8000-000000000001".to_owned()),
            roles: vec!["coach".to_owned(), "athlete".to_owned()],
            athletes: vec!["0193b1f2-0000-7000-8000-000000000002".to_owned()],
            ..Identity::default()
        }
    }

    #[test]
    fn a_signed_identity_verifies_and_is_reused() {
        let key = Ed25519Key::from_seed("router", &[1; 32]);
        let signer = Signer::new(&key, Duration::from_secs(60));
        let verifier = Verifier::for_key(&key);
        let token = signer.token(&coach());
        assert_eq!(verifier.verify(Some(&token)), Ok(coach()));
        assert!(Arc::ptr_eq(&token, &signer.token(&coach())), "reused");
        // The roster is part of who the caller is: a coach whose athletes changed gets
        // a token of their own, never the one naming the old roster.
        let unlinked = Identity {
            athletes: Vec::new(),
            ..coach()
        };
        let fresh = signer.token(&unlinked);
        assert_ne!(&*fresh, &*token);
        assert_eq!(verifier.verify(Some(&fresh)), Ok(unlinked));
        let anonymous = signer.token(&Identity::ANONYMOUS);
        assert_eq!(verifier.verify(Some(&anonymous)), Ok(Identity::ANONYMOUS));
        assert_ne!(&*anonymous, &*token);
    }

    #[test]
    fn forged_missing_and_expired_tokens_are_refused() {
        let key = Ed25519Key::from_seed("router", &[1; 32]);
        let verifier = Verifier::for_key(&key);
        assert_eq!(verifier.verify(None), Err(VerifyError::Missing));
        assert_eq!(verifier.verify(Some(" ")), Err(VerifyError::Missing));
        assert!(matches!(
            verifier.verify(Some("not.a.jwt")),
            Err(VerifyError::Invalid(_))
        ));

        let intruder = Signer::new(
            &Ed25519Key::from_seed("router", &[2; 32]),
            Duration::from_secs(60),
        );
        let forged = intruder.token(&coach());
        assert!(matches!(
            verifier.verify(Some(&forged)),
            Err(VerifyError::Invalid(m)) if m.contains("InvalidSignature")
        ));

        let now = now_secs();
        let expired = Claims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now - 120,
            exp: now - 60,
            identity: coach(),
        };
        let token = jsonwebtoken::encode(
            &Header::new(Ed25519Key::ALGORITHM),
            &expired,
            &key.encoding_key(),
        )
        .expect("signs");
        assert_eq!(verifier.verify(Some(&token)), Err(VerifyError::Expired));

        let wrong_audience = Claims {
            aud: "somebody-else".to_owned(),
            exp: now + 60,
            ..expired
        };
        let token = jsonwebtoken::encode(
            &Header::new(Ed25519Key::ALGORITHM),
            &wrong_audience,
            &key.encoding_key(),
        )
        .expect("signs");
        assert!(matches!(
            verifier.verify(Some(&token)),
            Err(VerifyError::Invalid(_))
        ));
    }
}
