//! API keys: a partner's key exchanged at the issuer for an access token, the answer
//! (token or refusal) kept by the key's SHA-256.

use std::sync::Arc;

use serde::Deserialize;

use super::{ApiKeyOptions, AuthError, Authenticator, unix_now};

impl Authenticator {
    /// The access token for API key `key`: kept from an earlier exchange while it has a
    /// minute left, else asked of the exchange.
    pub(super) async fn exchange(
        &self,
        options: &ApiKeyOptions,
        key: &str,
    ) -> Result<Arc<str>, AuthError> {
        use sha2::Digest as _;
        let digest: [u8; 32] = sha2::Sha256::digest(key.as_bytes()).into();
        let now = unix_now();
        if let Some(kept) = self.api_keys.get(&digest) {
            match kept {
                Ok(token)
                    if self
                        .verified
                        .get(&token)
                        .is_some_and(|verified| verified.exp > now + 60) =>
                {
                    return Ok(token);
                }
                Ok(_) => {}
                Err(refusal) => return Err(refusal),
            }
        }
        let answer = self
            .http
            .post(&options.exchange_url)
            .header(&options.header, key)
            .send()
            .await
            .map_err(|e| AuthError::ApiKeysUnavailable(unavailable(&e)))?;
        let status = answer.status();
        #[derive(Deserialize)]
        struct TokenAnswer {
            access_token: Option<String>,
            error_description: Option<String>,
        }
        let body: TokenAnswer = answer.json().await.map_err(|_| {
            AuthError::ApiKeysUnavailable(format!("the exchange answered {status} without JSON"))
        })?;
        let kept = match (status.as_u16(), body.access_token, body.error_description) {
            (200, Some(token), _) => Ok(Arc::<str>::from(token)),
            (400 | 401 | 403, _, reason) => Err(AuthError::ApiKeyRefused(
                reason.unwrap_or_else(|| "unknown key".to_owned()),
            )),
            _ => {
                return Err(AuthError::ApiKeysUnavailable(format!(
                    "the exchange answered {status}"
                )));
            }
        };
        self.api_keys.insert(digest, kept.clone());
        kept
    }
}

/// Why the exchange could not be reached, without the URL (the client sees this).
fn unavailable(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "the exchange did not answer in time".to_owned()
    } else {
        "the exchange is unreachable".to_owned()
    }
}
