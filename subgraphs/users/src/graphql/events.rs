//! What the events between domains show people: an erasure receipt, and the dead
//! letters administrators see and replay.

use async_graphql::{Context, ErrorExtensions, ID, Object, Result, ResultExt, SimpleObject};
use chrono::{DateTime, Utc};
use tessera_kit::{error::ServiceError, events::entity::dead_letter};

use crate::{
    entity::erasure::receipt,
    graphql::context::{access, db, uuid_arg},
    service::{
        coaching, dead_letters,
        erasure::{self, Receipt},
    },
};

/// How far a deleted account's erasure has gone: each domain holding personal data
/// confirms when it erased (or pseudonymised) the person's rows.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ErasureReceipt {
    /// The account.
    pub user_id: ID,
    /// When its owner deleted it.
    pub requested_at: DateTime<Utc>,
    /// The domains that confirmed.
    pub confirmed: Vec<ErasureConfirmation>,
    /// The domains that have not confirmed yet (one that was down catches up when it
    /// returns).
    pub pending: Vec<String>,
}

#[async_graphql::ComplexObject]
impl ErasureReceipt {
    /// Whether every domain confirmed.
    async fn complete(&self) -> bool {
        self.pending.is_empty()
    }
}

/// One domain's confirmation.
#[derive(SimpleObject)]
pub struct ErasureConfirmation {
    /// The domain: `users`, `workouts`, `notifications`, `journal` or `codex`.
    pub domain: String,
    /// When its erasure committed.
    pub confirmed_at: DateTime<Utc>,
    /// What it erased, by kind of row.
    pub erased: Vec<ErasedRows>,
}

/// A count of rows erased.
#[derive(SimpleObject)]
pub struct ErasedRows {
    /// The kind of row, e.g. `workouts`, `entries`.
    pub what: String,
    /// How many.
    pub count: i64,
}

impl From<Receipt> for ErasureReceipt {
    fn from(receipt: Receipt) -> Self {
        Self {
            user_id: ID(receipt.user_id.to_string()),
            requested_at: receipt.requested_at,
            confirmed: receipt.confirmed.into_iter().map(Into::into).collect(),
            pending: receipt.pending.into_iter().map(str::to_owned).collect(),
        }
    }
}

impl From<receipt::Model> for ErasureConfirmation {
    fn from(row: receipt::Model) -> Self {
        let erased: std::collections::BTreeMap<String, i64> =
            serde_json::from_str(&row.detail).unwrap_or_default();
        Self {
            domain: row.domain,
            confirmed_at: row.confirmed_at,
            erased: erased
                .into_iter()
                .map(|(what, count)| ErasedRows { what, count })
                .collect(),
        }
    }
}

/// An event a consuming domain could not take, parked until an administrator replays it.
pub struct EventDeadLetter(pub dead_letter::Model);

/// An event a domain's handler refused or kept failing on: parked with the reason.
#[Object(directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
impl EventDeadLetter {
    /// The dead letter's id (for `replayDeadLetter`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The consuming domain that parked it.
    async fn consumer(&self) -> &str {
        &self.0.consumer
    }

    /// The event's id.
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }

    /// The event's kind, e.g. `account.deleted`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }

    /// The event as it arrived (JSON text: id, kind, version, payload …).
    async fn event(&self) -> &str {
        &self.0.envelope
    }

    /// Why it was parked.
    async fn error(&self) -> &str {
        &self.0.error
    }

    /// Attempts made before it was parked.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    /// When it was parked.
    async fn dead_at(&self) -> DateTime<Utc> {
        self.0.dead_at
    }

    /// When an administrator last asked for it to be taken again.
    async fn replay_requested_at(&self) -> Option<DateTime<Utc>> {
        self.0.replay_requested_at
    }

    /// When a replay was taken; `null` while it is still parked.
    async fn replayed_at(&self) -> Option<DateTime<Utc>> {
        self.0.replayed_at
    }

    /// Why the last replay failed too, if it did.
    async fn replay_error(&self) -> Option<&str> {
        self.0.replay_error.as_deref()
    }
}

/// Root fields of the events between domains.
#[derive(Default)]
pub struct EventsQuery;

#[Object]
impl EventsQuery {
    /// A deleted account's erasure receipt: with the `token` its owner was given by
    /// `deleteAccount` (no sign-in needed, until the account is purged), or by `userId`
    /// for administrators. `null` when there is none.
    async fn erasure_receipt(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The receipt token `deleteAccount` answered with.")] token: Option<String>,
        #[graphql(desc = "The account (administrators).")] user_id: Option<ID>,
    ) -> Result<Option<ErasureReceipt>> {
        let found = match (token, user_id) {
            (Some(token), None) => erasure::by_token(db(ctx), &token).await.extend()?,
            (None, Some(user_id)) => {
                let id = uuid_arg(&user_id, "userId")?;
                let access = access(ctx).await?;
                access.require().extend()?;
                if !access.is_admin() {
                    return Err(ServiceError::Forbidden(
                        "only administrators may read another person's erasure receipt".to_owned(),
                    )
                    .extend());
                }
                erasure::of_user(db(ctx), id).await.extend()?
            }
            _ => {
                return Err(
                    ServiceError::invalid("token", "give either `token` or `userId`").extend(),
                );
            }
        };
        Ok(found.map(Into::into))
    }

    /// Events the domains could not take, newest first (administrators with the
    /// `users:admin` scope only).
    #[graphql(requires_scopes = "users:admin")]
    async fn event_dead_letters(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this consuming domain's.")] consumer: Option<String>,
        #[graphql(desc = "Only those still parked.", default = true)] open: bool,
        #[graphql(desc = "How many (1 to 500).", default = 50)] first: i32,
    ) -> Result<Vec<EventDeadLetter>> {
        let access = access(ctx).await?;
        let filter = dead_letters::Filter {
            consumer,
            open_only: open,
            first: u64::try_from(first).unwrap_or(0),
        };
        Ok(dead_letters::list(db(ctx), access, &filter)
            .await
            .extend()?
            .into_iter()
            .map(EventDeadLetter)
            .collect())
    }
}

/// Mutations of coaching links and dead letters.
#[derive(Default)]
pub struct EventsMutation;

#[Object]
impl EventsMutation {
    /// Links a coach to an athlete (administrators; the `users:admin` scope). The coach
    /// must hold the `COACH` role; linking twice changes nothing. The coach's next access
    /// token names the athlete.
    #[graphql(requires_scopes = "users:admin")]
    async fn link_coach(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The coach.")] coach_id: ID,
        #[graphql(desc = "The athlete.")] athlete_id: ID,
    ) -> Result<bool> {
        let access = access(ctx).await?;
        let (coach, athlete) = (
            uuid_arg(&coach_id, "coachId")?,
            uuid_arg(&athlete_id, "athleteId")?,
        );
        access.require().extend()?;
        if !access.is_admin() {
            return Err(
                ServiceError::Forbidden("only administrators may link coaches".to_owned()).extend(),
            );
        }
        coaching::link(db(ctx), coach, athlete, Utc::now())
            .await
            .extend()?;
        tessera_kit::cache::changed_id(ctx, "User", athlete);
        Ok(true)
    }

    /// Ends a coaching link: the athlete, the coach or an administrator may. Every domain
    /// stops honouring it at once (the coach's access token may still name the athlete
    /// until it expires; it no longer counts). Whether there was a link.
    #[graphql(directive = tessera_kit::directives::authenticated::apply())]
    async fn unlink_coach(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The coach.")] coach_id: ID,
        #[graphql(desc = "The athlete.")] athlete_id: ID,
    ) -> Result<bool> {
        let access = access(ctx).await?;
        let (coach, athlete) = (
            uuid_arg(&coach_id, "coachId")?,
            uuid_arg(&athlete_id, "athleteId")?,
        );
        access.require().extend()?;
        if !(access.is_admin() || access.is(coach) || access.is(athlete)) {
            return Err(ServiceError::Forbidden(
                "only the athlete, the coach or an administrator may end a coaching link"
                    .to_owned(),
            )
            .extend());
        }
        let ended = coaching::unlink(db(ctx), coach, athlete, Utc::now())
            .await
            .extend()?;
        tessera_kit::cache::changed_id(ctx, "User", athlete);
        Ok(ended)
    }

    /// Asks the domain holding a dead letter to take it again (administrators with the
    /// `users:admin` scope). `replayedAt` is set when it did; `replayError` says why it
    /// failed again. `CONFLICT` when it was taken already.
    #[graphql(requires_scopes = "users:admin")]
    async fn replay_dead_letter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The dead letter.")] id: ID,
    ) -> Result<EventDeadLetter> {
        let access = access(ctx).await?;
        let id = uuid_arg(&id, "id")?;
        let row = dead_letters::request_replay(db(ctx), access, id, Utc::now())
            .await
            .extend()?;
        Ok(EventDeadLetter(row))
    }
}
