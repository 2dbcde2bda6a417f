//! Configuration: `tessera.toml` (or `--config PATH`), then `TESSERA_*` environment
//! variables, checked once at load with errors that name the key.
//!
//! # Layout
//! - [`telemetry`], [`router`], [`identity`], [`redis`], [`users`], [`retention`]: one
//!   file per section.
//! - Subgraph sections are the kit's [`SubgraphConfig`].

pub mod cache;
pub mod headers;
pub mod identity;
pub mod persisted;
pub mod redis;
pub mod retention;
pub mod router;
pub mod telemetry;
pub mod traffic;
pub mod users;

use std::{collections::BTreeMap, net::SocketAddr, path::Path};

use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use serde::Deserialize;
use tessera_kit::config::SubgraphConfig;

/// The built-in defaults: the committed `tessera.toml`.
pub const DEFAULT_TOML: &str = include_str!("../../tessera.toml");

/// Environment variables read by the loader itself, not config keys.
const NOT_KEYS: &[&str] = &["CONFIG"];

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Logging.
    #[serde(default)]
    pub telemetry: telemetry::TelemetryConfig,
    /// The router.
    pub router: router::RouterConfig,
    /// The router's identity key, and the subgraphs' trust in it.
    #[serde(default)]
    pub identity: identity::IdentityConfig,
    /// Redis, shared by router replicas.
    #[serde(default)]
    pub redis: redis::RedisConfig,
    /// Each subgraph by name.
    pub subgraphs: BTreeMap<String, SubgraphConfig>,
    /// Users domain settings.
    #[serde(default)]
    pub users: users::UsersConfig,
    /// Retention of deleted data in the other domains.
    #[serde(default)]
    pub retention: retention::RetentionConfig,
    /// The events between domains (on Redis Streams when `redis.url` is set).
    #[serde(default)]
    pub events: tessera_kit::events::EventsConfig,
}

/// A configuration that cannot be used; the message names the key.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

/// `key` names subgraph `name`, which is not one of `subgraphs` (the supergraph's):
/// `Ok` when it is, else the error naming them all.
pub(crate) fn known_subgraph<'a>(
    key: &str,
    name: &str,
    subgraphs: impl Iterator<Item = &'a str> + Clone,
) -> Result<(), ConfigError> {
    if subgraphs.clone().any(|s| s == name) {
        return Ok(());
    }
    let all: Vec<String> = subgraphs.map(|s| format!("`{s}`")).collect();
    Err(ConfigError(format!(
        "`{key}`: the supergraph has no subgraph `{name}` (it has {})",
        all.join(", ")
    )))
}

impl Config {
    /// Loads the defaults, then `path` (when given), then the environment.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let env = Env::prefixed("TESSERA_").ignore(NOT_KEYS).split("__");
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(path) = path {
            if !path.exists() {
                return Err(ConfigError(format!(
                    "the file `{}` does not exist",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file(path));
        }
        let config: Config = figment
            .merge(env)
            .extract()
            .map_err(|err| ConfigError(describe(err)))?;
        config.validate()?;
        Ok(config)
    }

    /// Rules across fields.
    fn validate(&self) -> Result<(), ConfigError> {
        let mut seen: BTreeMap<SocketAddr, String> = BTreeMap::new();
        seen.insert(self.router.listen, "router.listen".to_owned());
        for (name, subgraph) in &self.subgraphs {
            let key = format!("subgraphs.{name}.listen");
            if let Some(other) = seen.insert(subgraph.listen, key.clone()) {
                return Err(ConfigError(format!(
                    "`{key}` = {} is already used by `{other}`",
                    subgraph.listen
                )));
            }
            subgraph
                .database
                .validate()
                .map_err(|msg| ConfigError(format!("`subgraphs.{name}.database`: {msg}")))?;
        }
        self.router.validate()?;
        self.router.rate_limits.validate()?;
        self.router.cache.options()?;
        self.identity.validate()?;
        self.redis.validate()?;
        self.users.validate()?;
        self.retention.validate()?;
        self.events
            .validate()
            .map_err(|msg| ConfigError(format!("`events`: {msg}")))?;
        Ok(())
    }

    /// The config of subgraph `name`, or an error naming the missing key.
    pub fn subgraph(&self, name: &str) -> Result<&SubgraphConfig, ConfigError> {
        self.subgraphs
            .get(name)
            .ok_or_else(|| ConfigError(format!("`subgraphs.{name}` is missing")))
    }
}

/// One line per bad key: the key, what is wrong, and where the value came from (the
/// environment variable's exact name, or the file).
fn describe(err: figment::Error) -> String {
    err.into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let origin = match &e.metadata {
                Some(meta) if meta.name.contains("environment") => {
                    let var: Vec<String> = e.path.iter().map(|k| k.to_uppercase()).collect();
                    format!(
                        " (from the environment variable TESSERA_{})",
                        var.join("__")
                    )
                }
                Some(meta) => match &meta.source {
                    Some(source) => format!(" (from {source})"),
                    None => format!(" (from {})", meta.name),
                },
                None => String::new(),
            };
            let kind = e.kind.to_string();
            if key.is_empty() {
                format!("{kind}{origin}")
            } else {
                format!("`{key}`: {kind}{origin}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use std::{collections::HashMap, time::Duration};

    use super::*;

    /// Runs `check` with an environment holding only `vars` (figment's jail serialises
    /// the tests that touch the process environment).
    #[allow(
        clippy::result_large_err,
        reason = "figment's Jail fixes the closure type"
    )]
    fn with_env(vars: &[(&str, &str)], check: impl FnOnce()) {
        figment::Jail::expect_with(|jail| {
            jail.clear_env();
            for (key, value) in vars {
                jail.set_env(key, value);
            }
            check();
            Ok(())
        });
    }

    fn error_with(vars: &[(&str, &str)]) -> String {
        let mut message = String::new();
        with_env(vars, || {
            message = Config::load(None).expect_err("invalid config").to_string();
        });
        message
    }

    #[test]
    fn the_caches_are_configured_and_checked_at_load() {
        with_env(&[], || {
            let options = Config::load(None)
                .expect("defaults")
                .router
                .cache
                .options()
                .expect("valid");
            assert!(
                options.responses && options.entities,
                "tessera.toml turns both on"
            );
            assert_eq!(options.default_max_age, 0);
            assert_eq!(options.response_memory_bytes, 64 << 20);
            assert_eq!(options.namespace, "tessera");
        });
        with_env(
            &[
                ("TESSERA_ROUTER__CACHE__DEFAULT_MAX_AGE", "30"),
                ("TESSERA_ROUTER__CACHE__ENTITIES", "false"),
                ("TESSERA_ROUTER__CACHE__REDIS_NAMESPACE", "staging"),
            ],
            || {
                let options = Config::load(None)
                    .expect("valid")
                    .router
                    .cache
                    .options()
                    .expect("valid");
                assert_eq!(
                    (
                        options.default_max_age,
                        options.entities,
                        options.namespace.as_str()
                    ),
                    (30, false, "staging")
                );
            },
        );
        assert_eq!(
            error_with(&[("TESSERA_ROUTER__CACHE__MAX_TTL_SECONDS", "0")]),
            "configuration: `router.cache.max_ttl_seconds` must be at least 1"
        );
        assert_eq!(
            error_with(&[("TESSERA_ROUTER__CACHE__REDIS_NAMESPACE", "two words")]),
            "configuration: `router.cache.redis_namespace` must be a non-empty word"
        );
    }

    #[test]
    fn the_explorer_and_api_keys_are_configured_and_checked() {
        with_env(&[], || {
            let config = Config::load(None).expect("defaults");
            let explorer = config
                .router
                .server_options(None)
                .expect("valid")
                .explorer
                .expect("tessera.toml serves the explorer");
            assert_eq!(explorer.api_key_header, "x-api-key");
            let keys = config
                .router
                .auth
                .options()
                .expect("valid")
                .expect("access tokens configured")
                .api_keys
                .expect("tessera.toml accepts API keys");
            assert_eq!(keys.exchange_url, "http://127.0.0.1:4001/api-keys/exchange");
            assert_eq!(keys.header.as_str(), "x-api-key");
            assert_eq!(keys.cache_ttl, Duration::from_secs(60));
        });
        with_env(&[("TESSERA_ROUTER__EXPLORER", "false")], || {
            let options = Config::load(None)
                .expect("valid")
                .router
                .server_options(None)
                .expect("valid");
            assert!(options.explorer.is_none());
        });
        let auth_error = |vars: &[(&str, &str)]| {
            let mut message = String::new();
            with_env(vars, || {
                message = Config::load(None)
                    .expect("loads")
                    .router
                    .auth
                    .options()
                    .expect_err("refused")
                    .to_string();
            });
            message
        };
        assert_eq!(
            auth_error(&[("TESSERA_ROUTER__AUTH__API_KEY_EXCHANGE_URL", "users:4001")]),
            "configuration: `router.auth` API keys: API-key exchange URL users:4001: must start with https:// (or http:// inside the network)"
        );
        assert_eq!(
            auth_error(&[("TESSERA_ROUTER__AUTH__API_KEY_HEADER", "api key")]),
            "configuration: `router.auth` API keys: \"api key\" is not a header name"
        );
    }

    #[test]
    fn the_committed_defaults_load() {
        with_env(&[], || {
            let config = Config::load(None).expect("the committed defaults are valid");
            assert_eq!(config.router.listen.port(), 4000);
            assert_eq!(config.subgraphs["users"].listen.port(), 4001);
            assert!(
                config.subgraphs["users"]
                    .database
                    .url
                    .starts_with("sqlite://data/")
            );
            assert!(config.redis.url.is_none());
        });
    }

    #[test]
    fn partners_have_their_own_quota() {
        with_env(&[], || {
            let config = Config::load(None).expect("defaults");
            let partner = config.router.rate_limits.roles["partner"];
            assert_eq!((partner.per_minute, partner.burst), (600, 100));
        });
    }

    #[test]
    fn persisted_queries_are_configured_and_checked_at_start() {
        with_env(&[], || {
            let config = Config::load(None).expect("defaults");
            let pq = &config.router.persisted_queries;
            assert!(pq.apq);
            assert_eq!(
                pq.trusted_documents,
                tessera_router::persisted::TrustedMode::LogUnknown
            );
            assert_eq!(pq.manifests, [std::path::PathBuf::from("schema/persisted")]);
            assert_eq!(
                config.telemetry.metrics_listen,
                Some(SocketAddr::from(([127, 0, 0, 1], 9464)))
            );
            assert_eq!(config.router.override_labels, ["codex-exercises"]);
        });
        with_env(
            &[(
                "TESSERA_ROUTER__OVERRIDE_LABELS",
                "[new-billing, faster-search]",
            )],
            || {
                let config = Config::load(None).expect("valid");
                assert_eq!(
                    config.router.override_labels,
                    ["new-billing", "faster-search"]
                );
            },
        );
        let err = error_with(&[(
            "TESSERA_ROUTER__PERSISTED_QUERIES__TRUSTED_DOCUMENTS",
            "strict",
        )]);
        assert!(
            err.contains("router.persisted_queries.trusted_documents")
                && err.contains("TESSERA_ROUTER__PERSISTED_QUERIES__TRUSTED_DOCUMENTS"),
            "{err}"
        );
        // `enforce` with no manifest would refuse every operation: refused at start.
        let dir = tempfile::tempdir().expect("dir");
        let manifests = format!("[\"{}\"]", dir.path().join("none").display());
        with_env(
            &[
                (
                    "TESSERA_ROUTER__PERSISTED_QUERIES__TRUSTED_DOCUMENTS",
                    "enforce",
                ),
                ("TESSERA_ROUTER__PERSISTED_QUERIES__MANIFESTS", &manifests),
            ],
            || {
                let config = Config::load(None).expect("valid keys");
                let err = config
                    .router
                    .persisted_queries
                    .persisted(None)
                    .expect_err("nothing trusted")
                    .to_string();
                assert!(
                    err.contains("`router.persisted_queries`")
                        && err.contains("no manifest was found"),
                    "{err}"
                );
            },
        );
    }

    #[test]
    fn subgraphs_trust_only_the_configured_router_key() {
        let key = tessera_identity::Ed25519Key::generate("router").expect("a key");
        with_env(&[], || {
            let config = Config::load(None).expect("defaults");
            let err = config
                .identity
                .trust(None)
                .expect_err("no key for a lone subgraph");
            assert!(
                err.to_string().contains(
                    "`identity.router_public_key` (TESSERA_IDENTITY__ROUTER_PUBLIC_KEY) is not set"
                ),
                "{err}"
            );
            assert!(
                config.identity.trust(Some(&key)).is_ok(),
                "dev hands over its own key"
            );
            let (_, fresh) = config.identity.router_key().expect("a fresh key");
            assert!(fresh, "no key file: a fresh key");
        });
        let public = key.public_base64();
        with_env(&[("TESSERA_IDENTITY__ROUTER_PUBLIC_KEY", &public)], || {
            let config = Config::load(None).expect("a valid public key");
            assert!(config.identity.trust(None).is_ok());
            let other = tessera_identity::Ed25519Key::generate("router").expect("a key");
            let err = config
                .identity
                .trust(Some(&other))
                .expect_err("a different key");
            assert!(
                err.to_string()
                    .contains("is not the public half of the router's key"),
                "{err}"
            );
        });
        with_env(
            &[(
                "TESSERA_IDENTITY__ROUTER_PRIVATE_KEY_FILE",
                "/nonexistent/router.pem",
            )],
            || {
                let config = Config::load(None).expect("checked when the router starts");
                let err = config.identity.router_key().expect_err("no such file");
                assert!(
                    err.to_string()
                        .contains("`identity.router_private_key_file` = /nonexistent/router.pem"),
                    "{err}"
                );
            },
        );
    }

    #[test]
    fn the_production_profile_restricts_introspection() {
        with_env(&[], || {
            let config = Config::load(None).expect("defaults");
            assert!(!config.router.production);
            assert_eq!(
                config
                    .router
                    .limits
                    .limits(config.router.production)
                    .introspection_roles,
                None
            );
        });
        with_env(&[("TESSERA_ROUTER__PRODUCTION", "true")], || {
            let config = Config::load(None).expect("valid");
            assert_eq!(
                config
                    .router
                    .limits
                    .limits(config.router.production)
                    .introspection_roles,
                Some(vec!["admin".to_owned(), "partner".to_owned()])
            );
        });
    }

    #[test]
    fn access_token_settings_are_checked() {
        with_env(&[], || {
            let config = Config::load(None).expect("defaults");
            let options = config
                .router
                .auth
                .options()
                .expect("valid")
                .expect("JWKS configured");
            assert_eq!(options.algorithms, [jsonwebtoken::Algorithm::EdDSA]);
            assert_eq!(options.cookie.as_deref(), Some("tessera_access"));
        });
        with_env(
            &[("TESSERA_ROUTER__AUTH__ALGORITHMS", "[\"RS257\"]")],
            || {
                let err = Config::load(None)
                    .expect("loads")
                    .router
                    .auth
                    .options()
                    .expect_err("bad algorithm");
                assert!(
                    err.to_string().contains("`RS257` is not a JWT algorithm"),
                    "{err}"
                );
            },
        );
        with_env(
            &[("TESSERA_ROUTER__AUTH__ALGORITHMS", "[\"HS256\"]")],
            || {
                let err = Config::load(None)
                    .expect("loads")
                    .router
                    .server_options(None)
                    .expect_err("symmetric");
                assert!(
                    err.to_string()
                        .contains("cannot verify tokens against a public JWKS"),
                    "{err}"
                );
            },
        );
        with_env(
            &[(
                "TESSERA_ROUTER__AUTH__JWKS_URLS",
                "[\"ftp://issuer.example/jwks\"]",
            )],
            || {
                let err = Config::load(None)
                    .expect("loads")
                    .router
                    .server_options(None)
                    .expect_err("not http(s)");
                assert!(
                    err.to_string().contains("must start with https://"),
                    "{err}"
                );
            },
        );
        with_env(
            &[
                (
                    "TESSERA_ROUTER__AUTH__JWKS_URLS",
                    "[\"https://issuer.example/jwks\"]",
                ),
                ("TESSERA_ROUTER__AUTH__JWKS_CA_FILE", "/nonexistent/ca.pem"),
            ],
            || {
                let err = Config::load(None)
                    .expect("loads")
                    .router
                    .server_options(None)
                    .expect_err("no CA file");
                assert!(
                    err.to_string().contains("JWKS file /nonexistent/ca.pem"),
                    "{err}"
                );
            },
        );
        with_env(&[("TESSERA_ROUTER__AUTH__JWKS_URLS", "[]")], || {
            let config = Config::load(None).expect("loads");
            assert!(
                config.router.auth.options().expect("valid").is_none(),
                "no source: anonymous only"
            );
        });
    }

    #[test]
    fn the_environment_overrides_the_file() {
        with_env(
            &[("TESSERA_SUBGRAPHS__USERS__LISTEN", "127.0.0.1:5001")],
            || {
                let config = Config::load(None).expect("valid override");
                assert_eq!(config.subgraphs["users"].listen.port(), 5001);
            },
        );
    }

    #[test]
    fn a_subgraph_may_have_a_timeout_of_its_own_if_the_supergraph_has_it() {
        with_env(
            &[
                ("TESSERA_ROUTER__SUBGRAPH_TIMEOUT_MS", "9000"),
                ("TESSERA_ROUTER__SUBGRAPH_TIMEOUTS_MS__CODEX", "2000"),
            ],
            || {
                let config = Config::load(None).expect("loads");
                let timeouts = config
                    .router
                    .subgraph_timeouts(["users", "codex"].into_iter())
                    .expect("both are subgraphs");
                assert_eq!(
                    timeouts,
                    (
                        Duration::from_secs(9),
                        HashMap::from([("codex".to_owned(), Duration::from_secs(2))])
                    )
                );
                let err = config
                    .router
                    .subgraph_timeouts(["users", "workouts"].into_iter())
                    .expect_err("no codex");
                assert_eq!(
                    err.to_string(),
                    "configuration: `router.subgraph_timeouts_ms.codex`: the supergraph has no subgraph `codex` (it has `users`, `workouts`)"
                );
            },
        );
    }

    #[test]
    fn answers_are_compressed_unless_turned_off() {
        with_env(&[], || {
            let config = Config::load(None).expect("loads");
            assert!(
                config
                    .router
                    .server_options(None)
                    .expect("valid")
                    .compress_responses
            );
        });
        with_env(&[("TESSERA_ROUTER__COMPRESS_RESPONSES", "false")], || {
            let config = Config::load(None).expect("loads");
            assert!(
                !config
                    .router
                    .server_options(None)
                    .expect("valid")
                    .compress_responses
            );
        });
    }

    #[test]
    fn the_compression_level_is_a_name_or_a_number() {
        use tessera_router::server::CompressionLevel;
        let level = |env: &[(&str, &str)]| {
            let mut level = None;
            with_env(env, || {
                level = Some(
                    Config::load(None)
                        .expect("loads")
                        .router
                        .server_options(None)
                        .map(|o| o.compression_level)
                        .map_err(|e| e.to_string()),
                );
            });
            level.expect("checked")
        };
        assert_eq!(level(&[]), Ok(CompressionLevel::Default));
        for (value, expected) in [
            ("fastest", CompressionLevel::Fastest),
            ("best", CompressionLevel::Best),
            ("5", CompressionLevel::Precise(5)),
        ] {
            assert_eq!(
                level(&[("TESSERA_ROUTER__COMPRESSION_LEVEL", value)]),
                Ok(expected),
                "{value}"
            );
        }
        assert_eq!(
            level(&[("TESSERA_ROUTER__COMPRESSION_LEVEL", "fast")]),
            Err("configuration: `router.compression_level` = \"fast\": `fastest`, `default`, `best` or a number".to_owned())
        );
    }

    #[test]
    fn wrong_values_stop_start_up_naming_the_key() {
        let err = error_with(&[("TESSERA_SUBGRAPHS__USERS__LISTEN", "not-an-address")]);
        assert!(err.contains("`subgraphs.users.listen`"), "{err}");
        assert!(err.contains("TESSERA_SUBGRAPHS__USERS__LISTEN"), "{err}");

        let err = error_with(&[("TESSERA_SUBGRAPHS__USERS__LISTEN", "127.0.0.1:4000")]);
        assert!(
            err.contains(
                "`subgraphs.users.listen` = 127.0.0.1:4000 is already used by `router.listen`"
            ),
            "{err}"
        );

        let err = error_with(&[("TESSERA_SUBGRAPHS__USERS__DATABASE__URL", "mysql://x")]);
        assert!(err.contains("`subgraphs.users.database`"), "{err}");

        let err = error_with(&[("TESSERA_REDIS__URL", "http://cache")]);
        assert!(err.contains("`redis.url`"), "{err}");
        let err = error_with(&[("TESSERA_REDIS__URL", "redis://cache:port")]);
        assert!(
            err.contains("`redis.url` = `redis://cache:port` is not a Redis URL"),
            "{err}"
        );
        let err = error_with(&[("TESSERA_REDIS__URL", "rediss://cache:6380")]);
        assert!(
            err.contains("TLS to Redis (rediss://) is not built"),
            "{err}"
        );

        let err = error_with(&[("TESSERA_ROUTER__THREADS", "5000")]);
        assert!(
            err.contains("`router.threads` = 5000 must be between 0 (one per CPU) and 1024"),
            "{err}"
        );

        let err = error_with(&[("TESSERA_ROUTER__SUBGRAPH_TIMEOUT_MS", "0")]);
        assert!(
            err.contains("`router.subgraph_timeout_ms` = 0: a timeout must be at least 1 ms"),
            "{err}"
        );
        let err = error_with(&[("TESSERA_ROUTER__SUBGRAPH_TIMEOUTS_MS__CODEX", "0")]);
        assert!(
            err.contains(
                "`router.subgraph_timeouts_ms.codex` = 0: a timeout must be at least 1 ms"
            ),
            "{err}"
        );

        let err = error_with(&[("TESSERA_ROUTER__CONNECTIONS__MAX_HEADER_BYTES", "4096")]);
        assert!(
            err.contains("`router.connections.max_header_bytes` = 4096: at least 8192"),
            "{err}"
        );
        let err = error_with(&[("TESSERA_ROUTER__CONNECTIONS__BODY_READ_TIMEOUT_MS", "0")]);
        assert!(
            err.contains(
                "`router.connections.body_read_timeout_ms` = 0: a timeout must be at least 1 ms"
            ),
            "{err}"
        );

        let err = error_with(&[("TESSERA_USERS__DELETION_RETENTION_DAYS", "0")]);
        assert!(err.contains("`users.deletion_retention_days`"), "{err}");

        let err = error_with(&[("TESSERA_RETENTION__DELETED_DATA_DAYS", "400")]);
        assert!(err.contains("`retention.deleted_data_days` = 400"), "{err}");

        let err = error_with(&[("TESSERA_USERS__ACCESS_TOKEN_TTL_MINUTES", "0")]);
        assert!(
            err.contains("`users.access_token_ttl_minutes` = 0 must be between 1 and 60"),
            "{err}"
        );

        let err = error_with(&[("TESSERA_IDENTITY__ROUTER_PUBLIC_KEY", "not-a-key")]);
        assert!(
            err.contains("`identity.router_public_key` (TESSERA_IDENTITY__ROUTER_PUBLIC_KEY): not an Ed25519 public key"),
            "{err}"
        );

        let err = error_with(&[("TESSERA_ROUTER__RATE_LIMITS__ANONYMOUS__BURST", "0")]);
        assert!(
            err.contains(
                "`router.rate_limits.anonymous`: per_minute must be 1–60000 and burst at least 1"
            ),
            "{err}"
        );

        let err = error_with(&[("TESSERA_IDENTITY__TOKEN_TTL_SECONDS", "5")]);
        assert!(err.contains("`identity.token_ttl_seconds` = 5"), "{err}");

        let err = error_with(&[("TESSERA_ROUTER__LISTNE", "127.0.0.1:4000")]);
        assert!(err.contains("listne"), "{err}");
    }

    #[test]
    fn a_missing_config_file_is_named() {
        with_env(&[], || {
            let err = Config::load(Some(Path::new("/nonexistent/tessera.toml")))
                .expect_err("missing file")
                .to_string();
            assert!(err.contains("/nonexistent/tessera.toml"), "{err}");
        });
    }
}
