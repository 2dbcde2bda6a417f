//! HTTP to subgraphs: one pooled keep-alive client, a timeout per subgraph, identical
//! in-flight queries shared, and the subgraph's answer parsed without building more than
//! one JSON tree.
//!
//! Sharing: while a query fetch is in flight, an identical one (same subgraph, same body,
//! same caller identity token) waits for its answer instead of sending its own. Many
//! clients asking the same thing at once then cost the subgraph one request and the
//! router one parse: the answer is parsed once into a tree that borrows from its body
//! ([`Parsed`]), and each waiter copies from it only what its response needs. The
//! identity token
//! is part of the key, so one caller's answer never serves another; mutations are
//! never shared.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use apollo_compiler::response::{JsonMap, JsonValue};
use bytes::Bytes;
use futures_util::{
    FutureExt,
    future::{BoxFuture, Shared},
};
use serde::Deserialize;

use axum::http::{HeaderName, HeaderValue};

use super::{shaping::Shaping, tree::Value};
use crate::{cache::CachePolicy, error::GraphqlError};

/// How a subgraph request failed as a whole. What it says is shown to clients: it never
/// names the subgraph's address; the transport's own words (`detail`) are for the log.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    /// No answer within the subgraph's timeout.
    #[error("no answer within {} ms", .0.as_millis())]
    Timeout(Duration),
    /// No connection could be opened.
    #[error("no connection could be made to it")]
    Connect {
        /// The transport's error, address included.
        detail: String,
    },
    /// The connection failed before the answer was complete.
    #[error("the connection failed before the answer was complete")]
    Transport {
        /// The transport's error, address included.
        detail: String,
    },
    /// A non-success status without a GraphQL body.
    #[error("subgraph answered HTTP {0}")]
    Status(u16),
    /// A body that is not a GraphQL response.
    #[error("subgraph answered with something that is not a GraphQL response: {0}")]
    Body(String),
    /// Not asked: its circuit breaker is open ([`super::shaping`]).
    #[error(
        "its circuit breaker is open after repeated failures; it is asked again in {} ms",
        .retry_after.as_nanos().div_ceil(1_000_000)
    )]
    CircuitOpen {
        /// How long until a probe is let through.
        retry_after: Duration,
    },
    /// Not asked: as many requests as its limit allows stayed in flight too long.
    #[error(
        "{limit} requests to it are already in flight, its limit, and none ended within {} ms",
        .waited.as_millis()
    )]
    Saturated {
        /// The limit.
        limit: usize,
        /// How long the fetch waited for a slot.
        waited: Duration,
    },
}

impl FetchError {
    /// Whether the subgraph failed (for its breaker): no answer, no connection, a
    /// broken one. A body that is not GraphQL is the subgraph's answer, counted by its
    /// status; refusals of the router's own are not the subgraph's doing.
    pub fn is_failure(&self) -> bool {
        match self {
            Self::Timeout(_) | Self::Connect { .. } | Self::Transport { .. } => true,
            Self::Status(status) => *status >= 500,
            Self::Body(_) | Self::CircuitOpen { .. } | Self::Saturated { .. } => false,
        }
    }

    /// Whether asking again at once may succeed: no connection, or a broken one (a
    /// restarting replica behind a balancer, a connection the subgraph closed).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Connect { .. } | Self::Transport { .. })
            || matches!(self, Self::Status(502..=504))
    }
}

/// A subgraph's GraphQL response; its data borrows from the answer's body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubgraphResponse<'a> {
    /// `data`, if any.
    #[serde(default, borrow)]
    pub data: Option<Value<'a>>,
    /// `errors`, as sent (their `locations`, which point into the subgraph's
    /// operation, dropped).
    #[serde(default, deserialize_with = "subgraph_errors")]
    pub errors: Vec<GraphqlError>,
    /// What the router reads of `extensions`.
    #[serde(default)]
    pub extensions: SubgraphExtensions,
    /// The subgraph's `Cache-Control` header, as a restriction.
    #[serde(skip)]
    pub policy: CachePolicy,
}

fn subgraph_errors<'de, D: serde::Deserializer<'de>>(
    sent: D,
) -> Result<Vec<GraphqlError>, D::Error> {
    let sent = Vec::<JsonMap>::deserialize(sent)?;
    Ok(sent.into_iter().map(GraphqlError::from_subgraph).collect())
}

/// The extensions of a subgraph response the router acts on.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubgraphExtensions {
    /// Entities the operation changed: cached responses and entities holding them are
    /// dropped (`[{"typename": "CodexEntry", "key": {"id": "…"}}]`; no `key`: every
    /// entity of the type).
    #[serde(default)]
    pub invalidate: Vec<Invalidation>,
}

/// One changed entity, or every entity of a type.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Invalidation {
    /// The entity type.
    pub typename: String,
    /// The key's fields and values; none for the whole type.
    #[serde(default)]
    pub key: Option<JsonValue>,
}

/// A subgraph's answer before parsing: status, `Cache-Control` and body.
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    cache_control: Option<String>,
    body: Bytes,
}

self_cell::self_cell!(
    /// A subgraph's answer, parsed: its data borrows from its body, which it owns.
    pub struct Parsed {
        owner: Bytes,
        #[covariant]
        dependent: SubgraphResponse,
    }
    impl {Debug}
);

/// How a fetch's answer is had and read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fetching {
    /// An identical fetch already in flight may answer it (queries only).
    pub share: bool,
    /// The query has internal aliases ([`super::representations::undo_internal_aliases`]), undone
    /// in the answer when it is parsed.
    pub unalias: bool,
}

/// The answers a request's data tree borrows from, held until its response is
/// written: subgraph answers (shared with other requests) and cached entities' text.
/// Adding one moves none of the others, so the tree borrows from each as it comes.
#[derive(Default)]
pub struct Bodies {
    answers: elsa::sync::FrozenVec<Arc<Parsed>>,
    texts: elsa::sync::FrozenVec<Box<Bytes>>,
}

impl Bodies {
    /// Holds `answer` for as long as these bodies live.
    fn hold(&self, answer: Arc<Parsed>) -> &SubgraphResponse<'_> {
        self.answers.push_get(answer).borrow_dependent()
    }

    /// Keeps `text` for as long as these bodies live; its bytes.
    pub fn keep(&self, text: Bytes) -> &[u8] {
        self.texts.push_get(Box::new(text))
    }
}

/// A fetch in flight: its answer, parsed once for everyone waiting for it.
type InFlight = Shared<BoxFuture<'static, Result<Arc<Parsed>, FetchError>>>;

/// A member of a request's `variables`: a value, or JSON text already written.
enum Member<'a> {
    Value(&'a JsonValue),
    Text(&'a [u8]),
}

/// Identical fetches in flight: (identity token, request body) → the shared answer.
/// The whole body is hashed, with a fast, randomly seeded hasher (bodies carry
/// representations, kilobytes of them).
/// Fetches in flight by who asks and what.
type InFlightKey = (Asker, Bytes);

/// Who a subgraph request is for: the router's identity token for the caller, and the
/// caller's headers forwarded to this subgraph.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Asker {
    identity: Option<Arc<str>>,
    headers: Vec<(HeaderName, HeaderValue)>,
}
type InFlightMap = Arc<Mutex<HashMap<InFlightKey, InFlight, ahash::RandomState>>>;

/// Sends operations to one subgraph.
#[derive(Debug, Clone)]
pub struct SubgraphClient {
    client: reqwest::Client,
    url: String,
    timeout: Duration,
    in_flight: InFlightMap,
    shaping: Arc<Shaping>,
}

impl SubgraphClient {
    /// The subgraph's traffic shaping (its breaker, limit and retry budget).
    pub fn shaping(&self) -> &Arc<Shaping> {
        &self.shaping
    }
}

impl SubgraphClient {
    /// A client for `url` sharing `client`'s connection pool, its traffic shaped by
    /// `shaping` (shared with every other client of the subgraph).
    pub fn new(
        client: reqwest::Client,
        url: String,
        timeout: Duration,
        shaping: Arc<Shaping>,
    ) -> Self {
        Self {
            client,
            url,
            timeout,
            in_flight: Arc::default(),
            shaping,
        }
    }

    /// The same subgraph through `client`'s connection pool, with an in-flight table of
    /// its own (a worker thread's replica) and the same shaping.
    pub fn replica(&self, client: reqwest::Client) -> Self {
        Self::new(client, self.url.clone(), self.timeout, self.shaping.clone())
    }

    /// Posts `{query, variables}` with the caller's `identity` token and parses the
    /// answer, which `bodies` holds (the data borrows from it): `variables` and then
    /// `written`, variables already written as JSON text (representations). When
    /// `how.share`, an identical request already in flight is waited for instead of
    /// sent again: its parsed answer is then shared by every waiter.
    pub async fn send<'b>(
        &self,
        query: &str,
        variables: JsonMap,
        written: &[(String, Vec<u8>)],
        (identity, headers): (Option<&Arc<str>>, &[(HeaderName, HeaderValue)]),
        how: Fetching,
        bodies: &'b Bodies,
    ) -> Result<&'b SubgraphResponse<'b>, FetchError> {
        let written_len: usize = written.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
        let mut body = Vec::with_capacity(query.len() + written_len + 64);
        body.extend_from_slice(b"{\"query\":");
        crate::json::write_str(&mut body, query);
        if !variables.is_empty() || !written.is_empty() {
            body.extend_from_slice(b",\"variables\":{");
            let members = variables
                .iter()
                .map(|(k, v)| (k.as_str(), Member::Value(v)))
                .chain(written.iter().map(|(k, v)| (k.as_str(), Member::Text(v))));
            for (i, (key, value)) in members.enumerate() {
                if i > 0 {
                    body.push(b',');
                }
                crate::json::write_name(&mut body, key);
                body.push(b':');
                match value {
                    Member::Value(v) => crate::json::write_value(&mut body, v),
                    Member::Text(text) => body.extend_from_slice(text),
                }
            }
            body.push(b'}');
        }
        body.push(b'}');
        let bytes = Bytes::from(body);
        let asker = Asker {
            identity: identity.cloned(),
            headers: headers.to_vec(),
        };
        let parsed = if how.share {
            self.shared(bytes, asker, how.unalias).await?
        } else {
            Arc::new(parse(self.post(bytes, &asker, false).await?, how.unalias)?)
        };
        Ok(bodies.hold(parsed))
    }

    /// The answer to `body`, from a request already in flight or a new one.
    async fn shared(
        &self,
        body: Bytes,
        asker: Asker,
        unalias: bool,
    ) -> Result<Arc<Parsed>, FetchError> {
        let key = (asker.clone(), body.clone());
        let future = {
            let mut in_flight = self
                .in_flight
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match in_flight.get(&key) {
                Some(future) => {
                    metrics::counter!("tessera_subgraph_fetches_total", "outcome" => "shared")
                        .increment(1);
                    future.clone()
                }
                None => {
                    metrics::counter!("tessera_subgraph_fetches_total", "outcome" => "sent")
                        .increment(1);
                    let client = self.clone();
                    let done = key.clone();
                    let future = async move {
                        let answer = client.post(body, &asker, true).await;
                        client
                            .in_flight
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .remove(&done);
                        answer
                            .and_then(|answer| parse(answer, unalias))
                            .map(Arc::new)
                    }
                    .boxed()
                    .shared();
                    in_flight.insert(key, future.clone());
                    future
                }
            }
        };
        future.await
    }

    /// What `err` means to a client (the timeout is this subgraph's own).
    fn failure(&self, err: &reqwest::Error) -> FetchError {
        // The whole chain of causes, for the log.
        let mut detail = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            detail.push_str(": ");
            detail.push_str(&cause.to_string());
            source = cause.source();
        }
        if err.is_timeout() {
            FetchError::Timeout(self.timeout)
        } else if err.is_connect() {
            FetchError::Connect { detail }
        } else {
            FetchError::Transport { detail }
        }
    }

    /// Sends `body` as [`super::shaping`] allows: through the breaker and the
    /// concurrency limit, and again after a pause when it failed in a way worth
    /// retrying and `idempotent` (a query).
    async fn post(
        &self,
        body: Bytes,
        asker: &Asker,
        idempotent: bool,
    ) -> Result<Answer, FetchError> {
        let mut attempt = 0;
        loop {
            let pass = self.shaping.admit(self.timeout).await?;
            let answer = self.post_once(body.clone(), asker).await;
            let outcome = answer.as_ref().map(|a| a.status).map_err(Clone::clone);
            self.shaping.record(&outcome);
            drop(pass);
            attempt += 1;
            let pause = if idempotent {
                self.shaping.retry_after(attempt, &outcome)
            } else {
                None
            };
            let Some(pause) = pause else {
                return answer;
            };
            tracing::debug!(attempt, ?pause, outcome = ?outcome.as_ref().err(), "retrying a query fetch");
            tokio::time::sleep(pause).await;
        }
    }

    async fn post_once(&self, body: Bytes, asker: &Asker) -> Result<Answer, FetchError> {
        let mut request = self.client.post(&self.url);
        for (name, value) in &asker.headers {
            request = request.header(name, value);
        }
        if let Some(token) = &asker.identity {
            request = request.header(tessera_identity::internal::HEADER, &**token);
        }
        let response = request
            .header("content-type", "application/json")
            .header(
                "accept",
                "application/graphql-response+json, application/json",
            )
            .timeout(self.timeout)
            .body(body)
            .send()
            .await
            .map_err(|e| self.failure(&e))?;
        let status = response.status().as_u16();
        let cache_control = response
            .headers()
            .get_all(reqwest::header::CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>();
        let cache_control = (!cache_control.is_empty()).then(|| cache_control.join(", "));
        let body = response.bytes().await.map_err(|e| self.failure(&e))?;
        Ok(Answer {
            status,
            cache_control,
            body,
        })
    }
}

/// `answer` parsed (internal aliases undone when `unalias`).
fn parse(answer: Answer, unalias: bool) -> Result<Parsed, FetchError> {
    let Answer {
        status,
        cache_control,
        body,
    } = answer;
    Parsed::try_new(body, |body| {
        let success = (200..300).contains(&status);
        // UTF-8 checked once for the whole body, not string by string.
        let text = std::str::from_utf8(body).map_err(|err| FetchError::Body(err.to_string()));
        let mut parsed = match text.and_then(|text| {
            serde_json::from_str::<SubgraphResponse<'_>>(text)
                .map_err(|err| FetchError::Body(err.to_string()))
        }) {
            Ok(parsed) if parsed.data.is_some() || !parsed.errors.is_empty() => parsed,
            _ if !success => return Err(FetchError::Status(status)),
            Ok(parsed) => parsed,
            Err(err) => return Err(err),
        };
        if let Some(header) = &cache_control {
            parsed.policy = CachePolicy::from_header(header);
        }
        if unalias && let Some(data) = &mut parsed.data {
            super::representations::undo_internal_aliases(data);
        }
        Ok(parsed)
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::{Router, routing::post};

    use super::*;

    /// A subgraph that answers after 50 ms and counts the requests it got.
    async fn slow_subgraph(count: Arc<AtomicUsize>) -> String {
        let app = Router::new().route(
            "/graphql",
            post(move |body: Bytes| {
                let count = count.clone();
                async move {
                    count.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    let echo = String::from_utf8_lossy(&body).len();
                    axum::Json(serde_json::json!({ "data": { "length": echo } }))
                }
            }),
        );
        crate::test_support::serve(app).await
    }

    /// `{ length }` asked of `client` as `token`'s caller: the answer's data.
    async fn length(client: &SubgraphClient, token: &Arc<str>, share: bool) -> Option<JsonValue> {
        let bodies = Bodies::default();
        let how = Fetching {
            share,
            unalias: false,
        };
        let answer = client
            .send(
                "{ length }",
                JsonMap::new(),
                &[],
                (Some(token), &[]),
                how,
                &bodies,
            )
            .await
            .expect("answers");
        answer.data.as_ref().map(Value::to_json)
    }

    #[tokio::test]
    async fn identical_queries_in_flight_share_one_request_per_caller() {
        crate::metrics::install();
        let counted = |outcome: &str| {
            crate::metrics::value(&format!(
                "tessera_subgraph_fetches_total{{outcome=\"{outcome}\"}}"
            ))
            .unwrap_or(0.0)
        };
        let (sent, shared) = (counted("sent"), counted("shared"));
        let count = Arc::new(AtomicUsize::new(0));
        let client = SubgraphClient::new(
            reqwest::Client::new(),
            slow_subgraph(count.clone()).await,
            Duration::from_secs(5),
            Arc::default(),
        );
        let ask = |token: &'static str, share: bool| {
            let client = client.clone();
            async move { length(&client, &Arc::from(token), share).await }
        };
        // Ten identical queries of one caller, two of another: two requests.
        let mut asks = Vec::new();
        for _ in 0..10 {
            asks.push(ask("alice", true).boxed());
        }
        asks.push(ask("bob", true).boxed());
        asks.push(ask("bob", true).boxed());
        let answers = futures_util::future::join_all(asks).await;
        assert!(answers.iter().all(Option::is_some));
        assert_eq!(count.load(Ordering::SeqCst), 2);
        // Each caller's waiters read one answer; the callers do not share one.
        let (alice, bob) = answers.split_at(10);
        assert!(alice.iter().all(|a| *a == alice[0]));
        assert!(bob.iter().all(|b| *b == bob[0]));
        assert_eq!(counted("sent") - sent, 2.0);
        assert_eq!(counted("shared") - shared, 10.0);
        // Finished requests are not reused, and unshared ones (mutations) always go out.
        ask("alice", true).await;
        assert_eq!(count.load(Ordering::SeqCst), 3);
        futures_util::future::join(ask("alice", false), ask("alice", false)).await;
        assert_eq!(count.load(Ordering::SeqCst), 5);
        assert!(client.in_flight.lock().expect("not poisoned").is_empty());
    }

    #[test]
    fn held_answers_and_kept_texts_stay_put_while_more_are_added() {
        let answer = |text: &'static str, unalias: bool| {
            let answer = Answer {
                status: 200,
                cache_control: Some("max-age=30".into()),
                body: Bytes::from_static(text.as_bytes()),
            };
            Arc::new(parse(answer, unalias).expect("a GraphQL response"))
        };
        let bodies = Bodies::default();
        let kept =
            super::super::tree::from_slice(bodies.keep(Bytes::from_static(br#"{"a":"one"}"#)))
                .expect("JSON");
        let held = bodies.hold(answer(r#"{"data":{"tqc1__id":"u1","name":"x"}}"#, true));
        for i in 0..100 {
            bodies.keep(Bytes::from(format!("{{\"n\":{i}}}")));
            bodies.hold(answer(r#"{"data":{"n":1}}"#, false));
        }
        assert_eq!(
            kept.to_json(),
            JsonValue::from(serde_json::json!({"a": "one"}))
        );
        // Parsed with its internal aliases undone and its header read.
        assert_eq!(
            held.data.as_ref().map(Value::to_json),
            Some(serde_json::json!({"id": "u1", "name": "x"}).into())
        );
        assert_eq!(held.policy.max_age, Some(30));
        // Not a GraphQL response: the status, else the body, says why.
        let failed = |status: u16, text: &'static [u8]| {
            parse(
                Answer {
                    status,
                    cache_control: None,
                    body: Bytes::from_static(text),
                },
                false,
            )
            .expect_err("not an answer")
            .to_string()
        };
        assert_eq!(failed(502, b"<html>"), "subgraph answered HTTP 502");
        let not_graphql = "subgraph answered with something that is not a GraphQL response: ";
        assert!(failed(200, b"<html>").starts_with(not_graphql));
        assert!(
            failed(200, b"{\"data\":{\"name\":\"\xff\"}}")
                .starts_with(&format!("{not_graphql}invalid utf-8")),
            "a body that is not UTF-8"
        );
    }

    #[tokio::test]
    async fn a_replica_shares_no_fetch_in_flight_with_its_original() {
        let count = Arc::new(AtomicUsize::new(0));
        let original = SubgraphClient::new(
            reqwest::Client::new(),
            slow_subgraph(count.clone()).await,
            Duration::from_secs(5),
            Arc::default(),
        );
        let replica = original.replica(reqwest::Client::new());
        let token: Arc<str> = Arc::from("alice");
        let ask = |client: &SubgraphClient| {
            let (client, token) = (client.clone(), token.clone());
            async move { length(&client, &token, true).await }
        };
        // Two at once on each: one request per client, each thread's table its own.
        let answers = futures_util::future::join_all([
            ask(&original).boxed(),
            ask(&original).boxed(),
            ask(&replica).boxed(),
            ask(&replica).boxed(),
        ])
        .await;
        assert!(answers.iter().all(|a| a.is_some() && *a == answers[0]));
        assert_eq!(count.load(Ordering::SeqCst), 2);
        assert_eq!(replica.url, original.url);
    }
}
