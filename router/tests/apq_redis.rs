//! The APQ store shared through real Redis (`REDIS_URL`; skipped, saying so, when
//! unset): a registration on one replica is found by another, and when the connection
//! to Redis is lost each replica keeps answering from its own memory, logs, counts the
//! failures and reports Redis down, then shares again once Redis is back.

mod support;

use std::{sync::Arc, time::Duration};

use support::{Relay, redis_url};
use tessera_router::{
    metrics,
    persisted::{apq::ApqStore, sha256},
};

fn unique(label: &str) -> Arc<str> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "query {label}{nanos}x{} {{ __typename }}",
        std::process::id()
    )
    .into()
}

#[tokio::test]
async fn replicas_share_registrations_and_survive_losing_redis() {
    let Some(url) = redis_url("the APQ Redis test") else {
        return;
    };
    metrics::install();
    let (relay, addr) = Relay::to_redis(&url).await;
    let ttl = Duration::from_secs(60);
    let a = ApqStore::new(1 << 20, ttl, Some(&format!("redis://{addr}"))).expect("a client");
    let b = ApqStore::new(1 << 20, ttl, Some(&url)).expect("a client");
    a.announce();

    let first = unique("First");
    a.put(sha256(&first), first.clone()).await;
    assert_eq!(b.get(&sha256(&first)).await.as_deref(), Some(&*first));
    assert_eq!((a.redis_failures(), b.redis_failures()), (0, 0));
    assert_eq!(metrics::value("tessera_apq_redis_up"), Some(1.0));

    // Redis gone for replica A: it registers in its own memory and serves from it.
    relay.cut();
    let second = unique("Second");
    a.put(sha256(&second), second.clone()).await;
    assert_eq!(a.get(&sha256(&second)).await.as_deref(), Some(&*second));
    assert!(a.redis_failures() >= 1, "the failure is counted");
    assert!(
        metrics::value("tessera_apq_redis_failures_total").is_some_and(|n| n >= 1.0),
        "{}",
        metrics::render()
    );
    assert_eq!(metrics::value("tessera_apq_redis_up"), Some(0.0));
    // While Redis is down, A does not try it: no request waits for a Redis timeout.
    let (failed, skipped) = (a.redis_failures(), a.redis_skipped());
    for i in 0..10 {
        let text = unique(&format!("Skipped{i}_"));
        assert_eq!(a.get(&sha256(&text)).await, None);
    }
    assert_eq!(a.redis_failures(), failed, "no call tried while down");
    assert!(a.redis_skipped() >= skipped + 10, "each call skipped");
    // A misses what only Redis holds, without an error (the client resends the text).
    let third = unique("Third");
    b.put(sha256(&third), third.clone()).await;
    a.clear_local();
    assert_eq!(a.get(&sha256(&third)).await, None);

    // Redis back on the same address: A reconnects and finds B's registration.
    let _relay = Relay::restore(addr, &url).await;
    let mut found = None;
    for _ in 0..50 {
        found = a.get(&sha256(&third)).await;
        if found.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found.as_deref(), Some(&*third), "A shares again");
    assert_eq!(metrics::value("tessera_apq_redis_up"), Some(1.0));
}

/// Redis restarted while no request used it: the link's probe finds the dropped
/// connection and makes a new one, so the first request afterwards finds what another
/// replica registered, instead of meeting the dead connection and missing it.
#[tokio::test]
async fn after_a_redis_restart_the_connection_is_renewed_before_a_request_needs_it() {
    let Some(url) = redis_url("the APQ Redis restart test") else {
        return;
    };
    let (relay, addr) = Relay::to_redis(&url).await;
    let ttl = Duration::from_secs(60);
    let a = ApqStore::new(1 << 20, ttl, Some(&format!("redis://{addr}"))).expect("a client");
    let b = ApqStore::new(1 << 20, ttl, Some(&url)).expect("a client");
    let first = unique("BeforeRestart");
    a.put(sha256(&first), first.clone()).await;
    assert_eq!(a.redis_failures(), 0);

    // The restart: every connection dropped, the address back a moment later.
    relay.cut();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _relay = Relay::restore(addr, &url).await;
    // Two probes' time, with no request: the probe meets the dropped connection and
    // the link renews it.
    tokio::time::sleep(tessera_router::redis_link::PROBE_EVERY * 2 + Duration::from_millis(500))
        .await;
    assert!(a.redis_up(), "up again after the restart");
    let second = unique("AfterRestart");
    b.put(sha256(&second), second.clone()).await;
    let failures = a.redis_failures();
    assert_eq!(
        a.get(&sha256(&second)).await.as_deref(),
        Some(&*second),
        "the first request after the restart is served from Redis"
    );
    assert_eq!(a.redis_failures(), failures);
}

#[tokio::test]
async fn without_redis_the_store_is_in_process_and_bounded() {
    let store = ApqStore::new(2_000, Duration::from_secs(60), None).expect("a store");
    let texts: Vec<Arc<str>> = (0..40).map(|i| unique(&format!("Bounded{i}_"))).collect();
    for text in &texts {
        store.put(sha256(text), text.clone()).await;
    }
    assert!(store.local_bytes() <= 2_000, "{}", store.local_bytes());
    let kept = {
        let mut kept = 0;
        for text in &texts {
            kept += usize::from(store.get(&sha256(text)).await.is_some());
        }
        kept
    };
    assert!(
        kept > 0 && kept < texts.len(),
        "kept {kept} of {}",
        texts.len()
    );
    assert_eq!(store.redis_failures(), 0);
}
