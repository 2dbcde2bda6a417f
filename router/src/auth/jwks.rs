//! Verification keys: JWKS files read at start, JWKS URLs fetched on first use and
//! again when stale or when a token names an unknown `kid` (at most once per
//! `min_refresh_interval`).

use std::{collections::HashMap, sync::Arc, time::Instant};

use jsonwebtoken::{
    Algorithm, DecodingKey,
    jwk::{JwkSet, KeyAlgorithm},
};

use super::{AuthError, Authenticator, JwksSource};

pub(super) struct Key {
    pub(super) decoding: DecodingKey,
    /// The key's own algorithm (`alg` of the JWK), when it names one.
    pub(super) algorithm: Option<Algorithm>,
}

#[derive(Default)]
pub(super) struct KeySet {
    pub(super) keys: HashMap<String, Arc<Key>>,
    /// Keys without a `kid` (used only for tokens without one).
    pub(super) anonymous: Vec<Arc<Key>>,
    pub(super) loaded: bool,
}

impl Authenticator {
    pub(super) fn has_urls(&self) -> bool {
        self.options
            .jwks
            .iter()
            .any(|s| matches!(s, JwksSource::Url(_)))
    }

    pub(super) fn current(&self) -> Arc<KeySet> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub(super) async fn key_for(&self, kid: Option<&str>) -> Result<Arc<Key>, AuthError> {
        let stale = self
            .fetched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_none_or(|at| at.elapsed() >= self.options.refresh_interval);
        if self.has_urls() && stale {
            self.refresh().await;
        }
        if let Some(key) = find(&self.current(), kid) {
            return Ok(key);
        }
        // An unknown kid: the issuer may have rotated its keys since the last fetch.
        if self.has_urls()
            && self.refresh().await
            && let Some(key) = find(&self.current(), kid)
        {
            return Ok(key);
        }
        if self.current().loaded {
            Err(AuthError::UnknownKey)
        } else {
            Err(AuthError::KeysUnavailable)
        }
    }

    /// Fetches the URL sources again unless that happened less than
    /// `min_refresh_interval` ago; true when it fetched.
    pub(super) async fn refresh(&self) -> bool {
        let _one_fetch_at_a_time = self.fetching.lock().await;
        {
            let mut fetched = self
                .fetched
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if fetched.is_some_and(|at| at.elapsed() < self.options.min_refresh_interval) {
                return false;
            }
            *fetched = Some(Instant::now());
        }
        let mut set = KeySet::default();
        let mut any = false;
        for source in &self.options.jwks {
            let jwks = match source {
                JwksSource::Url(url) => match self.fetch(url).await {
                    Ok(jwks) => jwks,
                    Err(reason) => {
                        tracing::warn!(%url, %reason, "cannot fetch JWKS; keeping the keys already known");
                        return false;
                    }
                },
                JwksSource::File(path) => match std::fs::read_to_string(path)
                    .map_err(|e| e.to_string())
                    .and_then(|t| serde_json::from_str::<JwkSet>(&t).map_err(|e| e.to_string()))
                {
                    Ok(jwks) => jwks,
                    Err(reason) => {
                        tracing::warn!(path = %path.display(), %reason, "cannot read JWKS file; keeping the keys already known");
                        return false;
                    }
                },
            };
            add_keys(&mut set, &jwks);
            any = true;
        }
        set.loaded = any;
        *self
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(set);
        true
    }

    pub(super) async fn fetch(&self, url: &str) -> Result<JwkSet, String> {
        let response = self.http.get(url).send().await.map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()));
        }
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes).map_err(|e| format!("not a JWKS document: {e}"))
    }
}

pub(super) fn find(set: &KeySet, kid: Option<&str>) -> Option<Arc<Key>> {
    match kid {
        Some(kid) => set.keys.get(kid).cloned(),
        None if set.anonymous.len() == 1 && set.keys.is_empty() => set.anonymous.first().cloned(),
        None => None,
    }
}

pub(super) fn add_keys(set: &mut KeySet, jwks: &JwkSet) {
    for jwk in &jwks.keys {
        let Ok(decoding) = DecodingKey::from_jwk(jwk) else {
            tracing::warn!(kid = ?jwk.common.key_id, "skipping a JWK that is not a usable public key");
            continue;
        };
        let algorithm = jwk.common.key_algorithm.and_then(|a| match a {
            KeyAlgorithm::EdDSA => Some(Algorithm::EdDSA),
            KeyAlgorithm::ES256 => Some(Algorithm::ES256),
            KeyAlgorithm::ES384 => Some(Algorithm::ES384),
            KeyAlgorithm::RS256 => Some(Algorithm::RS256),
            KeyAlgorithm::RS384 => Some(Algorithm::RS384),
            KeyAlgorithm::RS512 => Some(Algorithm::RS512),
            KeyAlgorithm::PS256 => Some(Algorithm::PS256),
            KeyAlgorithm::PS384 => Some(Algorithm::PS384),
            KeyAlgorithm::PS512 => Some(Algorithm::PS512),
            _ => None,
        });
        let key = Arc::new(Key {
            decoding,
            algorithm,
        });
        match &jwk.common.key_id {
            Some(kid) => {
                set.keys.insert(kid.clone(), key);
            }
            None => set.anonymous.push(key),
        }
    }
}
