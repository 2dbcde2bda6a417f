//! `User`, the users domain's entity, extended with the journal. This subgraph knows the
//! id, and — when the router asks for the mood trend — the time zone, which it fetches
//! from the users subgraph first (`timezone @external`, `moodTrend @requires`).

use async_graphql::{Context, ID, Object, Result, ResultExt, SimpleObject};
use chrono_tz::Tz;
use tessera_kit::{error::ServiceError, pagination::PageArgs};
use uuid::Uuid;

use crate::{
    graphql::{
        context::{access, loaders, now},
        entry::{JournalEntry, JournalEntryConnection},
        inputs::JournalEntryFilter,
    },
    service::trend::{DAYS_MAX, TrendArgs},
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

/// A person on the platform (owned by the users subgraph). Here: their journal.
#[Object]
impl User {
    /// Stable identifier (a UUIDv7), the same in every domain.
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// IANA time zone, owned by the users subgraph; the journal needs it to cut the mood
    /// trend into the user's own days.
    #[graphql(external)]
    async fn timezone(&self) -> &str {
        self.timezone.as_deref().unwrap_or("UTC")
    }

    /// The user's journal entries, oldest first: all of them for the author; those
    /// shared with the caller for the author's coach; nothing for anyone else
    /// (`FORBIDDEN`). At most 100 per page.
    #[graphql(directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn journal_entries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions every returned entry meets.")] filter: Option<
            JournalEntryFilter,
        >,
        #[graphql(desc = "Items after this cursor.")] after: Option<String>,
        #[graphql(desc = "Items before this cursor.")] before: Option<String>,
        #[graphql(desc = "How many from the start (at most 100).")] first: Option<i32>,
        #[graphql(desc = "How many from the end (at most 100).")] last: Option<i32>,
    ) -> Result<Option<JournalEntryConnection>> {
        let visibility = access(ctx).visibility_of(self.id).extend()?;
        let filter = filter
            .map(JournalEntryFilter::into_filter)
            .unwrap_or_default()
            .checked()
            .extend()?;
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .page()
        .extend()?;
        let rows = loaders(ctx)
            .entry_pages
            .load_one((self.id, (filter, visibility, page.clone())))
            .await
            .extend()?
            .unwrap_or_default();
        Ok(Some(page.connection(rows, |e| e.id, JournalEntry).into()))
    }

    /// Mood and energy per day over the last `days` days of the user's own calendar
    /// (their time zone), days without entries left out; over the entries the caller may
    /// read, with the same rules as `journalEntries`.
    #[graphql(requires = "timezone", directive = tessera_kit::directives::cache_control::apply(Some(0), Some(tessera_kit::directives::CacheScope::Private), None))]
    async fn mood_trend(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many days, ending today (1–92).", default = 30)] days: i32,
    ) -> Result<Option<Vec<MoodDay>>> {
        let visibility = access(ctx).visibility_of(self.id).extend()?;
        let days = u32::try_from(days)
            .ok()
            .filter(|d| (1..=DAYS_MAX).contains(d))
            .ok_or_else(|| {
                ServiceError::invalid("days", format!("days must be between 1 and {DAYS_MAX}"))
            })
            .extend()?;
        // The users subgraph validates zones; an unknown one here means a stale value.
        let timezone: Tz = self
            .timezone
            .as_deref()
            .and_then(|tz| tz.parse().ok())
            .unwrap_or(Tz::UTC);
        let args = TrendArgs {
            visibility,
            timezone,
            last_day: now(ctx).with_timezone(&timezone).date_naive(),
            days,
        };
        let trend = loaders(ctx)
            .trends
            .load_one((self.id, args))
            .await
            .extend()?
            .unwrap_or_default();
        Ok(Some(
            trend
                .into_iter()
                .map(|d| MoodDay {
                    date: d.date.format("%Y-%m-%d").to_string(),
                    average_mood: d.average_mood,
                    average_energy: d.average_energy,
                    entries: d.entries,
                })
                .collect(),
        ))
    }
}

/// One day of the mood trend.
#[derive(SimpleObject)]
pub struct MoodDay {
    /// The day in the user's time zone, `YYYY-MM-DD`.
    pub date: String,
    /// Mean mood that day, from 1 (awful) to 5 (great).
    pub average_mood: f64,
    /// Mean energy that day, from 1 to 5.
    pub average_energy: f64,
    /// How many entries were written that day.
    pub entries: i64,
}
