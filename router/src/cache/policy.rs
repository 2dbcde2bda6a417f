//! How long a response may be reused, and by whom: a cache policy, as the
//! `@cacheControl` hints make it ([`super::hints`]) and subgraphs' `Cache-Control`
//! headers restrict it, and the `Cache-Control` header a client gets.

/// How long and for whom a response may be reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// Seconds; `None` while nothing restricted it yet, `Some(0)` for "do not cache".
    pub max_age: Option<u32>,
    /// Only for the caller it was made for.
    pub private: bool,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self::UNRESTRICTED
    }
}

impl CachePolicy {
    /// Nothing restricts reuse yet.
    pub const UNRESTRICTED: Self = Self {
        max_age: None,
        private: false,
    };

    /// Never reuse.
    pub const UNCACHEABLE: Self = Self {
        max_age: Some(0),
        private: false,
    };

    /// `self` restricted by `other`: the smaller max age; private if either is.
    #[must_use]
    pub fn restrict(self, other: Self) -> Self {
        Self {
            max_age: match (self.max_age, other.max_age) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            private: self.private || other.private,
        }
    }

    /// The max age in seconds when the response may be cached at all.
    pub fn cacheable_for(&self) -> Option<u32> {
        self.max_age.filter(|age| *age > 0)
    }

    /// A subgraph's `Cache-Control` header as a restriction: `no-store` and
    /// `no-cache` forbid reuse, `max-age` bounds it, `private` narrows it. A header
    /// that says none of these restricts nothing.
    pub fn from_header(value: &str) -> Self {
        let mut policy = Self::UNRESTRICTED;
        for directive in value.split(',') {
            let directive = directive.trim().to_ascii_lowercase();
            match directive.as_str() {
                "no-store" | "no-cache" => policy.max_age = Some(0),
                "private" => policy.private = true,
                _ => {
                    if let Some(seconds) = directive
                        .strip_prefix("max-age=")
                        .or_else(|| directive.strip_prefix("s-maxage="))
                    {
                        let seconds = seconds.trim_matches('"').parse::<u32>().unwrap_or(0);
                        policy = policy.restrict(Self {
                            max_age: Some(seconds),
                            private: false,
                        });
                    }
                }
            }
        }
        policy
    }

    /// The `Cache-Control` value for a client: `no-store` unless cacheable; `public`
    /// only when `shareable` (the caller is anonymous: a CDN keys on the URL alone and
    /// must never hand a signed-in caller's answer to anyone else).
    pub fn header(&self, shareable: bool) -> String {
        match self.cacheable_for() {
            None => "no-store".to_owned(),
            Some(age) if self.private || !shareable => format!("max-age={age}, private"),
            Some(age) => format!("max-age={age}, public"),
        }
    }
}
