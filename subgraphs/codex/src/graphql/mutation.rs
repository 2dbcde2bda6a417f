//! Root mutation fields.

use async_graphql::{Context, ID, Object, Result, ResultExt};

use crate::{
    entity::entry,
    graphql::{
        context::{access, db, now, uuid_arg},
        entry::CodexEntry,
        inputs::{CodexDataErasure, CodexDataExport, CreateCodexEntryInput, UpdateCodexEntryInput},
    },
    service::{entries, privacy},
};

/// Root mutation type.
#[derive(Default)]
pub struct Mutation;

/// Writing codex entries, and the caller's codex data (GDPR).
#[Object]
impl Mutation {
    /// Writes an entry (coaches and administrators). Each invalid value is a
    /// `BAD_USER_INPUT` error whose `extensions.field` names the input field.
    async fn create_codex_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry.")] input: CreateCodexEntryInput,
    ) -> Result<CodexEntry> {
        let row = entries::create(db(ctx), &access(ctx), input.into(), now(ctx))
            .await
            .extend()?;
        changed(ctx, &row);
        Ok(CodexEntry::from(row))
    }

    /// Changes one of the caller's entries; making it public the first time publishes it.
    async fn update_codex_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry's id.")] id: ID,
        #[graphql(desc = "The fields to change.")] input: UpdateCodexEntryInput,
    ) -> Result<CodexEntry> {
        let id = uuid_arg(&id, "id")?;
        let row = entries::update(db(ctx), &access(ctx), id, input.into(), now(ctx))
            .await
            .extend()?;
        changed(ctx, &row);
        Ok(CodexEntry::from(row))
    }

    /// Deletes one of the caller's entries: gone from every query and search at once.
    async fn delete_codex_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The entry's id.")] id: ID,
    ) -> Result<ID> {
        let id = uuid_arg(&id, "id")?;
        let row = entries::delete(db(ctx), &access(ctx), id, now(ctx))
            .await
            .extend()?;
        changed(ctx, &row);
        Ok(ID(row.id.to_string()))
    }

    /// Everything the codex holds about the caller, for download (GDPR data export).
    async fn export_my_codex_data(&self, ctx: &Context<'_>) -> Result<CodexDataExport> {
        let rows = privacy::export(db(ctx), &access(ctx)).await.extend()?;
        Ok(CodexDataExport {
            exported_at: now(ctx),
            entries: rows.into_iter().map(CodexEntry::from).collect(),
        })
    }

    /// Erases the caller's codex entries (GDPR): hidden from every query and search at
    /// once.
    async fn delete_my_codex_data(&self, ctx: &Context<'_>) -> Result<CodexDataErasure> {
        let entries = privacy::erase(db(ctx), &access(ctx), now(ctx))
            .await
            .extend()?;
        tessera_kit::cache::changed_all(ctx, "CodexEntry");
        Ok(CodexDataErasure { entries })
    }
}

/// Tells the router's caches that `row` changed, and with it its author's entries.
fn changed(ctx: &Context<'_>, row: &entry::Model) {
    tessera_kit::cache::changed_id(ctx, "CodexEntry", row.id);
    tessera_kit::cache::changed_id(ctx, "User", row.author_id);
}
