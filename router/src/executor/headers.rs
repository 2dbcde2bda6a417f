//! Which of a client's headers reach which subgraph: rules per subgraph, applied in
//! order after the rules for all subgraphs (`router.headers`):
//!
//! - `propagate`: the client's header of that name, sent under its own name or
//!   `rename`, or `default` when the client sent none;
//! - `propagate_prefix`: every client header whose name starts so (never credentials);
//! - `insert`: a fixed header;
//! - `remove`: a header an earlier rule set.
//!
//! Nothing reaches a subgraph unless a rule says so. Credentials (`authorization`,
//! `cookie`, `proxy-authorization`, the API-key header) pass only by a `propagate` rule
//! naming them that also says `credentials = true`; the headers the router writes
//! itself (content type and length, `accept`, `host`, hop-by-hop headers, the identity
//! token) cannot be set by any rule. Both are refused at start.
//!
//! What is forwarded is part of the request: identical fetches share one subgraph
//! request only when they forward the same headers, and the response and entity
//! caches keep answers apart by them.

use std::sync::Arc;

use axum::http::HeaderMap;
pub use axum::http::{HeaderName, HeaderValue};

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderRule {
    /// The client's `name` header, as `rename` (or `name`), else `default`.
    Propagate {
        /// The client's header.
        name: HeaderName,
        /// The name the subgraph gets it under.
        rename: Option<HeaderName>,
        /// Sent when the client sent none.
        default: Option<HeaderValue>,
    },
    /// Every client header whose name starts with `prefix` (lowercase).
    PropagatePrefix {
        /// The prefix.
        prefix: String,
    },
    /// A fixed header.
    Insert {
        /// Its name.
        name: HeaderName,
        /// Its value.
        value: HeaderValue,
    },
    /// Drops `name` if an earlier rule set it.
    Remove {
        /// Its name.
        name: HeaderName,
    },
}

/// Why a rule cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderRuleError {
    /// It would set a header the router writes itself.
    #[error("`{0}` is written by the router itself; no rule may set it")]
    Reserved(String),
    /// It would hand the caller's credentials on without saying so.
    #[error(
        "propagating `{0}` hands the caller's credentials to the subgraph: add `credentials = true` to the rule if that is meant"
    )]
    Credentials(String),
    /// A prefix that would match everything.
    #[error("a `propagate_prefix` must not be empty")]
    EmptyPrefix,
}

/// Headers the router writes to subgraphs itself.
const RESERVED: &[&str] = &[
    "accept",
    "accept-encoding",
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "host",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    tessera_identity::internal::HEADER,
];

/// The caller's credentials.
const CREDENTIALS: &[&str] = &[
    "authorization",
    "cookie",
    "proxy-authorization",
    "x-api-key",
];

impl HeaderRule {
    /// Checks the rule: `credentials` says a `propagate` of credentials is meant;
    /// `api_key_header` is the router's API-key header, a credential too.
    pub fn check(
        &self,
        credentials: bool,
        api_key_header: Option<&HeaderName>,
    ) -> Result<(), HeaderRuleError> {
        let is_credential = |name: &HeaderName| {
            CREDENTIALS.contains(&name.as_str()) || api_key_header == Some(name)
        };
        let reserved = |name: &HeaderName| {
            if RESERVED.contains(&name.as_str()) {
                Err(HeaderRuleError::Reserved(name.to_string()))
            } else {
                Ok(())
            }
        };
        match self {
            Self::Propagate { name, rename, .. } => {
                reserved(rename.as_ref().unwrap_or(name))?;
                if is_credential(name) && !credentials {
                    return Err(HeaderRuleError::Credentials(name.to_string()));
                }
                Ok(())
            }
            Self::PropagatePrefix { prefix } if prefix.is_empty() => {
                Err(HeaderRuleError::EmptyPrefix)
            }
            Self::PropagatePrefix { .. } => Ok(()),
            Self::Insert { name, .. } => reserved(name),
            Self::Remove { .. } => Ok(()),
        }
    }
}

/// The rules as configured: for all subgraphs, and per subgraph by name.
#[derive(Debug, Clone, Default)]
pub struct HeaderOptions {
    /// For every subgraph, first.
    pub all: Vec<HeaderRule>,
    /// For one subgraph, after `all`'s.
    pub subgraphs: std::collections::HashMap<String, Vec<HeaderRule>>,
    /// The API-key header (a credential: never matched by a prefix).
    pub api_key_header: Option<HeaderName>,
}

impl HeaderOptions {
    /// The rules of each of `subgraphs`, by index.
    pub fn for_subgraphs(&self, subgraphs: &[&str]) -> HeaderRules {
        HeaderRules::new(
            &self.all,
            &self.subgraphs,
            subgraphs,
            self.api_key_header.clone(),
        )
    }
}

/// Every subgraph's rules (by the supergraph's subgraph index), all-subgraph rules
/// first.
#[derive(Debug, Clone, Default)]
pub struct HeaderRules {
    per_subgraph: Vec<Vec<HeaderRule>>,
    /// The API-key header: never matched by a prefix.
    api_key_header: Option<HeaderName>,
}

/// The headers one request forwards, per subgraph index (none at all: nothing is
/// forwarded anywhere).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Forwarded(Option<Arc<[Headers]>>);

/// Headers as sent to one subgraph, in order.
pub type Headers = Vec<(HeaderName, HeaderValue)>;

impl Forwarded {
    /// What subgraph `index` gets.
    pub fn for_subgraph(&self, index: usize) -> &[(HeaderName, HeaderValue)] {
        self.0
            .as_deref()
            .and_then(|all| all.get(index))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether nothing is forwarded to any subgraph.
    pub fn is_empty(&self) -> bool {
        self.0
            .as_deref()
            .is_none_or(|all| all.iter().all(Vec::is_empty))
    }

    /// The forwarded headers as text for a cache key: `index name: value` lines.
    pub fn key_text(&self) -> String {
        let mut text = String::new();
        for (index, headers) in self.0.as_deref().unwrap_or_default().iter().enumerate() {
            for (name, value) in headers {
                text.push_str(&format!(
                    "{index} {name}: {}\n",
                    String::from_utf8_lossy(value.as_bytes())
                ));
            }
        }
        text
    }
}

impl HeaderRules {
    /// `all` then `own[i]` for subgraph `i` of `subgraphs` (rules checked beforehand).
    pub fn new(
        all: &[HeaderRule],
        own: &std::collections::HashMap<String, Vec<HeaderRule>>,
        subgraphs: &[&str],
        api_key_header: Option<HeaderName>,
    ) -> Self {
        let per_subgraph = subgraphs
            .iter()
            .map(|name| {
                all.iter()
                    .chain(own.get(*name).into_iter().flatten())
                    .cloned()
                    .collect()
            })
            .collect();
        Self {
            per_subgraph,
            api_key_header,
        }
    }

    /// Whether any rule is set.
    pub fn is_empty(&self) -> bool {
        self.per_subgraph.iter().all(Vec::is_empty)
    }

    /// What `client`'s headers make each subgraph get.
    pub fn forward(&self, client: &HeaderMap) -> Forwarded {
        if self.is_empty() {
            return Forwarded::default();
        }
        let all: Vec<Headers> = self
            .per_subgraph
            .iter()
            .map(|rules| self.apply(rules, client))
            .collect();
        Forwarded(Some(all.into()))
    }

    fn apply(&self, rules: &[HeaderRule], client: &HeaderMap) -> Headers {
        let mut out: Headers = Vec::new();
        let set = |out: &mut Headers, name: &HeaderName, value| {
            out.retain(|(n, _)| n != name);
            out.push((name.clone(), value));
        };
        for rule in rules {
            match rule {
                HeaderRule::Propagate {
                    name,
                    rename,
                    default,
                } => {
                    let target = rename.as_ref().unwrap_or(name);
                    if let Some(value) = client.get(name).cloned().or_else(|| default.clone()) {
                        set(&mut out, target, value);
                    }
                }
                HeaderRule::PropagatePrefix { prefix } => {
                    for (name, value) in client {
                        let credential = CREDENTIALS.contains(&name.as_str())
                            || self.api_key_header.as_ref() == Some(name);
                        if name.as_str().starts_with(prefix.as_str())
                            && !credential
                            && !RESERVED.contains(&name.as_str())
                        {
                            set(&mut out, name, value.clone());
                        }
                    }
                }
                HeaderRule::Insert { name, value } => set(&mut out, name, value.clone()),
                HeaderRule::Remove { name } => out.retain(|(n, _)| n != name),
            }
        }
        out.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &'static str) -> HeaderName {
        HeaderName::from_static(n)
    }

    fn value(v: &'static str) -> HeaderValue {
        HeaderValue::from_static(v)
    }

    #[test]
    fn rules_apply_in_order_all_first_and_credentials_never_pass_by_prefix() {
        let all = vec![
            HeaderRule::Propagate {
                name: name("x-request-id"),
                rename: None,
                default: None,
            },
            HeaderRule::PropagatePrefix {
                prefix: "x-tenant-".to_owned(),
            },
        ];
        let own = std::collections::HashMap::from([(
            "users".to_owned(),
            vec![
                HeaderRule::Propagate {
                    name: name("accept-language"),
                    rename: Some(name("x-locale")),
                    default: Some(value("en")),
                },
                HeaderRule::Insert {
                    name: name("x-from"),
                    value: value("tessera"),
                },
                HeaderRule::Remove {
                    name: name("x-request-id"),
                },
            ],
        )]);
        let rules = HeaderRules::new(&all, &own, &["users", "codex"], Some(name("x-api-key")));
        let mut client = HeaderMap::new();
        client.insert("x-request-id", value("r1"));
        client.insert("x-tenant-id", value("t9"));
        client.insert("authorization", value("Bearer secret"));
        client.insert("cookie", value("tessera_access=secret"));
        client.insert("x-other", value("no"));
        let forwarded = rules.forward(&client);
        assert_eq!(
            forwarded.for_subgraph(0),
            [
                (name("x-from"), value("tessera")),
                (name("x-locale"), value("en")),
                (name("x-tenant-id"), value("t9")),
            ],
            "users: renamed with its default, inserted, the request id removed"
        );
        assert_eq!(
            forwarded.for_subgraph(1),
            [
                (name("x-request-id"), value("r1")),
                (name("x-tenant-id"), value("t9")),
            ]
        );
        assert_eq!(forwarded.for_subgraph(7), []);
        // A credential with the prefix is never matched by it.
        let prefixed = HeaderRules::new(
            &[HeaderRule::PropagatePrefix {
                prefix: "x-".to_owned(),
            }],
            &std::collections::HashMap::new(),
            &["users"],
            Some(name("x-api-key")),
        );
        let mut client = HeaderMap::new();
        client.insert("x-api-key", value("tsk_secret"));
        client.insert("x-trace", value("1"));
        assert_eq!(
            prefixed.forward(&client).for_subgraph(0),
            [(name("x-trace"), value("1"))]
        );
        // No rules: nothing at all, at no cost.
        let none = HeaderRules::default();
        assert!(none.forward(&client).is_empty());
    }

    #[test]
    fn rules_that_would_leak_credentials_or_set_the_routers_own_headers_are_refused() {
        let propagate = |n: &'static str| HeaderRule::Propagate {
            name: name(n),
            rename: None,
            default: None,
        };
        assert_eq!(
            propagate("authorization").check(false, None),
            Err(HeaderRuleError::Credentials("authorization".to_owned()))
        );
        assert_eq!(propagate("authorization").check(true, None), Ok(()));
        assert_eq!(
            propagate("x-partner-key").check(false, Some(&name("x-partner-key"))),
            Err(HeaderRuleError::Credentials("x-partner-key".to_owned()))
        );
        assert_eq!(
            HeaderRule::Insert {
                name: name("content-type"),
                value: value("text/plain")
            }
            .check(false, None),
            Err(HeaderRuleError::Reserved("content-type".to_owned()))
        );
        assert_eq!(
            HeaderRule::Propagate {
                name: name("x-id"),
                rename: Some(name("x-tessera-identity")),
                default: None
            }
            .check(false, None),
            Err(HeaderRuleError::Reserved("x-tessera-identity".to_owned()))
        );
        assert_eq!(
            HeaderRule::PropagatePrefix {
                prefix: String::new()
            }
            .check(false, None),
            Err(HeaderRuleError::EmptyPrefix)
        );
        assert_eq!(
            HeaderRuleError::Credentials("cookie".to_owned()).to_string(),
            "propagating `cookie` hands the caller's credentials to the subgraph: add `credentials = true` to the rule if that is meant"
        );
    }
}
