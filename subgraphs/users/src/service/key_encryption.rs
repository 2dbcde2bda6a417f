//! The access-token signing keys are kept sealed: each private key is encrypted
//! (AES-256-GCM, a random nonce, the key's `kid` as associated data, so a sealed key
//! cannot be moved to another row) under a key-encryption key (KEK) that never enters
//! the database. Whoever reads the database, or a dump of it, cannot mint tokens.
//!
//! - KEKs are 32 random bytes, written in base64; a list of them is given, one per line
//!   (or separated by commas): the first seals, every one opens. Each is known in the
//!   database by an id, the first 8 bytes of its SHA-256 in hex, never by itself.
//! - A key stored in clear (a database from before sealing) or sealed under a KEK that
//!   is no longer the first is sealed again under the first when the key ring loads
//!   (every minute), so rotating the KEK is: add the new one second on every replica,
//!   then move it first, then, once every row is sealed under it, drop the old one.
//! - A key sealed under a KEK not in the list cannot be opened: signing fails with an
//!   error that names the KEK's id.

use std::sync::Arc;

use aws_lc_rs::{
    aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey},
    hmac,
};
use base64::{
    Engine as _,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// What a sealed key starts with in the database (then `<kek id>:<base64url of nonce,
/// ciphertext and tag>`).
const SEALED: &str = "sealed:v1:";

/// What the audit log's MAC key is derived from, under each KEK.
const AUDIT_LABEL: &[u8] = b"tessera users audit checkpoints v1";

/// Why KEKs could not be read, or a key not opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KekError {
    /// No KEK was given.
    #[error("no key-encryption key is given")]
    Empty,
    /// One of the KEKs is not base64 of 32 bytes.
    #[error(
        "key-encryption key {position} is not 32 bytes in base64 (`openssl rand -base64 32` makes one)"
    )]
    Malformed {
        /// Which one (1 for the first).
        position: usize,
    },
    /// A key was sealed under a KEK not given.
    #[error(
        "signing key {kid} is sealed under key-encryption key {kek}, which is not among those configured ({known})"
    )]
    Unknown {
        /// The signing key.
        kid: String,
        /// The id of the KEK it was sealed under.
        kek: String,
        /// The ids of those given.
        known: String,
    },
    /// The sealed text was altered, belongs to another row, or the KEK is wrong.
    #[error(
        "signing key {kid} cannot be opened: its sealed text is damaged or belongs to another key"
    )]
    Damaged {
        /// The signing key.
        kid: String,
    },
}

struct Kek {
    id: String,
    key: RandomizedNonceKey,
    /// The audit log's checkpoint MAC key: HMAC-SHA-256 of a fixed label under the KEK,
    /// so it is never the KEK itself and needs no storage of its own.
    audit: hmac::Key,
}

/// The KEKs of one users subgraph: the first seals, all open.
#[derive(Clone)]
pub struct KeyEncryption(Arc<Vec<Kek>>);

impl std::fmt::Debug for KeyEncryption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("KeyEncryption")
            .field(&self.0.iter().map(|k| k.id.as_str()).collect::<Vec<_>>())
            .finish()
    }
}

impl KeyEncryption {
    /// KEKs from text: base64 keys, one per line or separated by commas; blank lines
    /// and lines starting with `#` are skipped.
    pub fn parse(text: &str) -> Result<Self, KekError> {
        let keks = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.starts_with('#'))
            .flat_map(|line| line.split(','))
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .enumerate()
            .map(|(i, item)| {
                let bytes = Zeroizing::new(
                    STANDARD
                        .decode(item)
                        .map_err(|_| KekError::Malformed { position: i + 1 })?,
                );
                Kek::new(&bytes).ok_or(KekError::Malformed { position: i + 1 })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if keks.is_empty() {
            return Err(KekError::Empty);
        }
        Ok(Self(Arc::new(keks)))
    }

    /// A new random KEK, in base64 (what a KEK file holds).
    pub fn generate_text() -> Zeroizing<String> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        aws_lc_rs::rand::fill(&mut *bytes).expect("the system's random source");
        Zeroizing::new(STANDARD.encode(*bytes))
    }

    /// One random KEK kept in memory only: keys sealed under it die with the process
    /// (tests, and a library caller that configures none).
    pub fn ephemeral() -> Self {
        Self::parse(&Self::generate_text()).expect("a generated key parses")
    }

    /// The id of the KEK that seals.
    pub fn sealing_id(&self) -> &str {
        &self.0[0].id
    }

    /// The audit log's MAC of `message` under the first KEK: that KEK's id and the MAC
    /// in hex.
    pub fn audit_mac(&self, message: &[u8]) -> (String, String) {
        let kek = &self.0[0];
        (
            kek.id.clone(),
            hex(hmac::sign(&kek.audit, message).as_ref()),
        )
    }

    /// Whether `mac` (hex) is the audit MAC of `message` under the KEK `kek_id`; none
    /// when no configured KEK has that id.
    pub fn audit_mac_matches(&self, kek_id: &str, message: &[u8], mac: &str) -> Option<bool> {
        let kek = self.0.iter().find(|k| k.id == kek_id)?;
        Some(hex(hmac::sign(&kek.audit, message).as_ref()) == mac)
    }

    /// `pem` sealed under the first KEK, bound to `kid`.
    pub fn seal(&self, kid: &str, pem: &str) -> String {
        let kek = &self.0[0];
        let mut data = pem.as_bytes().to_vec();
        let nonce = kek
            .key
            .seal_in_place_append_tag(Aad::from(kid.as_bytes()), &mut data)
            .expect("AES-GCM seals any length a PEM has");
        let mut out = nonce.as_ref().to_vec();
        out.extend_from_slice(&data);
        format!("{SEALED}{}:{}", kek.id, URL_SAFE_NO_PAD.encode(out))
    }

    /// The PEM of a stored key (sealed, or in clear from before sealing).
    pub fn open(&self, kid: &str, stored: &str) -> Result<Zeroizing<String>, KekError> {
        let Some(rest) = stored.strip_prefix(SEALED) else {
            return Ok(Zeroizing::new(stored.to_owned()));
        };
        let damaged = || KekError::Damaged {
            kid: kid.to_owned(),
        };
        let (id, body) = rest.split_once(':').ok_or_else(damaged)?;
        let kek = self
            .0
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| KekError::Unknown {
                kid: kid.to_owned(),
                kek: id.to_owned(),
                known: self
                    .0
                    .iter()
                    .map(|k| k.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        let mut data = Zeroizing::new(URL_SAFE_NO_PAD.decode(body).map_err(|_| damaged())?);
        if data.len() < NONCE_LEN {
            return Err(damaged());
        }
        let nonce = Nonce::try_assume_unique_for_key(&data[..NONCE_LEN]).map_err(|_| damaged())?;
        let plain = kek
            .key
            .open_in_place(nonce, Aad::from(kid.as_bytes()), &mut data[NONCE_LEN..])
            .map_err(|_| damaged())?;
        let text = std::str::from_utf8(plain).map_err(|_| damaged())?;
        Ok(Zeroizing::new(text.to_owned()))
    }

    /// Whether `stored` must be sealed again: in clear, or under another KEK than the
    /// first.
    pub fn needs_sealing(&self, stored: &str) -> bool {
        stored
            .strip_prefix(SEALED)
            .and_then(|rest| rest.split_once(':'))
            .is_none_or(|(id, _)| id != self.sealing_id())
    }
}

/// `bytes` in lower-case hex (KEK ids, MACs, the audit log's hashes).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Kek {
    fn new(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 32 {
            return None;
        }
        let key = RandomizedNonceKey::new(&AES_256_GCM, bytes).ok()?;
        let digest = Sha256::digest(bytes);
        let id = hex(&digest[..8]);
        let derived = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, bytes), AUDIT_LABEL);
        let audit = hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref());
        Some(Self { id, key, audit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n";

    #[test]
    fn a_sealed_key_opens_under_its_kek_and_row_only() {
        let (old, new) = (
            KeyEncryption::generate_text(),
            KeyEncryption::generate_text(),
        );
        let sealing = KeyEncryption::parse(&old).expect("parses");
        let sealed = sealing.seal("k1", PEM);
        assert!(sealed.starts_with(&format!("sealed:v1:{}:", sealing.sealing_id())));
        assert!(!sealed.contains("PRIVATE KEY"), "{sealed}");
        assert_eq!(*sealing.open("k1", &sealed).expect("opens"), PEM);
        assert!(!sealing.needs_sealing(&sealed));
        assert!(sealing.needs_sealing(PEM), "in clear");

        // Moved to another row: refused, not opened.
        assert_eq!(
            sealing.open("k2", &sealed),
            Err(KekError::Damaged { kid: "k2".into() })
        );
        // One bit changed: refused.
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).expect("text");
        assert_eq!(
            sealing.open("k1", &tampered),
            Err(KekError::Damaged { kid: "k1".into() })
        );

        // Rotated: the new KEK first, the old one second. The old seal still opens
        // and is due for sealing again; the new one seals.
        let rotated = KeyEncryption::parse(&format!("{}\n# the previous one\n{}\n", *new, *old))
            .expect("parses");
        assert_eq!(*rotated.open("k1", &sealed).expect("opens"), PEM);
        assert!(rotated.needs_sealing(&sealed));
        let resealed = rotated.seal("k1", PEM);
        assert!(!rotated.needs_sealing(&resealed));

        // The old KEK dropped: the row sealed under it names it.
        let only_new = KeyEncryption::parse(&new).expect("parses");
        assert_eq!(
            only_new.open("k1", &sealed),
            Err(KekError::Unknown {
                kid: "k1".into(),
                kek: sealing.sealing_id().into(),
                known: only_new.sealing_id().into(),
            })
        );
        // A key in clear opens under any KEK (sealed on the next load).
        assert_eq!(*only_new.open("k1", PEM).expect("opens"), PEM);
    }

    #[test]
    fn kek_lists_are_read_with_exact_errors() {
        let (a, b) = (
            KeyEncryption::generate_text(),
            KeyEncryption::generate_text(),
        );
        let both = KeyEncryption::parse(&format!(" {} , {} ", *a, *b)).expect("parses");
        assert_eq!(both.0.len(), 2);
        assert_eq!(
            KeyEncryption::parse("\n# none\n").err(),
            Some(KekError::Empty)
        );
        assert_eq!(
            KeyEncryption::parse(&format!("{}\nnot base64!", *a)).err(),
            Some(KekError::Malformed { position: 2 })
        );
        assert_eq!(
            KeyEncryption::parse("c2hvcnQ=").err(),
            Some(KekError::Malformed { position: 1 })
        );
        assert_eq!(
            KekError::Malformed { position: 1 }.to_string(),
            "key-encryption key 1 is not 32 bytes in base64 (`openssl rand -base64 32` makes one)"
        );
        // Ids name a KEK without showing it.
        assert_eq!(both.sealing_id().len(), 16);
        assert!(!a.contains(both.sealing_id()));
    }
}
