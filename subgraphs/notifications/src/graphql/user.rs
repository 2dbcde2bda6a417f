//! `User`, the users domain's entity, extended with the inbox and delivery settings.
//! Everything here is for the user themself and administrators.

use async_graphql::{Context, ID, Object, Result, ResultExt};
use chrono_tz::Tz;
use tessera_kit::pagination::PageArgs;
use uuid::Uuid;

use crate::{
    graphql::{
        context::{access, loaders, now},
        types::{
            Consent, Device, Notification, NotificationConnection, NotificationPreference,
            QuietHours,
        },
    },
    service::settings,
};

/// A user as this subgraph knows them.
#[derive(Clone)]
pub struct User {
    id: Uuid,
    timezone: Option<String>,
}

impl User {
    /// The user `id`, with their time zone when the router provided it.
    pub fn new(id: Uuid, timezone: Option<String>) -> Self {
        Self { id, timezone }
    }
}

/// A person on the platform (owned by the users subgraph). Here: their notifications
/// and how they want them delivered.
#[Object]
impl User {
    /// Stable identifier (a UUIDv7), the same in every domain.
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// IANA time zone, owned by the users subgraph; quiet hours are told in it.
    #[graphql(external)]
    async fn timezone(&self) -> &str {
        self.timezone.as_deref().unwrap_or("UTC")
    }

    /// The user's notifications, oldest first; only unread ones when asked. At most 100
    /// per page.
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only notifications not read yet.", default = false)] unread_only: bool,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "How many from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "How many from the end (at most 100).")] last: Option<i32>,
    ) -> Result<Option<NotificationConnection>> {
        access(ctx).check_owner(self.id).extend()?;
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page()
        .extend()?;
        let rows = loaders(ctx)
            .notification_pages
            .load_one((self.id, (unread_only, page.clone())))
            .await
            .extend()?
            .unwrap_or_default();
        Ok(Some(page.connection(rows, |n| n.id, Notification).into()))
    }

    /// How many notifications the user has not read.
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<Option<i64>> {
        access(ctx).check_owner(self.id).extend()?;
        Ok(Some(
            loaders(ctx)
                .unread
                .load_one((self.id, ()))
                .await
                .extend()?
                .unwrap_or(0),
        ))
    }

    /// Which kinds of notification use which channels: every kind × channel, with the
    /// defaults (inbox and push on, email and SMS off) where the user never chose.
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn notification_preferences(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<NotificationPreference>>> {
        access(ctx).check_owner(self.id).extend()?;
        Ok(Some(
            loaders(ctx)
                .preferences
                .load_one((self.id, ()))
                .await
                .extend()?
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }

    /// The devices registered for push messages.
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn devices(&self, ctx: &Context<'_>) -> Result<Option<Vec<Device>>> {
        access(ctx).check_owner(self.id).extend()?;
        Ok(Some(
            loaders(ctx)
                .devices
                .load_one((self.id, ()))
                .await
                .extend()?
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }

    /// The user's quiet hours, if set.
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn quiet_hours(&self, ctx: &Context<'_>) -> Result<Option<QuietHours>> {
        access(ctx).check_owner(self.id).extend()?;
        Ok(loaders(ctx)
            .quiet_hours
            .load_one((self.id, ()))
            .await
            .extend()?
            .map(Into::into))
    }

    /// Whether it is quiet time for the user right now, in the time zone the users
    /// subgraph has for them.
    #[graphql(requires = "timezone", directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn in_quiet_hours(&self, ctx: &Context<'_>) -> Result<Option<bool>> {
        access(ctx).check_owner(self.id).extend()?;
        let Some(quiet) = loaders(ctx)
            .quiet_hours
            .load_one((self.id, ()))
            .await
            .extend()?
        else {
            return Ok(Some(false));
        };
        let tz: Tz = self
            .timezone
            .as_deref()
            .and_then(|tz| tz.parse().ok())
            .unwrap_or(Tz::UTC);
        Ok(Some(
            settings::quiet_until(quiet.start_minute, quiet.end_minute, tz, now(ctx)).is_some(),
        ))
    }

    /// The user's current consent per channel (latest record).
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn consents(&self, ctx: &Context<'_>) -> Result<Option<Vec<Consent>>> {
        access(ctx).check_owner(self.id).extend()?;
        Ok(Some(
            loaders(ctx)
                .consents
                .load_one((self.id, ()))
                .await
                .extend()?
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }
}
