//! Subscriptions. A subscription's root field is owned by one subgraph: the router
//! subscribes to it over WebSocket ([`upstream`]) and completes each event with the
//! plan's other fetches, as for a query.
//!
//! - [`upstream`]: the router's side of `graphql-transport-ws` towards a subgraph, with
//!   the router-signed identity in `connection_init` (never the client's token).

pub mod upstream;
