//! Replay subgraphs (issue #20, point 3: a replay corpus in CI): the Federation Gateway
//! Audit's subgraphs served from data the project owns, so that CI can replay
//! thousands of operations against our router over the audit's supergraphs without
//! reaching a code host, and without a line of the audit's code in the project.
//!
//! Of the two ways the issue allows — recorded requests and answers replayed by a
//! server of ours, or subgraphs of our own in the same shapes — this is the first,
//! with a twist: the server does not look answers up by request, it *executes* each
//! request over data recorded from the real subgraphs' answers. A lookup would break
//! whenever the planner sends a subgraph a different operation (which fixing the
//! planner does); execution keeps answering as long as the values it needs were
//! recorded, and says which value is missing when one is not. Hand-written subgraphs
//! would drift from the audit's data and behaviour unnoticed; recorded ones are the
//! audit's answers, re-recorded in minutes.
//!
//! A replay subgraph validates every request against the subgraph's own schema (its
//! recorded SDL) as a real one does, so an operation the audit's subgraphs refuse (a
//! planner bug) is refused here too, and the corpus catches the bug.
//!
//! # The workflow
//! 1. `tessera-bench record`: a proxy between our router and the audit's subgraphs
//!    records every subgraph request and answer ([`proxy`]).
//! 2. `tessera-bench corpus-build`: recordings and the fuzzer's corpus become a suite
//!    of `bench/corpus/` ([`corpus`], [`record`], [`data`]).
//! 3. `bench/tests/corpus.rs` (CI) or `tessera-bench replay`: the suite's subgraphs
//!    served from its data ([`server`]), our router in front, each operation's answer
//!    compared with the expected one ([`compare`]).
//!
//! # Layout
//! - [`proxy`]: the recording proxy.
//! - [`supergraph`]: a supergraph's subgraph URLs, read and replaced.
//! - [`schema`]: a subgraph's executable schema from its federation SDL.
//! - [`canonical`]: canonical JSON; the key a field's value is stored under.
//! - [`data`]: the data model (`data.json`) and the entity index.
//! - [`record`]: recordings → data model.
//! - [`resolve`]: resolvers over the data model.
//! - [`server`]: the replay server.
//! - [`corpus`]: a suite on disk; `corpus-build`.
//! - [`compare`]: a router's answer against the expected one.
//! - [`cli`]: the `record`, `corpus-build` and `replay` commands.
//! - [`error`]: what goes wrong.

pub mod canonical;
pub mod cli;
pub mod compare;
pub mod corpus;
pub mod data;
pub mod error;
pub mod proxy;
pub mod record;
pub mod resolve;
pub mod schema;
pub mod server;
pub mod subgraph;
pub mod supergraph;

pub use error::ReplayError;
