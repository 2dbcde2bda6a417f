//! `[router.traffic]`: how the router treats each subgraph's traffic (retries of query
//! fetches within a budget, a circuit breaker, a concurrency limit), for all subgraphs
//! and per subgraph, as `tessera_router::executor::shaping` describes.
//!
//! ```toml
//! [router.traffic.all]
//! retries = 2
//! breaker_failures = 10
//! [router.traffic.subgraphs.codex]
//! max_concurrent = 64
//! breaker_failures = 0   # no breaker for this one
//! ```

use std::{
    collections::{BTreeMap, HashMap},
    time::Duration,
};

use serde::Deserialize;
use tessera_router::executor::shaping::{BreakerPolicy, RetryPolicy, Traffic, TrafficPolicy};

use super::ConfigError;

/// `[router.traffic]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrafficConfig {
    /// For every subgraph.
    pub all: TrafficSettings,
    /// For one subgraph, by name: what it sets replaces `all`'s.
    pub subgraphs: BTreeMap<String, TrafficSettings>,
}

/// One table of traffic settings; what is not set comes from `all`, then from the
/// defaults below.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrafficSettings {
    /// Most requests in flight to the subgraph; 0: no limit (default 0).
    pub max_concurrent: Option<usize>,
    /// Retries of a query fetch after the first request; 0: none (default 2).
    pub retries: Option<u32>,
    /// The first retry's pause bound, in milliseconds, doubled each retry (default 20).
    pub retry_backoff_ms: Option<u64>,
    /// The largest pause, in milliseconds (default 200).
    pub retry_max_backoff_ms: Option<u64>,
    /// Retries as a share of the last ten seconds' requests, in percent (default 20).
    pub retry_budget_percent: Option<f32>,
    /// Retries a second allowed whatever the share (default 10).
    pub retry_min_per_second: Option<u32>,
    /// Failed requests within the window that open the breaker; 0: no breaker
    /// (default 10).
    pub breaker_failures: Option<u32>,
    /// The breaker's window, in seconds (default 10).
    pub breaker_window_seconds: Option<u64>,
    /// How long the breaker stays open before one probe is let through, in seconds
    /// (default 5).
    pub breaker_open_seconds: Option<u64>,
}

impl TrafficSettings {
    /// `self` over `under`.
    fn over(&self, under: &Self) -> Self {
        Self {
            max_concurrent: self.max_concurrent.or(under.max_concurrent),
            retries: self.retries.or(under.retries),
            retry_backoff_ms: self.retry_backoff_ms.or(under.retry_backoff_ms),
            retry_max_backoff_ms: self.retry_max_backoff_ms.or(under.retry_max_backoff_ms),
            retry_budget_percent: self.retry_budget_percent.or(under.retry_budget_percent),
            retry_min_per_second: self.retry_min_per_second.or(under.retry_min_per_second),
            breaker_failures: self.breaker_failures.or(under.breaker_failures),
            breaker_window_seconds: self.breaker_window_seconds.or(under.breaker_window_seconds),
            breaker_open_seconds: self.breaker_open_seconds.or(under.breaker_open_seconds),
        }
    }

    /// The policy these settings make (unset ones at their defaults), or what is wrong
    /// with them (`table` names where they were read).
    fn policy(&self, table: &str) -> Result<TrafficPolicy, ConfigError> {
        let (retry, breaker) = (RetryPolicy::default(), BreakerPolicy::default());
        let ms = |v: Option<u64>, default: Duration| v.map_or(default, Duration::from_millis);
        let secs = |v: Option<u64>, default: Duration| v.map_or(default, Duration::from_secs);
        let bad =
            |key: &str, why: &str| ConfigError(format!("`router.traffic.{table}.{key}`: {why}"));
        let retries = self.retries.unwrap_or(retry.attempts);
        if retries > 10 {
            return Err(bad("retries", "at most 10"));
        }
        let retry = RetryPolicy {
            attempts: retries,
            backoff: ms(self.retry_backoff_ms, retry.backoff),
            max_backoff: ms(self.retry_max_backoff_ms, retry.max_backoff),
            budget_percent: self.retry_budget_percent.unwrap_or(retry.budget_percent),
            min_per_second: self.retry_min_per_second.unwrap_or(retry.min_per_second),
        };
        if retry.backoff.is_zero() || retry.backoff > retry.max_backoff {
            return Err(bad(
                "retry_backoff_ms",
                "must be at least 1 and at most retry_max_backoff_ms",
            ));
        }
        if !(0.0..=1000.0).contains(&retry.budget_percent) {
            return Err(bad("retry_budget_percent", "must be between 0 and 1000"));
        }
        if retry.min_per_second > 100_000 {
            return Err(bad("retry_min_per_second", "at most 100000"));
        }
        let failures = self.breaker_failures.unwrap_or(breaker.failures);
        let breaker = BreakerPolicy {
            failures,
            window: secs(self.breaker_window_seconds, breaker.window),
            open_for: secs(self.breaker_open_seconds, breaker.open_for),
        };
        if failures > 0 && (breaker.window.is_zero() || breaker.open_for.is_zero()) {
            return Err(bad(
                "breaker_window_seconds",
                "the breaker's window and open time must be at least 1 s",
            ));
        }
        Ok(TrafficPolicy {
            max_concurrent: self.max_concurrent.filter(|n| *n > 0),
            retry: (retries > 0).then_some(retry),
            breaker: (failures > 0).then_some(breaker),
        })
    }
}

impl TrafficConfig {
    /// Every subgraph's shaping, each named table a subgraph of `subgraphs`.
    pub fn traffic<'a>(
        &self,
        subgraphs: impl Iterator<Item = &'a str> + Clone,
    ) -> Result<Traffic, ConfigError> {
        let default = self.all.policy("all")?;
        let mut own = HashMap::new();
        for (name, settings) in &self.subgraphs {
            let key = format!("router.traffic.subgraphs.{name}");
            super::known_subgraph(&key, name, subgraphs.clone())?;
            own.insert(
                name.clone(),
                settings
                    .over(&self.all)
                    .policy(&format!("subgraphs.{name}"))?,
            );
        }
        Ok(Traffic::new(&default, &own, subgraphs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(toml: &str) -> TrafficConfig {
        figment::Figment::from(
            <figment::providers::Toml as figment::providers::Format>::string(toml),
        )
        .extract()
        .expect("valid TOML")
    }

    #[test]
    fn tables_inherit_from_all_and_then_from_the_defaults() {
        let traffic = config(
            "[all]\nretries = 1\n[subgraphs.codex]\nmax_concurrent = 8\nbreaker_failures = 0\n",
        )
        .traffic(["users", "codex"].into_iter())
        .expect("valid");
        let users = traffic.shaping("users");
        let policy = users.policy();
        assert_eq!(policy.max_concurrent, None);
        assert_eq!(policy.retry.as_ref().map(|r| r.attempts), Some(1));
        assert_eq!(policy.breaker, Some(BreakerPolicy::default()));
        let codex = traffic.shaping("codex");
        let policy = codex.policy();
        assert_eq!(policy.max_concurrent, Some(8));
        assert_eq!(
            policy.retry.as_ref().map(|r| r.attempts),
            Some(1),
            "from `all`"
        );
        assert_eq!(policy.breaker, None, "turned off for codex");
        // One shaping per subgraph, whoever asks.
        assert!(std::sync::Arc::ptr_eq(&traffic.shaping("codex"), &codex));
    }

    #[test]
    fn wrong_tables_are_refused_at_start_naming_the_key() {
        let err = |toml: &str| {
            config(toml)
                .traffic(["users", "codex"].into_iter())
                .expect_err("refused")
                .to_string()
        };
        assert_eq!(
            err("[subgraphs.billing]\nretries = 1\n"),
            "configuration: `router.traffic.subgraphs.billing`: the supergraph has no subgraph `billing` (it has `users`, `codex`)"
        );
        assert_eq!(
            err("[all]\nretries = 11\n"),
            "configuration: `router.traffic.all.retries`: at most 10"
        );
        assert_eq!(
            err("[subgraphs.codex]\nretry_backoff_ms = 500\n"),
            "configuration: `router.traffic.subgraphs.codex.retry_backoff_ms`: must be at least 1 and at most retry_max_backoff_ms"
        );
        assert_eq!(
            err("[all]\nretry_budget_percent = -1\n"),
            "configuration: `router.traffic.all.retry_budget_percent`: must be between 0 and 1000"
        );
        assert_eq!(
            err("[all]\nbreaker_open_seconds = 0\n"),
            "configuration: `router.traffic.all.breaker_window_seconds`: the breaker's window and open time must be at least 1 s"
        );
        // Nothing set: retries and the breaker on at their defaults, no limit.
        let defaults = config("")
            .traffic(["users"].into_iter())
            .expect("valid")
            .shaping("users")
            .policy()
            .clone();
        assert_eq!(
            defaults,
            TrafficPolicy {
                max_concurrent: None,
                retry: Some(RetryPolicy::default()),
                breaker: Some(BreakerPolicy::default()),
            }
        );
    }
}
