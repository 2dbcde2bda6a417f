//! Entity resolution: `User` by `id` (with `timezone` when a `@requires` field needs
//! it), and `Delivery` by its compound key `notificationId channel`, for the recipient
//! and administrators.

use async_graphql::{Context, ID, Object, Result, ResultExt};
use uuid::Uuid;

use crate::{
    entity::kinds::Channel,
    graphql::{
        context::{access, loaders},
        types::Delivery,
        user::User,
    },
};

/// `_entities` resolvers.
#[derive(Default)]
pub struct NotificationEntities;

#[Object]
impl NotificationEntities {
    /// `User` by its key `id`; `timezone` comes along when the router resolves a field
    /// that requires it. `null` for a malformed id.
    #[graphql(entity)]
    async fn find_user_by_id(
        &self,
        #[graphql(key)] id: ID,
        timezone: Option<String>,
    ) -> Option<User> {
        Uuid::parse_str(id.as_str())
            .ok()
            .map(|id| User::new(id, timezone))
    }

    /// `Delivery` by its compound key; `null` when unknown or not the caller's.
    #[graphql(entity)]
    async fn find_delivery_by_notification_id_and_channel(
        &self,
        ctx: &Context<'_>,
        notification_id: ID,
        channel: Channel,
    ) -> Result<Option<Delivery>> {
        let Ok(id) = Uuid::parse_str(notification_id.as_str()) else {
            return Ok(None);
        };
        let access = access(ctx);
        Ok(loaders(ctx)
            .delivery_on
            .load_one((id, channel))
            .await
            .extend()?
            .filter(|d| access.check_owner(d.recipient_id).is_ok())
            .map(Delivery))
    }
}
