//! sea-orm models of the codex domain.

pub mod entry;
pub mod step;
pub mod tag;
