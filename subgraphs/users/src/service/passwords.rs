//! Passwords: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), hashed on a
//! blocking thread so a sign-in never stalls the async workers.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::RngCore},
};
use tessera_kit::error::ServiceError;
use zeroize::Zeroizing;

/// The demo cast's password in the embedded default (documented in the README).
pub const DEMO_PASSWORD: &str = "tessera-demo";

/// [`DEMO_PASSWORD`] hashed once (a test checks it), so seeding the demo cast costs no
/// hashing at all.
pub const DEMO_PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$a0eEriOqfMvw4PQQwfNRGA$LBSEN84OBc3OY6sHAyoh86W6weweKPYQj6y2zV0nxNk";

/// Shortest and longest passwords accepted (characters).
const MIN_LEN: usize = 10;
const MAX_LEN: usize = 128;

/// Checks a new password's length; the message names the rule.
pub fn validate(password: &str, field: &str) -> Result<(), ServiceError> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(ServiceError::invalid(
            field,
            format!("a password needs at least {MIN_LEN} characters"),
        ));
    }
    if len > MAX_LEN {
        return Err(ServiceError::invalid(
            field,
            format!("a password has at most {MAX_LEN} characters"),
        ));
    }
    Ok(())
}

struct OsRandom;

impl RngCore for OsRandom {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        getrandom::fill(dest).expect("the operating system's random source works");
    }

    fn try_fill_bytes(
        &mut self,
        dest: &mut [u8],
    ) -> Result<(), argon2::password_hash::rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl argon2::password_hash::rand_core::CryptoRng for OsRandom {}

/// The PHC string of `password` with a fresh salt.
pub async fn hash(password: &str) -> Result<String, ServiceError> {
    let password = Zeroizing::new(password.to_owned());
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRandom);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| ServiceError::internal(format!("password hashing failed: {e}")))?
    .map_err(|e| ServiceError::internal(format!("password hashing failed: {e}")))
}

/// Whether `password` matches `phc`. With `None` (an unknown account) a dummy hash is
/// checked instead, so that a wrong email takes as long as a wrong password.
pub async fn verify(password: &str, phc: Option<String>) -> bool {
    let password = Zeroizing::new(password.to_owned());
    tokio::task::spawn_blocking(move || {
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| DEMO_PASSWORD_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&phc) else {
            tracing::error!("a stored password hash is not a PHC string");
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        known && matches
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_demo_hash_is_the_demo_password() {
        assert!(
            verify(DEMO_PASSWORD, Some(DEMO_PASSWORD_HASH.to_owned())).await,
            "DEMO_PASSWORD_HASH is stale: {}",
            hash(DEMO_PASSWORD).await.expect("hashes")
        );
        assert!(!verify("tessera-demo!", Some(DEMO_PASSWORD_HASH.to_owned())).await);
        assert!(
            !verify(DEMO_PASSWORD, None).await,
            "an unknown account never matches"
        );
    }

    #[tokio::test]
    async fn hashes_are_salted_argon2id() {
        let a = hash("correct horse battery").await.expect("hashes");
        let b = hash("correct horse battery").await.expect("hashes");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "a fresh salt each time");
        assert!(verify("correct horse battery", Some(a)).await);
    }

    #[test]
    fn length_rules_name_the_field() {
        assert!(validate("long enough!", "password").is_ok());
        let err = validate("short", "password").expect_err("too short");
        assert!(matches!(err, ServiceError::Invalid { ref field, .. } if field == "password"));
        assert_eq!(err.to_string(), "a password needs at least 10 characters");
        assert!(validate(&"x".repeat(129), "newPassword").is_err());
    }
}
