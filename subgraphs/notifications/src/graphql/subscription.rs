//! Live updates of the caller's inbox: a notification as it arrives, the unread count as
//! it changes. They follow the inbox's events (`notification.created`,
//! `notifications.read`), which are published only once their transaction committed, to
//! every replica (Redis Streams, or in process): a subscriber on any replica sees a
//! notification written on any other.

use async_graphql::{Context, ErrorExtensions, Result, Subscription};
use futures_util::{Stream, stream};
use sea_orm::{DatabaseConnection, EntityTrait};
use tessera_kit::{
    error::ServiceError,
    events::{Bus, Envelope, Event, Family, catalogue::NotificationCreated},
};
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

use crate::{
    entity::notification,
    graphql::{
        context::{access, db},
        types::Notification,
    },
    service::inbox,
};

/// What the subscriptions listen to: the bus of the events between domains.
#[derive(Clone)]
pub struct Live(pub Bus);

/// The root subscription type of the notifications subgraph.
#[derive(Default)]
pub struct NotificationSubscription;

fn live<'a>(ctx: &Context<'a>) -> Result<&'a Live> {
    ctx.data_opt::<Live>()
        .ok_or_else(|| unavailable("live updates are not configured on this replica"))
}

/// A `SERVICE_UNAVAILABLE` error saying `why`.
fn unavailable(why: &str) -> async_graphql::Error {
    async_graphql::Error::new(why).extend_with(|_, e| {
        e.set("code", tessera_kit::ErrorCode::ServiceUnavailable.as_str());
    })
}

/// The next inbox event of `me`, skipping everyone else's; `Err` with a message when the
/// subscriber fell too far behind (it should subscribe again) or the bus closed.
async fn next_of(
    rx: &mut broadcast::Receiver<std::sync::Arc<Envelope>>,
    me: Uuid,
) -> Option<Result<std::sync::Arc<Envelope>, String>> {
    loop {
        match rx.recv().await {
            Ok(event) if event.aggregate == me.to_string() => return Some(Ok(event)),
            Ok(_) => {}
            Err(RecvError::Lagged(missed)) => {
                return Some(Err(format!(
                    "this subscription fell {missed} events behind and missed some: subscribe again"
                )));
            }
            Err(RecvError::Closed) => return None,
        }
    }
}

#[Subscription]
impl NotificationSubscription {
    /// The caller's notifications as they arrive in their inbox (once written for good).
    async fn notification_added(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<Notification>>> {
        let me = access(ctx).require().map_err(|e| e.extend())?;
        let rx = live(ctx)?.0.tap(Family::Inbox).await;
        let db: DatabaseConnection = db(ctx).clone();
        Ok(stream::unfold(Some((rx, db)), move |state| async move {
            let (mut rx, db) = state?;
            loop {
                match next_of(&mut rx, me).await? {
                    Err(why) => {
                        return Some((Err(unavailable(&why)), None));
                    }
                    Ok(event) if event.kind == NotificationCreated::KIND => {
                        let Ok(created) = event.decode::<NotificationCreated>() else {
                            continue;
                        };
                        let found = notification::Entity::find_by_id(created.notification_id)
                            .one(&db)
                            .await;
                        match found {
                            Ok(Some(row)) => return Some((Ok(Notification(row)), Some((rx, db)))),
                            Ok(None) => {}
                            Err(err) => {
                                return Some((
                                    Err(ServiceError::from(err).extend()),
                                    Some((rx, db)),
                                ));
                            }
                        }
                    }
                    Ok(_) => {}
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
        let rx = live(ctx)?.0.tap(Family::Inbox).await;
        let db: DatabaseConnection = db(ctx).clone();
        let count = move |db: DatabaseConnection| async move {
            inbox::unread_counts(&db, &[me])
                .await
                .map(|counts| counts.get(&me).copied().unwrap_or(0))
                .map_err(|e| e.extend())
        };
        Ok(stream::unfold(
            Some((rx, db, true)),
            move |state| async move {
                let (mut rx, db, first) = state?;
                if !first {
                    match next_of(&mut rx, me).await? {
                        Ok(_) => {}
                        Err(why) => {
                            return Some((Err(unavailable(&why)), None));
                        }
                    }
                }
                let now = count(db.clone()).await;
                Some((now, Some((rx, db, false))))
            },
        ))
    }
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Live").field(&self.0).finish()
    }
}
