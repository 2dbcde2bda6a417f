//! The events of a subgraph under test: an in-process bus, open at once, its relay
//! polling every 20 ms and retries 5 ms apart.

use sea_orm::DatabaseConnection;

use crate::events::{EventsConfig, Reactions, Running, Wiring};

/// The events settings of tests: quick polls, retries and claims.
pub fn config() -> EventsConfig {
    EventsConfig {
        relay_poll_ms: 20,
        retry_backoff_ms: 5,
        claim_after_ms: 300,
        ..EventsConfig::default()
    }
}

/// Subgraph `name` over `db` taking part in events on an in-process bus of its own,
/// consuming with `reactions` when given; the bus (for `app_with`, for publishing) and
/// its relay and consumer.
///
/// # Panics
/// Never: the in-process bus needs nothing.
pub fn in_process(
    name: &'static str,
    db: &DatabaseConnection,
    reactions: Option<Reactions>,
) -> (Wiring, Running) {
    let wiring = Wiring::new(None, config()).expect("the in-process bus needs nothing");
    let running = wiring.start(name, db, reactions);
    wiring.open();
    (wiring, running)
}
