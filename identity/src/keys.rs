//! Ed25519 signing keys: what the users subgraph signs access tokens with and the router
//! signs identity tokens with.
//!
//! Ed25519 (JWT `alg` `EdDSA`): small keys and signatures, fast to sign and verify, and
//! no parameters to get wrong. Private keys are stored as PKCS#8 PEM (what `openssl
//! genpkey -algorithm ed25519` writes); public keys travel as JWKs (`kty` `OKP`, `crv`
//! `Ed25519`) or as the 32 raw bytes in base64url (a JWK's `x`).

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::{
    SigningKey, VerifyingKey,
    pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, spki::der::pem::LineEnding},
};
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey,
    jwk::{
        AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, KeyAlgorithm,
        OctetKeyPairParameters, OctetKeyPairType, PublicKeyUse,
    },
};
use zeroize::Zeroizing;

/// Why a key could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The operating system's random source failed.
    #[error("no randomness for a new key: {0}")]
    Random(String),
    /// Not an Ed25519 private key in PKCS#8 PEM.
    #[error("not an Ed25519 private key in PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`): {0}")]
    Private(String),
    /// Not an Ed25519 public key.
    #[error(
        "not an Ed25519 public key (43 characters of base64url, or `-----BEGIN PUBLIC KEY-----` PEM): {0}"
    )]
    Public(String),
}

/// An Ed25519 key pair with its key id (`kid`).
#[derive(Clone)]
pub struct Ed25519Key {
    kid: String,
    signing: SigningKey,
}

impl std::fmt::Debug for Ed25519Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ed25519Key")
            .field("kid", &self.kid)
            .field("public", &self.public_base64())
            .finish_non_exhaustive()
    }
}

impl Ed25519Key {
    /// A new random key named `kid`.
    pub fn generate(kid: impl Into<String>) -> Result<Self, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(Self::from_seed(kid, &seed))
    }

    /// The key whose 32-byte secret is `seed` (tests use fixed seeds).
    pub fn from_seed(kid: impl Into<String>, seed: &[u8; 32]) -> Self {
        Self {
            kid: kid.into(),
            signing: SigningKey::from_bytes(seed),
        }
    }

    /// Reads a PKCS#8 PEM private key.
    pub fn from_pkcs8_pem(kid: impl Into<String>, pem: &str) -> Result<Self, KeyError> {
        let signing =
            SigningKey::from_pkcs8_pem(pem.trim()).map_err(|e| KeyError::Private(e.to_string()))?;
        Ok(Self {
            kid: kid.into(),
            signing,
        })
    }

    /// The private key as PKCS#8 PEM.
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        self.signing
            .to_pkcs8_pem(LineEnding::LF)
            .expect("an Ed25519 key always encodes as PKCS#8")
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key: 32 bytes in base64url without padding (a JWK's `x`).
    pub fn public_base64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.signing.verifying_key().as_bytes())
    }

    /// The key for signing JWTs with `alg: EdDSA`.
    pub fn encoding_key(&self) -> EncodingKey {
        let der = self
            .signing
            .to_pkcs8_der()
            .expect("an Ed25519 key always encodes as PKCS#8");
        EncodingKey::from_ed_der(der.as_bytes())
    }

    /// The key for verifying what this key signed.
    pub fn decoding_key(&self) -> DecodingKey {
        DecodingKey::from_ed_der(self.signing.verifying_key().as_bytes())
    }

    /// The public key as a JWK (`kid`, `alg: EdDSA`, `use: sig`).
    pub fn jwk(&self) -> Jwk {
        Jwk {
            common: CommonParameters {
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(KeyAlgorithm::EdDSA),
                key_id: Some(self.kid.clone()),
                ..CommonParameters::default()
            },
            algorithm: AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
                key_type: OctetKeyPairType::OctetKeyPair,
                curve: EllipticCurve::Ed25519,
                x: self.public_base64(),
            }),
        }
    }

    /// The JWT algorithm of this key.
    pub const ALGORITHM: Algorithm = Algorithm::EdDSA;
}

/// Reads an Ed25519 public key given as base64url of its 32 bytes (a JWK's `x`, what
/// `tessera keygen` prints) or as SPKI PEM (`openssl pkey -pubout`).
pub fn public_key(text: &str) -> Result<DecodingKey, KeyError> {
    let text = text.trim();
    let bytes = if text.starts_with("-----BEGIN") {
        VerifyingKey::from_public_key_pem(text)
            .map_err(|e| KeyError::Public(e.to_string()))?
            .to_bytes()
    } else {
        let raw = URL_SAFE_NO_PAD
            .decode(text.trim_end_matches('='))
            .map_err(|e| KeyError::Public(e.to_string()))?;
        let raw: [u8; 32] = raw
            .try_into()
            .map_err(|v: Vec<u8>| KeyError::Public(format!("{} bytes, not 32", v.len())))?;
        VerifyingKey::from_bytes(&raw)
            .map_err(|e| KeyError::Public(e.to_string()))?
            .to_bytes()
    };
    Ok(DecodingKey::from_ed_der(&bytes))
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::pkcs8::EncodePublicKey;

    use super::*;

    #[test]
    fn pem_round_trips_and_keys_differ() {
        let key = Ed25519Key::generate("k1").expect("a key");
        let pem = key.to_pkcs8_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{}", *pem);
        let back = Ed25519Key::from_pkcs8_pem("k1", &pem).expect("reads back");
        assert_eq!(back.public_base64(), key.public_base64());
        let other = Ed25519Key::generate("k2").expect("a key");
        assert_ne!(other.public_base64(), key.public_base64());
        assert_eq!(key.public_base64().len(), 43);
    }

    #[test]
    fn jwk_names_the_key_and_its_curve() {
        let key = Ed25519Key::from_seed("2026-11", &[7; 32]);
        let jwk = serde_json::to_value(key.jwk()).expect("serialises");
        assert_eq!(jwk["kid"], "2026-11");
        assert_eq!(jwk["kty"], "OKP");
        assert_eq!(jwk["crv"], "Ed25519");
        assert_eq!(jwk["alg"], "EdDSA");
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["x"], key.public_base64());
        assert!(jwk.get("d").is_none(), "no private part: {jwk}");
    }

    #[test]
    fn public_keys_read_in_both_spellings() {
        let key = Ed25519Key::from_seed("k", &[9; 32]);
        assert!(public_key(&key.public_base64()).is_ok());
        let spki = key
            .signing
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("encodes");
        assert!(public_key(&spki).is_ok());
        for bad in [
            "",
            "abc",
            "-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----",
        ] {
            assert!(
                matches!(public_key(bad), Err(KeyError::Public(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Ed25519Key::from_pkcs8_pem("k", "not pem"),
            Err(KeyError::Private(_))
        ));
    }
}
