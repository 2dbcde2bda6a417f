//! The tables every domain keeps for the events between domains
//! (`tessera_kit::events`): its outbox, the events its handlers have processed, and
//! the events they parked as dead letters. Each domain's migrator applies them to its
//! own database, under its own bookkeeping table.

pub mod m20261208_000001_events;
