//! Rate limits per client: GCRA (the generic cell rate algorithm) over a quota per role.
//!
//! A client is its subject when signed in, else its IP address. Its quota is the most
//! generous of its roles' quotas (`signed_in` when no role has one; `anonymous`
//! without a token). A quota of `per_minute` with `burst` lets `burst` requests through
//! at once, then one every `60 s / per_minute`; each operation of a batch counts.
//!
//! With Redis, every replica shares one budget per client: a Lua script reads and
//! updates the client's "theoretical arrival time" in one round trip, on Redis's own
//! clock. Without Redis, or when a call fails or takes longer than 100 ms, the same
//! algorithm runs in process (per replica), the failure is logged (once per 30 s) and
//! counted, and the request is never refused because Redis is gone; until Redis
//! answers the link's probe again, requests do not try it at all
//! (`tessera_ratelimit_redis_up`, see [`crate::redis_link`]).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use tessera_identity::Identity;
use tokio::time::Instant;

use crate::redis_link::RedisLink;

/// Requests per minute and the burst allowed at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Sustained rate.
    pub per_minute: u32,
    /// Requests that may arrive at once.
    pub burst: u32,
}

impl Quota {
    fn interval_ms(self) -> u64 {
        60_000 / u64::from(self.per_minute.max(1))
    }

    fn generosity(self) -> (u32, u32) {
        (self.per_minute, self.burst)
    }
}

/// The quotas.
#[derive(Debug, Clone)]
pub struct RateLimitOptions {
    /// Callers without a token.
    pub anonymous: Quota,
    /// Signed-in callers whose roles have no quota of their own.
    pub signed_in: Quota,
    /// Quotas by role.
    pub roles: HashMap<String, Quota>,
}

impl Default for RateLimitOptions {
    fn default() -> Self {
        Self {
            anonymous: Quota {
                per_minute: 300,
                burst: 60,
            },
            signed_in: Quota {
                per_minute: 1_200,
                burst: 200,
            },
            roles: HashMap::new(),
        }
    }
}

/// The verdict on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allowed,
    /// Refused; the client may retry after this long.
    Limited {
        /// Until the next request would be allowed.
        retry_after: Duration,
    },
}

/// GCRA over Redis: `KEYS[1]` the client, `ARGV[1]` the emission interval (ms),
/// `ARGV[2]` the burst tolerance (ms), `ARGV[3]` the cost (requests). Returns
/// `{allowed, retry_after_ms}`.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval * tonumber(ARGV[3])
local allow_at = new_tat - tolerance
if now < allow_at then
  return {0, allow_at - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.max(new_tat - now, 1))
return {1, 0}
";

const KEY_PREFIX: &str = "tessera:ratelimit:";

/// Rate limiter shared by the router's requests.
pub struct RateLimiter {
    options: RateLimitOptions,
    redis: Option<RedisLink>,
    script: redis::Script,
    local: Mutex<HashMap<String, Instant>>,
    fallbacks: AtomicU64,
    last_warning: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("options", &self.options)
            .field("redis", &self.redis.is_some())
            .finish_non_exhaustive()
    }
}

impl RateLimiter {
    /// A limiter keeping its state in process only.
    pub fn local(options: RateLimitOptions) -> Self {
        Self {
            options,
            redis: None,
            script: redis::Script::new(GCRA),
            local: Mutex::new(HashMap::new()),
            fallbacks: AtomicU64::new(0),
            last_warning: Mutex::new(None),
        }
    }

    /// Where the counters live, for readiness: `up` (Redis), `down` (Redis skipped
    /// until a probe answers: counted per replica meanwhile), `off` (per replica).
    pub fn redis_state(&self) -> &'static str {
        match &self.redis {
            Some(link) if link.is_up() => "up",
            Some(_) => "down",
            None => "off",
        }
    }

    /// A limiter sharing its state through Redis at `url`. The connection is made
    /// lazily and re-made after failures; while Redis is down (the link's breaker, see
    /// [`crate::redis_link`]) the in-process limiter answers at once.
    pub fn with_redis(options: RateLimitOptions, url: &str) -> Result<Self, redis::RedisError> {
        let link = RedisLink::new(
            url,
            "rate limits",
            "tessera_ratelimit_redis_up",
            "tessera_ratelimit_redis_failures_total",
        )?;
        Ok(Self {
            redis: Some(link),
            ..Self::local(options)
        })
    }

    /// How many decisions fell back to the in-process limiter because Redis failed.
    pub fn fallbacks(&self) -> u64 {
        self.fallbacks.load(Ordering::Relaxed)
    }

    /// The quota that applies to `identity`.
    pub fn quota(&self, identity: &Identity) -> Quota {
        if identity.subject.is_none() {
            return self.options.anonymous;
        }
        identity
            .roles
            .iter()
            .filter_map(|r| self.options.roles.get(r))
            .copied()
            .max_by_key(|q| q.generosity())
            .unwrap_or(self.options.signed_in)
    }

    /// Counts `cost` requests of the client (`identity`, else `ip`).
    pub async fn check(&self, identity: &Identity, ip: Option<IpAddr>, cost: u32) -> Decision {
        let client = match (&identity.subject, ip) {
            (Some(subject), _) => format!("sub:{subject}"),
            (None, Some(ip)) => format!("ip:{ip}"),
            (None, None) => "ip:unknown".to_owned(),
        };
        let quota = self.quota(identity);
        if let Some(redis) = &self.redis {
            match self.check_redis(redis, &client, quota, cost).await {
                Ok(decision) => return decision,
                Err(reason) => self.fell_back(&reason),
            }
        }
        self.check_local(&client, quota, cost)
    }

    async fn check_redis(
        &self,
        redis: &RedisLink,
        client: &str,
        quota: Quota,
        cost: u32,
    ) -> Result<Decision, String> {
        let interval = quota.interval_ms();
        let tolerance = interval * u64::from(quota.burst.max(1));
        let mut invocation = self.script.key(format!("{KEY_PREFIX}{client}"));
        invocation.arg(interval).arg(tolerance).arg(cost.max(1));
        let mut connection = redis.connection();
        match redis
            .run(invocation.invoke_async::<(i64, i64)>(&mut connection))
            .await
        {
            None if redis.is_up() => Err("the call failed".to_owned()),
            None => Err("Redis is down".to_owned()),
            Some((1, _)) => Ok(Decision::Allowed),
            Some((_, wait_ms)) => Ok(Decision::Limited {
                retry_after: Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0)),
            }),
        }
    }

    fn fell_back(&self, reason: &str) {
        self.fallbacks.fetch_add(1, Ordering::Relaxed);
        let mut last = self
            .last_warning
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last.is_none_or(|at| at.elapsed() >= Duration::from_secs(30)) {
            *last = Some(Instant::now());
            tracing::warn!(%reason, fallbacks = self.fallbacks(), "rate limits: Redis failed; limiting in process until it is back");
        }
    }

    fn check_local(&self, client: &str, quota: Quota, cost: u32) -> Decision {
        let now = Instant::now();
        let interval = Duration::from_millis(quota.interval_ms());
        let tolerance = interval * quota.burst.max(1);
        let mut table = self
            .local
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if table.len() > 100_000 {
            table.retain(|_, tat| *tat > now);
        }
        let tat = table.get(client).copied().unwrap_or(now).max(now);
        let new_tat = tat + interval * cost.max(1);
        let allow_at = new_tat.checked_sub(tolerance).unwrap_or(now);
        if now < allow_at {
            return Decision::Limited {
                retry_after: allow_at - now,
            };
        }
        table.insert(client.to_owned(), new_tat);
        Decision::Allowed
    }
}

/// A limiter shared by the server's handlers.
pub type SharedLimiter = Arc<RateLimiter>;

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> RateLimiter {
        RateLimiter::local(RateLimitOptions {
            anonymous: Quota {
                per_minute: 60,
                burst: 3,
            },
            signed_in: Quota {
                per_minute: 600,
                burst: 10,
            },
            roles: HashMap::from([(
                "admin".to_owned(),
                Quota {
                    per_minute: 6_000,
                    burst: 100,
                },
            )]),
        })
    }

    fn user(roles: &[&str]) -> Identity {
        Identity {
            subject: Some("u1".into()),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            scopes: vec![],
            ..Identity::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_passes_then_one_per_interval() {
        let limiter = limiter();
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        for _ in 0..3 {
            assert_eq!(
                limiter.check(&Identity::ANONYMOUS, ip, 1).await,
                Decision::Allowed
            );
        }
        assert_eq!(
            limiter.check(&Identity::ANONYMOUS, ip, 1).await,
            Decision::Limited {
                retry_after: Duration::from_secs(1)
            }
        );
        // Another address has its own budget.
        let other = Some(IpAddr::from([10, 0, 0, 2]));
        assert_eq!(
            limiter.check(&Identity::ANONYMOUS, other, 1).await,
            Decision::Allowed
        );
        tokio::time::advance(Duration::from_millis(999)).await;
        assert!(matches!(
            limiter.check(&Identity::ANONYMOUS, ip, 1).await,
            Decision::Limited { .. }
        ));
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(
            limiter.check(&Identity::ANONYMOUS, ip, 1).await,
            Decision::Allowed
        );
    }

    #[tokio::test(start_paused = true)]
    async fn batches_count_each_operation_and_roles_pick_the_best_quota() {
        let limiter = limiter();
        assert_eq!(limiter.quota(&user(&["athlete"])).per_minute, 600);
        assert_eq!(
            limiter.quota(&user(&["athlete", "admin"])).per_minute,
            6_000
        );
        assert_eq!(limiter.quota(&Identity::ANONYMOUS).per_minute, 60);
        let ip = Some(IpAddr::from([10, 0, 0, 3]));
        assert_eq!(
            limiter.check(&Identity::ANONYMOUS, ip, 3).await,
            Decision::Allowed
        );
        assert!(matches!(
            limiter.check(&Identity::ANONYMOUS, ip, 1).await,
            Decision::Limited { .. }
        ));
        assert_eq!(limiter.fallbacks(), 0);
    }
}
