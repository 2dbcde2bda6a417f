//! sea-orm models of the journal domain.

pub mod entry;
