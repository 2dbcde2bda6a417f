//! sea-orm models of the users domain.

pub mod coach_athlete;
pub mod user;
