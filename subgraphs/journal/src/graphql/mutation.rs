//! Root mutation fields.

use async_graphql::{Context, ID, Object, Result, ResultExt};

use crate::{
    graphql::{
        context::{access, db, now, uuid_arg},
        entry::JournalEntry,
        export::{JournalDataErasure, JournalDataExport},
        inputs::{CreateJournalEntryInput, UpdateJournalEntryInput},
    },
    service::{entries, privacy},
};

/// Root mutation type.
#[derive(Default)]
pub struct Mutation;

/// Writing in the caller's journal, and the caller's journal data (GDPR).
#[Object]
impl Mutation {
    /// Writes an entry in the caller's journal. Each invalid value is a
    /// `BAD_USER_INPUT` error whose `extensions.field` names the input field.
    async fn create_journal_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry.")] input: CreateJournalEntryInput,
    ) -> Result<JournalEntry> {
        let entry = entries::create(db(ctx), &access(ctx), input.into_new_entry()?, now(ctx))
            .await
            .extend()?;
        Ok(JournalEntry(entry))
    }

    /// Changes one of the caller's entries.
    async fn update_journal_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry's id.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateJournalEntryInput,
    ) -> Result<JournalEntry> {
        let id = uuid_arg(&id, "id")?;
        let entry = entries::update(db(ctx), &access(ctx), id, input.into_update()?, now(ctx))
            .await
            .extend()?;
        Ok(JournalEntry(entry))
    }

    /// Deletes one of the caller's entries; `restoreJournalEntry` brings it back.
    async fn delete_journal_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry's id.")] id: ID,
    ) -> Result<JournalEntry> {
        let id = uuid_arg(&id, "id")?;
        let entry = entries::delete(db(ctx), &access(ctx), id, now(ctx))
            .await
            .extend()?;
        Ok(JournalEntry(entry))
    }

    /// Brings back one of the caller's deleted entries. Restoring an entry that is not
    /// deleted is a `CONFLICT`.
    async fn restore_journal_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry's id.")] id: ID,
    ) -> Result<JournalEntry> {
        let id = uuid_arg(&id, "id")?;
        let entry = entries::restore(db(ctx), &access(ctx), id, now(ctx))
            .await
            .extend()?;
        Ok(JournalEntry(entry))
    }

    /// Everything the journal holds about the caller, for download (GDPR data export).
    async fn export_my_journal(&self, ctx: &Context<'_>) -> Result<JournalDataExport> {
        let entries = privacy::export(db(ctx), &access(ctx)).await.extend()?;
        Ok(JournalDataExport {
            exported_at: now(ctx),
            entries: entries.into_iter().map(JournalEntry).collect(),
        })
    }

    /// Erases the caller's journal (GDPR): every entry disappears from every query at
    /// once.
    async fn delete_my_journal(&self, ctx: &Context<'_>) -> Result<JournalDataErasure> {
        let entries = privacy::erase(db(ctx), &access(ctx), now(ctx))
            .await
            .extend()?;
        Ok(JournalDataErasure { entries })
    }
}
