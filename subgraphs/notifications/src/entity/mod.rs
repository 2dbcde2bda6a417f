//! sea-orm models of the notifications domain.

pub mod coach_contact;
pub mod coaching_link;
pub mod consent;
pub mod consent_ledger;
pub mod delivery;
pub mod device;
pub mod kinds;
pub mod notification;
pub mod preference;
pub mod quiet_hours;
