//! Live updates of the caller's inbox: a notification as it arrives, the unread count as
//! it changes. They follow the inbox's events (`notification.created`,
//! `notifications.read`), which are published only once their transaction committed, to
//! every replica (Redis Streams, or in process): a subscriber on any replica sees a
//! notification written on any other.

use async_graphql::{Context, ErrorExtensions, Result, Subscription};
use futures_util::{Stream, StreamExt, stream};
use sea_orm::{DatabaseConnection, EntityTrait};
use tessera_kit::{
    error::ServiceError,
    events::{
        Event, Family,
        catalogue::NotificationCreated,
        live::{events, live},
    },
};

use crate::{
    entity::notification,
    graphql::{
        context::{access, db},
        types::Notification,
    },
    service::inbox,
};

pub use tessera_kit::events::live::Live;

/// The root subscription type of the notifications subgraph.
#[derive(Default)]
pub struct NotificationSubscription;

/// Live updates, pushed as they happen (over WebSocket, multipart HTTP or server-sent
/// events at the router).
#[Subscription(name = "Subscription")]
impl NotificationSubscription {
    /// The caller's notifications as they arrive in their inbox (once written for good).
    async fn notification_added(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<Notification>>> {
        let me = access(ctx).require().map_err(|e| e.extend())?.to_string();
        let db: DatabaseConnection = db(ctx).clone();
        let arrived = events(live(ctx)?, Family::Inbox, move |e| {
            e.kind == NotificationCreated::KIND && e.aggregate == me
        })
        .await;
        Ok(arrived.filter_map(move |event| {
            let db = db.clone();
            async move {
                let created = match event {
                    Ok(event) => event.decode::<NotificationCreated>().ok()?,
                    Err(lagged) => return Some(Err(lagged)),
                };
                match notification::Entity::find_by_id(created.notification_id)
                    .one(&db)
                    .await
                {
                    Ok(row) => row.map(|row| Ok(Notification(row))),
                    Err(err) => Some(Err(ServiceError::from(err).extend())),
                }
            }
        }))
    }

    /// The caller's count of unread notifications: now, then each time it changes.
    async fn unread_notification_count(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<i64>>> {
        let me = access(ctx).require().map_err(|e| e.extend())?;
        let db: DatabaseConnection = db(ctx).clone();
        let mine = me.to_string();
        let changes = events(live(ctx)?, Family::Inbox, move |e| e.aggregate == mine).await;
        let count = move |db: DatabaseConnection| async move {
            inbox::unread_counts(&db, &[me])
                .await
                .map(|counts| counts.get(&me).copied().unwrap_or(0))
                .map_err(|e| e.extend())
        };
        let now = stream::once(count(db.clone()));
        Ok(now.chain(changes.then(move |change| {
            let db = db.clone();
            async move {
                change?;
                count(db).await
            }
        })))
    }
}
