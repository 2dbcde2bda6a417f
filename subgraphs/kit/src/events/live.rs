//! What a subgraph's subscriptions need from the bus: the events of a family as they are
//! published, filtered, ending with an error the client can act on when the subscriber
//! fell too far behind ([`Bus::tap`]).

use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions};
use futures_util::{Stream, stream};
use tokio::sync::broadcast::error::RecvError;

use super::{Bus, Envelope, Family};
use crate::ErrorCode;

/// The bus, as schema data for subscriptions.
#[derive(Clone, Debug)]
pub struct Live(pub Bus);

/// A `SERVICE_UNAVAILABLE` error saying `why`.
fn unavailable(why: &str) -> async_graphql::Error {
    async_graphql::Error::new(why).extend_with(|_, e| {
        e.set("code", ErrorCode::ServiceUnavailable.as_str());
    })
}

/// The bus from a resolver's context; `SERVICE_UNAVAILABLE` when this replica has none.
pub fn live<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Live> {
    ctx.data_opt::<Live>()
        .ok_or_else(|| unavailable("live updates are not configured on this replica"))
}

/// The events of `family` published from now on for which `keep` holds. A subscriber
/// more than the tap's buffer behind gets one `SERVICE_UNAVAILABLE` error saying how many
/// it missed, and the stream ends (it should subscribe again).
pub async fn events<F>(
    live: &Live,
    family: Family,
    keep: F,
) -> impl Stream<Item = async_graphql::Result<Arc<Envelope>>> + use<F>
where
    F: Fn(&Envelope) -> bool + Send + Sync + 'static,
{
    let rx = live.0.tap(family).await;
    stream::unfold(Some((rx, keep)), |state| async move {
        let (mut rx, keep) = state?;
        loop {
            match rx.recv().await {
                Ok(event) if keep(&event) => return Some((Ok(event), Some((rx, keep)))),
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    let why = format!(
                        "this subscription fell {missed} events behind and missed some: subscribe again"
                    );
                    return Some((Err(unavailable(&why)), None));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}
