//! Root mutation fields.

use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions, Object, Result, ResultExt};
use chrono::Utc;
use tessera_kit::error::ServiceError;

use crate::{
    Settings,
    entity::user::Role,
    graphql::{
        api_key::{ApiKey, CreateApiKeyInput, CreatedApiKey},
        context::{access, db, uuid_arg},
        export::{DeletedAccount, UserDataExport},
        inputs::{SignUpInput, UpdateProfileInput},
        session::{AuthSession, SignInInput},
        user::User,
    },
    service::{accounts, api_keys, keys::KeyRing, passwords, sessions},
};

/// Changes to accounts: sign up, sign in and out, profile, deletion and data export.
#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates an account. Each invalid or taken value is a `BAD_USER_INPUT` error whose
    /// `extensions.field` names the input field.
    async fn sign_up(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account's details.")] input: SignUpInput,
    ) -> Result<User> {
        let now = Utc::now();
        passwords::validate(&input.password, "password").extend()?;
        let hash = passwords::hash(&input.password).await.extend()?;
        let txn = tessera_kit::db::begin_write(db(ctx))
            .await
            .map_err(|e| ServiceError::from(e).extend())?;
        let user = accounts::sign_up(&txn, input.into(), now).await.extend()?;
        sessions::store_hash(&txn, user.id, hash, now)
            .await
            .extend()?;
        txn.commit()
            .await
            .map_err(|e| ServiceError::from(e).extend())?;
        // Nothing cached holds the new user, but lists and lookups of users may now
        // (a `userByHandle` that found nobody).
        tessera_kit::cache::changed_id(ctx, "User", user.id);
        Ok(User(user))
    }

    /// Signs in with email and password. A wrong email or password is one
    /// `UNAUTHENTICATED` error that does not say which was wrong.
    async fn sign_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Email, password and extra scopes.")] input: SignInInput,
    ) -> Result<AuthSession> {
        let now = Utc::now();
        let scopes: Vec<sessions::SessionScope> =
            input.scopes.into_iter().map(Into::into).collect();
        let session = sessions::sign_in(
            db(ctx),
            keys(ctx),
            &settings(ctx).auth,
            &input.email,
            &input.password,
            &scopes,
            now,
        )
        .await
        .extend()?;
        Ok(AuthSession::of(session, now))
    }

    /// Exchanges a refresh token for a new session (a new access token and a new
    /// refresh token). A refresh token works once: presenting a spent one signs its
    /// whole session out (`UNAUTHENTICATED`), since it may have been copied.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token of the session.")] refresh_token: String,
    ) -> Result<AuthSession> {
        let now = Utc::now();
        let mut ended = Vec::new();
        let session = sessions::refresh(
            db(ctx),
            keys(ctx),
            &settings(ctx).auth,
            &refresh_token,
            now,
            &mut ended,
        )
        .await;
        // A reused token ended its session: the router refuses its access tokens now.
        sessions_ended(ctx, &ended);
        Ok(AuthSession::of(session.extend()?, now))
    }

    /// Signs out the session this refresh token belongs to. True when a session was
    /// signed out; an unknown token is `false`, not an error. The session's access
    /// tokens are refused from now on.
    async fn sign_out(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refresh token of the session.")] refresh_token: String,
    ) -> Result<bool> {
        let ended = sessions::sign_out(db(ctx), &refresh_token, Utc::now())
            .await
            .extend()?;
        sessions_ended(ctx, ended.as_slice());
        Ok(ended.is_some())
    }

    /// Signs the caller out of every session; returns how many refresh tokens were
    /// revoked.
    #[graphql(directive = tessera_kit::directives::authenticated::apply())]
    async fn sign_out_everywhere(&self, ctx: &Context<'_>) -> Result<u64> {
        let access = access(ctx).await?;
        let ended = sessions::sign_out_everywhere(db(ctx), access, Utc::now())
            .await
            .extend()?;
        sessions_ended(ctx, &ended.sessions);
        Ok(ended.tokens)
    }

    /// Changes the caller's password (checking the current one) and signs out every
    /// session.
    #[graphql(directive = tessera_kit::directives::authenticated::apply())]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The password now.")] current_password: String,
        #[graphql(desc = "The new password (10–128 characters).")] new_password: String,
    ) -> Result<bool> {
        let access = access(ctx).await?;
        let ended = sessions::change_password(
            db(ctx),
            access,
            &current_password,
            &new_password,
            Utc::now(),
        )
        .await
        .extend()?;
        sessions_ended(ctx, &ended.sessions);
        Ok(true)
    }

    /// Changes the caller's profile; omitted fields stay as they are.
    #[graphql(directive = tessera_kit::directives::authenticated::apply())]
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The fields to change.")] input: UpdateProfileInput,
    ) -> Result<User> {
        let access = access(ctx).await?;
        let user = accounts::update_profile(db(ctx), access, input.into(), Utc::now())
            .await
            .extend()?;
        tessera_kit::cache::changed_id(ctx, "User", user.id);
        Ok(User(user))
    }

    /// Replaces a user's roles (administrators; the `users:admin` scope). At least one
    /// role; an administrator cannot drop their own `ADMIN` role. Access tokens carry
    /// the new roles from their next refresh.
    #[graphql(requires_scopes = "users:admin")]
    async fn set_user_roles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user.")] user_id: async_graphql::ID,
        #[graphql(desc = "Every role they hold from now on.")] roles: Vec<Role>,
    ) -> Result<User> {
        let access = access(ctx).await?;
        let id = uuid_arg(&user_id, "userId")?;
        let user = accounts::set_roles(db(ctx), access, id, &roles, Utc::now())
            .await
            .extend()?;
        tessera_kit::cache::changed_id(ctx, "User", user.id);
        // Their API keys work only while they are a partner: the router asks again.
        tessera_kit::cache::changed_all(ctx, "ApiKey");
        Ok(User(user))
    }

    /// Deletes the caller's account. It disappears from every query at once, every domain
    /// erases the person's data (the answer's `erasureReceiptToken` reads the receipt in
    /// `erasureReceipt`), and what is left is removed for good after the retention
    /// window (30 days by default).
    #[graphql(directive = tessera_kit::directives::authenticated::apply())]
    async fn delete_account(&self, ctx: &Context<'_>) -> Result<DeletedAccount> {
        let access = access(ctx).await?;
        let retention = settings(ctx).deletion_retention;
        let now = Utc::now();
        let (row, receipt_token) = accounts::delete_account(db(ctx), access, now, retention)
            .await
            .extend()?;
        let ended = sessions::revoke_user(db(ctx), row.id, now).await.extend()?;
        sessions_ended(ctx, &ended.sessions);
        tessera_kit::cache::changed_id(ctx, "User", row.id);
        // Their API keys die with the account: the router asks again.
        tessera_kit::cache::changed_all(ctx, "ApiKey");
        Ok(DeletedAccount::of(&row, receipt_token))
    }

    /// Creates an API key for the caller, who must be a partner: the router accepts it
    /// in `x-api-key` as the partner. The key is in this answer only. At most 10 live
    /// keys; a name of 1 to 64 characters (`BAD_USER_INPUT` naming `name`).
    #[graphql(directive = tessera_kit::directives::authenticated::apply())]
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The key's name.")] input: CreateApiKeyInput,
    ) -> Result<CreatedApiKey> {
        let access = access(ctx).await?;
        let created = api_keys::create(db(ctx), access, &input.name, Utc::now())
            .await
            .extend()?;
        Ok(CreatedApiKey {
            key: created.key,
            api_key: ApiKey(created.record),
        })
    }

    /// Revokes an API key (its partner, or an administrator). A router stops accepting it
    /// at once when the revocation goes through it (every replica, when they share
    /// Redis), else within `router.auth.api_key_cache_seconds` (60 by default).
    #[graphql(directive = tessera_kit::directives::authenticated::apply())]
    async fn revoke_api_key(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The key's id.")] id: async_graphql::ID,
    ) -> Result<ApiKey> {
        let id = uuid_arg(&id, "id")?;
        let access = access(ctx).await?;
        let row = api_keys::revoke(db(ctx), access, id, Utc::now())
            .await
            .extend()?;
        // The router forgets the keys it exchanged, in every replica, and refuses the
        // access tokens exchanged for this one (their session is the key).
        tessera_kit::cache::changed_id(ctx, "ApiKey", row.id);
        sessions_ended(ctx, &[row.id]);
        Ok(ApiKey(row))
    }

    /// Everything this domain holds about the caller, for download (GDPR data export).
    #[graphql(directive = tessera_kit::directives::authenticated::apply())]
    async fn export_my_data(&self, ctx: &Context<'_>) -> Result<UserDataExport> {
        let access = access(ctx).await?;
        let export = accounts::export(db(ctx), access, Utc::now())
            .await
            .extend()?;
        Ok(export.into())
    }
}

fn settings<'a>(ctx: &Context<'a>) -> &'a Settings {
    ctx.data_unchecked::<Settings>()
}

fn keys<'a>(ctx: &Context<'a>) -> &'a KeyRing {
    ctx.data_unchecked::<Arc<KeyRing>>()
}

/// Names each ended session in `extensions.invalidate` (a `Session` by its id): the
/// router refuses its access tokens from then on, on every replica.
fn sessions_ended(ctx: &Context<'_>, sessions: &[uuid::Uuid]) {
    for id in sessions {
        tessera_kit::cache::changed_id(ctx, "Session", id);
    }
}
