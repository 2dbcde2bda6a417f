//! Payloads of the GDPR export and erasure.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};

use crate::graphql::entry::JournalEntry;

/// Everything the journal holds about the caller.
#[derive(SimpleObject)]
pub struct JournalDataExport {
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// Every entry the caller wrote, oldest first, deleted ones included.
    pub entries: Vec<JournalEntry>,
}

/// What erasing the caller's journal did.
#[derive(SimpleObject)]
pub struct JournalDataErasure {
    /// Entries hidden from every query.
    pub entries: u64,
}
