//! `[identity]`: the key the router signs subgraph identity tokens with, and the public
//! key subgraphs verify them with.

use std::{path::PathBuf, sync::Arc, time::Duration};

use serde::Deserialize;
use tessera_identity::{Ed25519Key, internal::Verifier, keys::public_key};
use tessera_kit::viewer::RouterTrust;

use super::ConfigError;

/// The router's identity key.
///
/// ```toml
/// [identity]
/// # the router: its Ed25519 private key (PKCS#8 PEM), from `tessera keygen`
/// router_private_key_file = "/run/secrets/router-identity.pem"
/// # each subgraph: the router's public key, as `tessera keygen` prints it
/// router_public_key = "3q2-7wAAAAA…"
/// token_ttl_seconds = 60
/// ```
///
/// Both unset is the embedded default: `tessera dev` makes a fresh key at each start
/// and hands its public half to the subgraphs it runs in the same process.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdentityConfig {
    /// The router's private key file.
    pub router_private_key_file: Option<PathBuf>,
    /// The router's public key (base64url of the 32 bytes, or SPKI PEM).
    pub router_public_key: Option<String>,
    /// Lifetime of an identity token, in seconds (10–3600).
    pub token_ttl_seconds: u64,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            router_private_key_file: None,
            router_public_key: None,
            token_ttl_seconds: 60,
        }
    }
}

/// The key id of the router's identity key (one key at a time; subgraphs are
/// configured with exactly its public half).
const ROUTER_KID: &str = "router";

impl IdentityConfig {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if !(10..=3600).contains(&self.token_ttl_seconds) {
            return Err(ConfigError(format!(
                "`identity.token_ttl_seconds` = {} must be between 10 and 3600",
                self.token_ttl_seconds
            )));
        }
        if let Some(key) = &self.router_public_key {
            public_key(key).map_err(|e| {
                ConfigError(format!(
                    "`identity.router_public_key` (TESSERA_IDENTITY__ROUTER_PUBLIC_KEY): {e}"
                ))
            })?;
        }
        Ok(())
    }

    /// How long identity tokens live.
    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.token_ttl_seconds)
    }

    /// The router's key: read from `router_private_key_file`, or, when that is unset, a
    /// fresh one (the second value says so: subgraphs in other processes cannot verify
    /// what it signs).
    pub fn router_key(&self) -> Result<(Ed25519Key, bool), ConfigError> {
        let Some(path) = &self.router_private_key_file else {
            let key = Ed25519Key::generate(ROUTER_KID)
                .map_err(|e| ConfigError(format!("identity: {e}")))?;
            return Ok((key, true));
        };
        let named = |msg: String| {
            ConfigError(format!(
                "`identity.router_private_key_file` = {} (TESSERA_IDENTITY__ROUTER_PRIVATE_KEY_FILE): {msg}",
                path.display()
            ))
        };
        let pem = std::fs::read_to_string(path).map_err(|e| named(e.to_string()))?;
        let key = Ed25519Key::from_pkcs8_pem(ROUTER_KID, &pem).map_err(|e| named(e.to_string()))?;
        Ok((key, false))
    }

    /// What subgraphs trust. In `tessera dev` (`local` is the router key of this
    /// process) its public half, which must equal `router_public_key` when that is set
    /// too; for a subgraph alone, `router_public_key`, which it then cannot start without.
    pub fn trust(&self, local: Option<&Ed25519Key>) -> Result<RouterTrust, ConfigError> {
        match (local, &self.router_public_key) {
            (Some(key), Some(configured)) if configured.trim() != key.public_base64() => {
                Err(ConfigError(format!(
                    "`identity.router_public_key` is not the public half of the router's key (which is {})",
                    key.public_base64()
                )))
            }
            (Some(key), _) => Ok(Arc::new(Verifier::for_key(key))),
            (None, Some(configured)) => {
                let key = public_key(configured).map_err(|e| {
                    ConfigError(format!("`identity.router_public_key`: {e}"))
                })?;
                Ok(Arc::new(Verifier::new(key)))
            }
            (None, None) => Err(ConfigError(
                "`identity.router_public_key` (TESSERA_IDENTITY__ROUTER_PUBLIC_KEY) is not set: a subgraph alone cannot verify the router's identity tokens without it (`tessera keygen` makes a key pair)".to_owned(),
            )),
        }
    }
}
