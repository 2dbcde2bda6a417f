//! The `User` type.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result, ResultExt};
use chrono::{DateTime, Utc};
use tessera_kit::{error::ServiceError, pagination::PageArgs};

use crate::{
    entity::user::{self, Role, SubscriptionTier},
    graphql::{
        api_key::ApiKey,
        context::{access, db, loaders},
    },
    service::{
        api_keys,
        directory::{self, UserFilter},
    },
};

/// A user as GraphQL shows it.
#[derive(Clone)]
pub struct User(pub user::Model);

tessera_kit::connection!(
    UserConnection,
    UserEdge,
    User,
    "A page of users, in sign-up order."
);

/// A person on the platform: an athlete, a coach, an administrator or a partner
/// developer's account. Other domains extend `User` with workouts, notifications,
/// journal entries and codex entries.
#[Object(directive = tessera_kit::directives::cache_control::apply(Some(60), None, None))]
impl User {
    /// Stable identifier (a UUIDv7), the same in every domain.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Unique public name, lowercase: letters, digits and `_`, 3–30 characters.
    async fn handle(&self) -> &str {
        &self.0.handle
    }

    /// Name shown to other people.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// Contact address. Only the user and administrators may read it; others get a
    /// `FORBIDDEN` error on this field.
    #[graphql(directive = tessera_kit::directives::authenticated::apply(), directive = tessera_kit::directives::cache_control::apply(None, Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        access(ctx)
            .await?
            .check_private(&self.0, "the email address")
            .extend()?;
        Ok(Some(&self.0.email))
    }

    /// The roles the user holds.
    async fn roles(&self) -> Vec<Role> {
        self.0.roles().to_vec()
    }

    /// The plan the user pays for. Only the user and administrators may read it.
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(60), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn subscription_tier(&self, ctx: &Context<'_>) -> Result<Option<SubscriptionTier>> {
        access(ctx)
            .await?
            .check_private(&self.0, "the subscription tier")
            .extend()?;
        Ok(Some(self.0.subscription_tier))
    }

    /// IANA time zone (e.g. `Europe/Berlin`); schedules and quiet hours use it.
    async fn timezone(&self) -> &str {
        &self.0.timezone
    }

    /// Picture shown next to the user's name (an https URL), if set.
    async fn avatar_url(&self) -> Option<&str> {
        self.0.avatar_url.as_deref()
    }

    /// When the account was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the profile last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The user's coaches. Visible to the user, to those coaches and to administrators.
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(60), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn coaches(&self, ctx: &Context<'_>) -> Result<Option<Vec<User>>> {
        let access = access(ctx).await?;
        access.require().extend()?;
        let coaches = loaders(ctx)
            .coaches
            .load_one(self.0.id)
            .await
            .extend()?
            .unwrap_or_default();
        let allowed = access.may_see_private(&self.0) || coaches.iter().any(|c| access.is(c.id));
        if !allowed {
            return Err(ServiceError::Forbidden(
                "only the athlete, their coaches and administrators may see who coaches them"
                    .to_owned(),
            )
            .extend());
        }
        Ok(Some(coaches.into_iter().map(User).collect()))
    }

    /// The API keys issued to this partner, newest first, revoked ones included.
    /// Visible to the partner and to administrators.
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn api_keys(&self, ctx: &Context<'_>) -> Result<Vec<ApiKey>> {
        let access = access(ctx).await?;
        access.require().extend()?;
        api_keys::may_see(access, self.0.id).extend()?;
        let keys = loaders(ctx)
            .api_keys
            .load_one((self.0.id, ()))
            .await
            .extend()?
            .unwrap_or_default();
        Ok(keys.into_iter().map(ApiKey).collect())
    }

    /// The athletes this user coaches, oldest link first by sign-up order. Visible to
    /// the coach and to administrators. At most 100 per page.
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(60), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn athletes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "How many from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "How many from the end (at most 100).")] last: Option<i32>,
    ) -> Result<UserConnection> {
        let filter = UserFilter {
            coach_id: Some(self.0.id),
            ..UserFilter::default()
        };
        let page = PageArgs {
            first,
            after,
            last,
            before,
        };
        list(ctx, &filter, &page).await
    }
}

/// A page of users matching `filter`, for the caller of this request.
pub async fn list(
    ctx: &Context<'_>,
    filter: &UserFilter,
    args: &PageArgs,
) -> Result<UserConnection> {
    let access = access(ctx).await?;
    let page = args.page().extend()?;
    let rows = directory::list(db(ctx), access, filter, &page)
        .await
        .extend()?;
    Ok(page.connection(rows, |u| u.id, User).into())
}
