//! sea-orm models of the users domain.

pub mod api_key;
pub mod audit;
pub mod coach_athlete;
pub mod credential;
pub mod erasure;
pub mod refresh_token;
pub mod signing_key;
pub mod user;
