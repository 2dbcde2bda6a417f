//! `[router.headers]`: which client headers reach which subgraph (nothing does unless a
//! rule says so), as `tessera_router::executor::headers` describes.
//!
//! ```toml
//! [[router.headers.all]]
//! propagate = "x-request-id"
//! [[router.headers.subgraphs.users]]
//! propagate = "accept-language"
//! rename = "x-locale"
//! default = "en"
//! [[router.headers.subgraphs.codex]]
//! insert = "x-from"
//! value = "tessera"
//! ```

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use tessera_router::executor::headers::{HeaderName, HeaderOptions, HeaderRule, HeaderValue};

use super::ConfigError;

/// `[router.headers]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HeadersConfig {
    /// Rules for every subgraph, applied first.
    pub all: Vec<RuleConfig>,
    /// Rules for one subgraph, by name, after `all`'s.
    pub subgraphs: BTreeMap<String, Vec<RuleConfig>>,
}

/// One rule: exactly one of `propagate`, `propagate_prefix`, `insert`, `remove`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuleConfig {
    /// The client's header to send on.
    pub propagate: Option<String>,
    /// With `propagate`: the name the subgraph gets it under.
    pub rename: Option<String>,
    /// With `propagate`: the value sent when the client sent none.
    pub default: Option<String>,
    /// With `propagate`: the header is a credential (`authorization`, `cookie`, the
    /// API-key header) and handing it on is meant.
    pub credentials: bool,
    /// Every client header whose name starts so (never credentials).
    pub propagate_prefix: Option<String>,
    /// A fixed header to send, with `value`.
    pub insert: Option<String>,
    /// The inserted header's value.
    pub value: Option<String>,
    /// A header an earlier rule set, to drop.
    pub remove: Option<String>,
}

impl RuleConfig {
    fn rule(
        &self,
        at: &str,
        api_key_header: Option<&HeaderName>,
    ) -> Result<HeaderRule, ConfigError> {
        let bad = |why: String| ConfigError(format!("`router.headers.{at}`: {why}"));
        let name = |text: &str| {
            HeaderName::from_bytes(text.trim().as_bytes())
                .map_err(|_| bad(format!("`{text}` is not a header name")))
        };
        let value = |text: &str| {
            HeaderValue::from_str(text).map_err(|_| bad(format!("`{text}` is not a header value")))
        };
        let kinds = [
            self.propagate.is_some(),
            self.propagate_prefix.is_some(),
            self.insert.is_some(),
            self.remove.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            return Err(bad(
                "a rule is exactly one of `propagate`, `propagate_prefix`, `insert` or `remove`"
                    .to_owned(),
            ));
        }
        let only_with = |set: bool, key: &str, kind: &str| {
            if set {
                Err(bad(format!("`{key}` goes only with `{kind}`")))
            } else {
                Ok(())
            }
        };
        let not_propagate = self.propagate.is_none();
        only_with(
            not_propagate && self.rename.is_some(),
            "rename",
            "propagate",
        )?;
        only_with(
            not_propagate && self.default.is_some(),
            "default",
            "propagate",
        )?;
        only_with(
            not_propagate && self.credentials,
            "credentials",
            "propagate",
        )?;
        only_with(
            self.insert.is_none() && self.value.is_some(),
            "value",
            "insert",
        )?;
        let rule = if let Some(propagate) = &self.propagate {
            HeaderRule::Propagate {
                name: name(propagate)?,
                rename: self.rename.as_deref().map(name).transpose()?,
                default: self.default.as_deref().map(value).transpose()?,
            }
        } else if let Some(prefix) = &self.propagate_prefix {
            HeaderRule::PropagatePrefix {
                prefix: prefix.trim().to_ascii_lowercase(),
            }
        } else if let Some(insert) = &self.insert {
            let Some(text) = &self.value else {
                return Err(bad("`insert` needs a `value`".to_owned()));
            };
            HeaderRule::Insert {
                name: name(insert)?,
                value: value(text)?,
            }
        } else {
            HeaderRule::Remove {
                name: name(self.remove.as_deref().unwrap_or_default())?,
            }
        };
        rule.check(self.credentials, api_key_header)
            .map_err(|e| bad(e.to_string()))?;
        Ok(rule)
    }
}

impl HeadersConfig {
    /// The rules, each named subgraph one of `subgraphs`; `api_key_header` is the
    /// router's API-key header (a credential).
    pub fn options<'a>(
        &self,
        subgraphs: impl Iterator<Item = &'a str> + Clone,
        api_key_header: Option<&str>,
    ) -> Result<HeaderOptions, ConfigError> {
        let api_key_header = api_key_header.and_then(|h| HeaderName::from_bytes(h.as_bytes()).ok());
        let rules = |table: &str, rules: &[RuleConfig]| {
            rules
                .iter()
                .enumerate()
                .map(|(i, r)| r.rule(&format!("{table}[{i}]"), api_key_header.as_ref()))
                .collect::<Result<Vec<_>, _>>()
        };
        let all = rules("all", &self.all)?;
        let mut own = HashMap::new();
        for (name, list) in &self.subgraphs {
            let key = format!("router.headers.subgraphs.{name}");
            super::known_subgraph(&key, name, subgraphs.clone())?;
            own.insert(name.clone(), rules(&format!("subgraphs.{name}"), list)?);
        }
        Ok(HeaderOptions {
            all,
            subgraphs: own,
            api_key_header,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(toml: &str) -> Result<HeaderOptions, String> {
        let config: HeadersConfig = figment::Figment::from(
            <figment::providers::Toml as figment::providers::Format>::string(toml),
        )
        .extract()
        .map_err(|e| e.to_string())?;
        config
            .options(["users", "codex"].into_iter(), Some("x-api-key"))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn rules_are_read_in_order_per_table() {
        let options = options(
            "[[all]]\npropagate = \"x-request-id\"\n[[subgraphs.users]]\npropagate = \"accept-language\"\nrename = \"x-locale\"\ndefault = \"en\"\n[[subgraphs.users]]\nremove = \"x-request-id\"\n",
        )
        .expect("valid");
        assert_eq!(options.all.len(), 1);
        assert_eq!(
            options.subgraphs["users"],
            [
                HeaderRule::Propagate {
                    name: HeaderName::from_static("accept-language"),
                    rename: Some(HeaderName::from_static("x-locale")),
                    default: Some(HeaderValue::from_static("en")),
                },
                HeaderRule::Remove {
                    name: HeaderName::from_static("x-request-id"),
                },
            ]
        );
    }

    #[test]
    fn wrong_rules_stop_the_start_naming_the_rule() {
        let cases = [
            (
                "[[all]]\npropagate = \"authorization\"\n",
                "configuration: `router.headers.all[0]`: propagating `authorization` hands the caller's credentials to the subgraph: add `credentials = true` to the rule if that is meant",
            ),
            (
                "[[subgraphs.codex]]\npropagate = \"x-api-key\"\n",
                "configuration: `router.headers.subgraphs.codex[0]`: propagating `x-api-key` hands the caller's credentials to the subgraph: add `credentials = true` to the rule if that is meant",
            ),
            (
                "[[all]]\ninsert = \"content-length\"\nvalue = \"1\"\n",
                "configuration: `router.headers.all[0]`: `content-length` is written by the router itself; no rule may set it",
            ),
            (
                "[[all]]\npropagate = \"x-a\"\ninsert = \"x-b\"\nvalue = \"1\"\n",
                "configuration: `router.headers.all[0]`: a rule is exactly one of `propagate`, `propagate_prefix`, `insert` or `remove`",
            ),
            (
                "[[all]]\nremove = \"x-a\"\nrename = \"x-b\"\n",
                "configuration: `router.headers.all[0]`: `rename` goes only with `propagate`",
            ),
            (
                "[[all]]\ninsert = \"x-a\"\n",
                "configuration: `router.headers.all[0]`: `insert` needs a `value`",
            ),
            (
                "[[all]]\npropagate = \"not a name\"\n",
                "configuration: `router.headers.all[0]`: `not a name` is not a header name",
            ),
            (
                "[[subgraphs.billing]]\nremove = \"x-a\"\n",
                "configuration: `router.headers.subgraphs.billing`: the supergraph has no subgraph `billing` (it has `users`, `codex`)",
            ),
        ];
        for (toml, message) in cases {
            assert_eq!(options(toml).err().as_deref(), Some(message), "{toml}");
        }
        // Credentials said to be meant: accepted.
        assert!(options("[[all]]\npropagate = \"authorization\"\ncredentials = true\n").is_ok());
    }
}
