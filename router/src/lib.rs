//! Tessera's federation router: reads a Federation v2 supergraph, plans each operation
//! into subgraph fetches, executes them over pooled HTTP and shapes the response.
//!
//! # Layout (in the order a request flows)
//! - [`server`]: the HTTP surface (POST/GET, batching, content negotiation).
//! - [`explorer`]: the API explorer page the router serves, with all its files.
//! - `json`: JSON text of the data tree, strings escaped eight bytes at a time.
//! - [`auth`]: access tokens (JWT against JWKS) → the caller's identity.
//! - [`ratelimit`]: GCRA quotas per client, shared through Redis.
//! - [`authorization`]: `@authenticated`, `@requiresScopes`, `@policy`: what the caller
//!   may not see is removed before planning.
//! - [`persisted`]: automatic persisted queries and trusted documents.
//! - [`pipeline`]: one request through parse → validate → plan → execute.
//! - [`error`]: GraphQL errors as the router writes them.
//! - [`redact`]: what the log may hold of a document: its shape, never its values.
//! - [`cache`]: cache policies (`@cacheControl`, subgraph headers), the response and
//!   entity caches, invalidation across replicas.
//! - [`limits`]: operation limits (depth, aliases, root fields, tokens, directives,
//!   estimated cost, introspection).
//! - [`supergraph`]: the supergraph's join metadata and the API schema clients see.
//! - [`planner`]: our query planner (see `router/PLANNER.md`).
//! - [`executor`]: runs a plan's fetches, merges results, shapes the response.
//! - [`metrics`]: the Prometheus recorder and its exposition.
//! - [`redis_link`]: Redis for features that keep serving without it.
//! - [`subscription`]: subscriptions to the subgraph owning a subscription's root.

pub mod audit;
pub mod auth;
pub mod authorization;
pub mod cache;
pub mod error;
pub mod executor;
pub mod explorer;
pub mod json;
pub mod limits;
pub mod metrics;
pub mod persisted;
pub mod pipeline;
pub mod planner;
pub mod ratelimit;
pub mod redact;
pub mod redis_link;
pub mod server;
pub mod subscription;
pub mod supergraph;
#[cfg(test)]
mod test_support;

pub use pipeline::Router;
pub use supergraph::Supergraph;
