//! Root query fields.

use async_graphql::{Context, ID, Object, Result, ResultExt};

use crate::{
    graphql::{
        context::{access, db, uuid_arg},
        types::Notification,
    },
    service::inbox,
};

/// Reading notifications.
#[derive(Default)]
pub struct NotificationQuery;

/// The root query type of the notifications subgraph.
#[Object]
impl NotificationQuery {
    /// A notification by id, or `null` when there is none the caller may read (its
    /// recipient and administrators may).
    async fn notification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notification's id.")] id: ID,
    ) -> Result<Option<Notification>> {
        let id = uuid_arg(&id, "id")?;
        Ok(inbox::by_id(db(ctx), &access(ctx), id)
            .await
            .extend()?
            .map(Notification))
    }
}
