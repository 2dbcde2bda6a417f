//! Ended sessions: an access token whose `sid` an invalidation named as ended is refused
//! at once, also when its verification was remembered; with real Redis (`REDIS_URL`;
//! skipped, saying so, when unset) a replica that did not hear the invalidation (started
//! later, or cut off from Redis when it was published) refuses it too, and a replica
//! that heard it while Redis was away writes it once Redis is back.

mod support;

use std::{io::Write as _, time::Duration};

use jsonwebtoken::Header;
use serde_json::json;
use support::{Relay, redis_url};
use tessera_identity::Ed25519Key;
use tessera_router::auth::{AuthError, AuthOptions, Authenticator, JwksSource, SYNC_EVERY};

struct Issuer {
    key: Ed25519Key,
    jwks: tempfile::NamedTempFile,
}

impl Issuer {
    fn new() -> Self {
        let key = Ed25519Key::generate("k1").expect("a key");
        let mut jwks = tempfile::NamedTempFile::new().expect("a file");
        write!(jwks, "{}", json!({ "keys": [key.jwk()] })).expect("written");
        Self { key, jwks }
    }

    fn authenticator(&self, redis_url: Option<String>) -> Authenticator {
        Authenticator::new(AuthOptions {
            jwks: vec![JwksSource::File(self.jwks.path().to_owned())],
            redis_url,
            ..AuthOptions::default()
        })
        .expect("valid options")
    }

    fn token(&self, sid: Option<&str>) -> String {
        let mut header = Header::new(Ed25519Key::ALGORITHM);
        header.kid = Some(self.key.kid().to_owned());
        let mut claims = json!({
            "sub": "casey",
            "exp": now_secs() + 600,
            "roles": ["athlete"],
        });
        if let Some(sid) = sid {
            claims["sid"] = json!(sid);
        }
        jsonwebtoken::encode(&header, &claims, &self.key.encoding_key()).expect("signed")
    }
}

fn ended(sid: &str) -> Vec<String> {
    vec![
        format!(r#"Session:{{"id":"{sid}"}}"#),
        "Session:?".to_owned(),
    ]
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A session id no other test run uses.
fn fresh_sid() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("test-{nanos}-{}-{n}", std::process::id())
}

#[tokio::test]
async fn an_ended_sessions_tokens_are_refused_at_once_and_no_other() {
    let issuer = Issuer::new();
    let auth = issuer.authenticator(None);
    let (sid, other) = (fresh_sid(), fresh_sid());
    let (token, other_token, no_session) = (
        issuer.token(Some(&sid)),
        issuer.token(Some(&other)),
        issuer.token(None),
    );
    for t in [&token, &other_token, &no_session] {
        let identity = auth.verify(t).await.expect("verified");
        assert_eq!(identity.subject.as_deref(), Some("casey"));
    }

    // The verification is remembered; the refusal still applies to it.
    auth.invalidated(Some(&ended(&sid)));
    let refused = auth.verify(&token).await.expect_err("refused");
    assert_eq!(refused, AuthError::Revoked);
    assert_eq!(
        refused.to_string(),
        "the session of this access token was signed out; sign in again"
    );
    assert_eq!(refused.code().as_str(), "UNAUTHENTICATED");
    assert!(auth.verify(&other_token).await.is_ok(), "another session");
    assert!(
        auth.verify(&no_session).await.is_ok(),
        "a token without `sid`"
    );

    // A token of the ended session never seen before: refused too.
    assert_eq!(
        auth.verify(&issuer.token(Some(&sid))).await,
        Err(AuthError::Revoked)
    );
    assert_eq!(auth.revocations().len(), 1);
}

async fn refused_within(auth: &Authenticator, token: &str, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if auth.verify(token).await == Err(AuthError::Revoked) {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn replicas_that_missed_the_message_learn_of_ended_sessions_from_redis() {
    let Some(url) = redis_url("the revoked-sessions Redis test") else {
        return;
    };
    let issuer = Issuer::new();
    let sid = fresh_sid();
    let token = issuer.token(Some(&sid));
    let a = issuer.authenticator(Some(url.clone()));
    let b = issuer.authenticator(Some(url.clone()));
    assert!(a.verify(&token).await.is_ok());
    assert!(b.verify(&token).await.is_ok());

    // A hears of the sign-out (B missed the message): A refuses at once, B after its
    // next read of Redis.
    a.invalidated(Some(&ended(&sid)));
    assert_eq!(a.verify(&token).await, Err(AuthError::Revoked));
    assert!(
        refused_within(&b, &token, SYNC_EVERY * 3).await,
        "B read the ended session from Redis"
    );

    // A replica started afterwards refuses it from its first request.
    let c = issuer.authenticator(Some(url));
    assert_eq!(c.verify(&token).await, Err(AuthError::Revoked));
}

#[tokio::test]
async fn a_session_ended_while_redis_was_away_reaches_the_others_once_it_is_back() {
    let Some(url) = redis_url("the revoked-sessions Redis test") else {
        return;
    };
    let (relay, addr) = Relay::to_redis(&url).await;
    let issuer = Issuer::new();
    let sid = fresh_sid();
    let token = issuer.token(Some(&sid));
    let a = issuer.authenticator(Some(format!("redis://{addr}")));
    let b = issuer.authenticator(Some(url.clone()));
    assert!(a.verify(&token).await.is_ok());
    assert!(b.verify(&token).await.is_ok());

    // Redis is gone for A: it still refuses the session it heard of, and keeps it.
    relay.cut();
    a.invalidated(Some(&ended(&sid)));
    assert_eq!(a.verify(&token).await, Err(AuthError::Revoked));
    tokio::time::sleep(SYNC_EVERY * 2).await;
    assert!(b.verify(&token).await.is_ok(), "B cannot know yet");

    // Redis is back: A writes what it kept, and B reads it.
    let _relay = Relay::restore(addr, &url).await;
    assert!(
        refused_within(&b, &token, SYNC_EVERY * 5).await,
        "the session A kept reached B"
    );
    assert_eq!(a.verify(&token).await, Err(AuthError::Revoked));
}
