//! Root mutation fields.

use async_graphql::{Context, Object, Result, ResultExt};
use chrono::Utc;

use crate::{
    Settings,
    graphql::{
        context::{access, db},
        export::{DeletedAccount, UserDataExport},
        inputs::{SignUpInput, UpdateProfileInput},
        user::User,
    },
    service::accounts,
};

/// Root mutation type.
#[derive(Default)]
pub struct Mutation;

/// Changes to accounts: sign up, profile, deletion and data export.
#[Object]
impl Mutation {
    /// Creates an account. Each invalid or taken value is a `BAD_USER_INPUT` error whose
    /// `extensions.field` names the input field.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account's details.")] input: SignUpInput,
    ) -> Result<User> {
        let user = accounts::sign_up(db(ctx), input.into(), Utc::now())
            .await
            .extend()?;
        Ok(User(user))
    }

    /// Changes the caller's profile; omitted fields stay as they are.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to change.")] input: UpdateProfileInput,
    ) -> Result<User> {
        let access = access(ctx).await?;
        let user = accounts::update_profile(db(ctx), access, input.into(), Utc::now())
            .await
            .extend()?;
        Ok(User(user))
    }

    /// Deletes the caller's account. It disappears from every query at once and its data
    /// is removed for good after the retention window (30 days by default).
    async fn delete_account(&self, ctx: &Context<'_>) -> Result<DeletedAccount> {
        let access = access(ctx).await?;
        let retention = ctx.data_unchecked::<Settings>().deletion_retention;
        let row = accounts::delete_account(db(ctx), access, Utc::now(), retention)
            .await
            .extend()?;
        Ok(DeletedAccount::of(&row))
    }

    /// Everything this domain holds about the caller, for download (GDPR data export).
    async fn export_my_data(&self, ctx: &Context<'_>) -> Result<UserDataExport> {
        let access = access(ctx).await?;
        let export = accounts::export(db(ctx), access, Utc::now())
            .await
            .extend()?;
        Ok(export.into())
    }
}
