//! Rate limits shared through real Redis (`REDIS_URL`; skipped, saying so, when unset):
//! two limiters (two router replicas) share one budget per client, and when the
//! connection to Redis is lost the limiter keeps answering in process, counts the
//! fallbacks, and shares again once Redis is back.

mod support;

use std::time::Duration;

use support::{Relay, redis_url};
use tessera_identity::Identity;
use tessera_router::ratelimit::{Decision, Quota, RateLimitOptions, RateLimiter};

fn options() -> RateLimitOptions {
    RateLimitOptions {
        anonymous: Quota {
            per_minute: 60,
            burst: 3,
        },
        signed_in: Quota {
            per_minute: 60,
            burst: 3,
        },
        roles: Default::default(),
    }
}

fn someone() -> Identity {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    Identity {
        subject: Some(format!("test-{nanos}-{}", std::process::id())),
        roles: vec![],
        scopes: vec![],
        ..Identity::default()
    }
}

#[tokio::test]
async fn replicas_share_one_budget_and_survive_losing_redis() {
    let Some(url) = redis_url("the Redis rate-limit tests") else {
        return;
    };
    let (relay, addr) = Relay::to_redis(&url).await;
    let through_relay =
        RateLimiter::with_redis(options(), &format!("redis://{addr}")).expect("a client");
    let direct = RateLimiter::with_redis(options(), &url).expect("a client");

    // One budget of 3 across both replicas.
    let alice = someone();
    assert_eq!(
        through_relay.check(&alice, None, 1).await,
        Decision::Allowed
    );
    assert_eq!(direct.check(&alice, None, 1).await, Decision::Allowed);
    assert_eq!(
        through_relay.check(&alice, None, 1).await,
        Decision::Allowed
    );
    let Decision::Limited { retry_after } = direct.check(&alice, None, 1).await else {
        panic!("the fourth request within the burst of 3 must be limited");
    };
    assert!(
        retry_after > Duration::from_millis(900) && retry_after <= Duration::from_secs(1),
        "{retry_after:?}"
    );
    assert_eq!((through_relay.fallbacks(), direct.fallbacks()), (0, 0));

    // Redis gone: answers keep coming, from the in-process limiter, and are counted.
    relay.cut();
    let bob = someone();
    for _ in 0..3 {
        assert_eq!(through_relay.check(&bob, None, 1).await, Decision::Allowed);
    }
    assert!(
        matches!(
            through_relay.check(&bob, None, 1).await,
            Decision::Limited { .. }
        ),
        "limits still hold in process"
    );
    assert!(
        through_relay.fallbacks() >= 4,
        "{}",
        through_relay.fallbacks()
    );

    // Redis back on the same address: the limiter reconnects and shares again.
    let _relay = Relay::restore(addr, &url).await;
    let carol = someone();
    let mut shared = false;
    for _ in 0..50 {
        let before = through_relay.fallbacks();
        let decision = through_relay.check(&carol, None, 1).await;
        if through_relay.fallbacks() == before {
            assert_eq!(decision, Decision::Allowed);
            shared = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shared, "the limiter did not return to Redis");
    assert_eq!(
        through_relay.check(&carol, None, 1).await,
        Decision::Allowed
    );
    assert_eq!(direct.check(&carol, None, 1).await, Decision::Allowed);
    assert!(
        matches!(
            direct.check(&carol, None, 1).await,
            Decision::Limited { .. }
        ),
        "the budget is shared again"
    );
}
