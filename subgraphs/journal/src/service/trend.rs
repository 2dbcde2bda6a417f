//! Mood and energy per day of the author's own calendar, averaged by the database.
//!
//! Days are local to the author's time zone (which the users subgraph owns; the router
//! hands it over through `@requires`). SQLite has no time zone database, so the day
//! boundaries are computed here — each local midnight as a UTC instant, exact across
//! daylight-saving changes and half-hour offsets — and the database sorts entries into
//! them with one `CASE` and averages per day with `GROUP BY`, in one statement for any
//! number of authors.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ConnectionTrait, FromQueryResult,
    sea_query::{CaseStatement, Expr, ExprTrait, Order, Query},
};
use tessera_kit::error::ServiceError;
use uuid::Uuid;

use crate::{entity::entry, service::access::Visibility};

/// The longest trend, in days.
pub const DAYS_MAX: u32 = 92;

/// What a trend covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrendArgs {
    /// Whose entries count.
    pub visibility: Visibility,
    /// IANA time zone of the days.
    pub timezone: Tz,
    /// The last day (usually today, in that zone).
    pub last_day: NaiveDate,
    /// How many days, ending with `last_day`.
    pub days: u32,
}

/// One day with entries.
#[derive(Debug, Clone, PartialEq)]
pub struct MoodDay {
    /// The local date.
    pub date: NaiveDate,
    /// Mean mood (1–5).
    pub average_mood: f64,
    /// Mean energy (1–5).
    pub average_energy: f64,
    /// Entries that day.
    pub entries: i64,
}

/// The UTC instant of each local midnight from `first` on, `days + 1` of them. A
/// midnight skipped by a daylight-saving jump becomes the first instant after it.
pub fn day_starts(tz: Tz, first: NaiveDate, days: u32) -> Vec<DateTime<Utc>> {
    (0..=days)
        .map(|d| {
            let date = first + Duration::days(i64::from(d));
            let mut local = date.and_time(NaiveTime::MIN);
            loop {
                if let Some(t) = tz.from_local_datetime(&local).earliest() {
                    return t.with_timezone(&Utc);
                }
                local += Duration::minutes(15);
            }
        })
        .collect()
}

#[derive(Debug, FromQueryResult)]
struct DayRow {
    author_id: Uuid,
    day: i32,
    average_mood: f64,
    average_energy: f64,
    entries: i64,
}

/// The days with entries of each of `authors`, oldest first.
pub async fn trend_of(
    db: &impl ConnectionTrait,
    authors: &[Uuid],
    args: &TrendArgs,
) -> Result<HashMap<Uuid, Vec<MoodDay>>, ServiceError> {
    let first = args.last_day - Duration::days(i64::from(args.days) - 1);
    let starts = day_starts(args.timezone, first, args.days);
    let created = || Expr::col(entry::Column::CreatedAt);
    let mut day = CaseStatement::new();
    for (i, end) in (0i32..).zip(starts.iter().skip(1)) {
        day = day.case(created().lt(*end), Expr::val(i));
    }
    let day = day.finally(Expr::val(-1i32));
    let mut query = Query::select();
    query
        .column(entry::Column::AuthorId)
        .expr_as(day, "day")
        .expr_as(
            Expr::cust("CAST(AVG(\"mood\") AS DOUBLE PRECISION)"),
            "average_mood",
        )
        .expr_as(
            Expr::cust("CAST(AVG(\"energy\") AS DOUBLE PRECISION)"),
            "average_energy",
        )
        .expr_as(Expr::col(entry::Column::Id).count(), "entries")
        .from(entry::Entity)
        .and_where(Expr::col(entry::Column::AuthorId).is_in(authors.iter().copied()))
        .and_where(Expr::col(entry::Column::DeletedAt).is_null())
        .and_where(created().gte(starts[0]))
        .and_where(created().lt(starts[starts.len() - 1]))
        .group_by_col(entry::Column::AuthorId)
        .add_group_by([Expr::cust("day")])
        .order_by("day", Order::Asc);
    if let Visibility::SharedWith(coach) = args.visibility {
        query.and_where(Expr::col(entry::Column::SharedWithCoachId).eq(coach));
    }
    let rows = DayRow::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<MoodDay>> = HashMap::new();
    for row in rows {
        out.entry(row.author_id).or_default().push(MoodDay {
            date: first + Duration::days(i64::from(row.day)),
            average_mood: row.average_mood,
            average_energy: row.average_energy,
            entries: row.entries,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_midnights_follow_the_zone_through_daylight_saving() {
        let tz: Tz = "Europe/Berlin".parse().expect("zone");
        let first = NaiveDate::from_ymd_opt(2026, 3, 28).expect("date");
        let starts: Vec<String> = day_starts(tz, first, 2)
            .iter()
            .map(|t| t.to_rfc3339())
            .collect();
        assert_eq!(
            starts,
            vec![
                "2026-03-27T23:00:00+00:00",
                "2026-03-28T23:00:00+00:00",
                "2026-03-29T22:00:00+00:00"
            ]
        );
        let kolkata: Tz = "Asia/Kolkata".parse().expect("zone");
        assert_eq!(
            day_starts(kolkata, first, 0)[0].to_rfc3339(),
            "2026-03-27T18:30:00+00:00"
        );
    }
}
