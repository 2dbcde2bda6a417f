//! A user's delivery settings: devices, preferences per kind and channel, quiet hours,
//! consent to channels, and the coaches they accept messages from.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveTime, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait, sea_query::OnConflict,
};
use tessera_kit::error::ServiceError;
use uuid::Uuid;

use crate::{
    entity::{
        coach_contact, consent, device,
        kinds::{Channel, NotificationKind, Platform},
        preference, quiet_hours,
    },
    service::{access::Access, validation},
};

/// Registers a push device for the caller. A token already registered moves to the
/// caller (a phone changed hands, or an app re-installed): one token, one owner.
pub async fn register_device(
    db: &impl ConnectionTrait,
    access: &Access,
    platform: Platform,
    token: &str,
    now: DateTime<Utc>,
) -> Result<device::Model, ServiceError> {
    let me = access.require()?;
    let token = validation::token(token)?;
    let row = device::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(me),
        platform: Set(platform),
        token: Set(token.clone()),
        created_at: Set(now.trunc_subsecs(6)),
    };
    device::Entity::insert(row)
        .on_conflict(
            OnConflict::column(device::Column::Token)
                .update_columns([device::Column::UserId, device::Column::Platform])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    device::Entity::find()
        .filter(device::Column::Token.eq(token))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::NotFound("the device vanished".to_owned()))
}

/// Removes one of the caller's devices; `false` when the token was not theirs.
pub async fn unregister_device(
    db: &impl ConnectionTrait,
    access: &Access,
    token: &str,
) -> Result<bool, ServiceError> {
    let me = access.require()?;
    let removed = device::Entity::delete_many()
        .filter(device::Column::UserId.eq(me))
        .filter(device::Column::Token.eq(token.trim()))
        .exec(db)
        .await?
        .rows_affected;
    Ok(removed > 0)
}

/// The devices of each of `users`, oldest first.
pub async fn devices_of(
    db: &impl ConnectionTrait,
    users: &[Uuid],
) -> Result<HashMap<Uuid, Vec<device::Model>>, ServiceError> {
    let rows = device::Entity::find()
        .filter(device::Column::UserId.is_in(users.iter().copied()))
        .order_by_asc(device::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<device::Model>> = HashMap::new();
    for row in rows {
        out.entry(row.user_id).or_default().push(row);
    }
    Ok(out)
}

/// One preference: whether `kind` may use `channel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preference {
    /// The kind.
    pub kind: NotificationKind,
    /// The channel.
    pub channel: Channel,
    /// Whether it is on.
    pub enabled: bool,
}

/// Sets the caller's preferences (others stay as they are), in one transaction.
pub async fn update_preferences<C>(
    db: &C,
    access: &Access,
    changes: &[Preference],
    now: DateTime<Utc>,
) -> Result<(), ServiceError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let me = access.require()?;
    if changes.is_empty() {
        return Ok(());
    }
    let now = now.trunc_subsecs(6);
    let txn = tessera_kit::db::begin_write(db).await?;
    let rows = changes.iter().map(|p| preference::ActiveModel {
        user_id: Set(me),
        kind: Set(p.kind),
        channel: Set(p.channel),
        enabled: Set(p.enabled),
        updated_at: Set(now),
    });
    preference::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                preference::Column::UserId,
                preference::Column::Kind,
                preference::Column::Channel,
            ])
            .update_columns([preference::Column::Enabled, preference::Column::UpdatedAt])
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The full kind × channel matrix of each of `users`, defaults filled in.
pub async fn preferences_of(
    db: &impl ConnectionTrait,
    users: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Preference>>, ServiceError> {
    let rows = preference::Entity::find()
        .filter(preference::Column::UserId.is_in(users.iter().copied()))
        .all(db)
        .await?;
    let mut set: HashMap<(Uuid, NotificationKind, Channel), bool> = HashMap::new();
    for row in rows {
        set.insert((row.user_id, row.kind, row.channel), row.enabled);
    }
    Ok(users
        .iter()
        .map(|user| {
            let matrix = NotificationKind::ALL
                .into_iter()
                .flat_map(|kind| Channel::ALL.into_iter().map(move |channel| (kind, channel)))
                .map(|(kind, channel)| Preference {
                    kind,
                    channel,
                    enabled: set
                        .get(&(*user, kind, channel))
                        .copied()
                        .unwrap_or(channel.default_enabled()),
                })
                .collect();
            (*user, matrix)
        })
        .collect())
}

/// Sets (or with `None`, clears) the caller's quiet hours: `HH:MM` to `HH:MM` in
/// `timezone`, which the delivery worker uses.
pub async fn set_quiet_hours(
    db: &impl ConnectionTrait,
    access: &Access,
    hours: Option<(&str, &str, &str)>,
    now: DateTime<Utc>,
) -> Result<Option<quiet_hours::Model>, ServiceError> {
    let me = access.require()?;
    let Some((start, end, timezone)) = hours else {
        quiet_hours::Entity::delete_by_id(me).exec(db).await?;
        return Ok(None);
    };
    let start = validation::clock("start", start)?;
    let end = validation::clock("end", end)?;
    if start == end {
        return Err(ServiceError::invalid(
            "end",
            "quiet hours must not start and end at the same time",
        ));
    }
    let timezone = validation::timezone(timezone)?;
    let row = quiet_hours::Model {
        user_id: me,
        start_minute: start,
        end_minute: end,
        timezone: timezone.name().to_owned(),
        updated_at: now.trunc_subsecs(6),
    };
    quiet_hours::Entity::insert(sea_orm::IntoActiveModel::into_active_model(row.clone()))
        .on_conflict(
            OnConflict::column(quiet_hours::Column::UserId)
                .update_columns([
                    quiet_hours::Column::StartMinute,
                    quiet_hours::Column::EndMinute,
                    quiet_hours::Column::Timezone,
                    quiet_hours::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(Some(row))
}

/// The quiet hours of each of `users` that set them.
pub async fn quiet_hours_of(
    db: &impl ConnectionTrait,
    users: &[Uuid],
) -> Result<HashMap<Uuid, quiet_hours::Model>, ServiceError> {
    Ok(quiet_hours::Entity::find()
        .filter(quiet_hours::Column::UserId.is_in(users.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.user_id, q))
        .collect())
}

/// When the quiet hours `(start, end)` (local minutes) that hold at `now` in `tz` end, or
/// `None` when `now` is outside them.
pub fn quiet_until(start: i32, end: i32, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let local = now.with_timezone(&tz);
    let minute = i32::try_from(
        local
            .time()
            .signed_duration_since(NaiveTime::MIN)
            .num_minutes(),
    )
    .unwrap_or(0);
    let today = local.date_naive();
    let end_on = |days: i64| {
        let date = today + Duration::days(days);
        let naive = date.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(end));
        // An end time inside a daylight-saving gap ends at the first instant after it.
        tz.from_local_datetime(&naive)
            .earliest()
            .or_else(|| {
                tz.from_local_datetime(&(naive + Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc))
    };
    if start < end {
        (start..end).contains(&minute).then(|| end_on(0)).flatten()
    } else if minute >= start {
        end_on(1)
    } else if minute < end {
        end_on(0)
    } else {
        None
    }
}

/// Records the caller's consent (or its withdrawal) to a channel, with its time.
pub async fn record_consent(
    db: &impl ConnectionTrait,
    access: &Access,
    channel: Channel,
    granted: bool,
    now: DateTime<Utc>,
) -> Result<consent::Model, ServiceError> {
    let me = access.require()?;
    let row = consent::Model {
        id: Uuid::now_v7(),
        user_id: me,
        channel,
        granted,
        recorded_at: now.trunc_subsecs(6),
    };
    consent::Entity::insert(sea_orm::IntoActiveModel::into_active_model(row.clone()))
        .exec_without_returning(db)
        .await?;
    Ok(row)
}

/// The current consent (latest record) per channel of each of `users`.
pub async fn consents_of(
    db: &impl ConnectionTrait,
    users: &[Uuid],
) -> Result<HashMap<Uuid, Vec<consent::Model>>, ServiceError> {
    let rows = consent::Entity::find()
        .filter(consent::Column::UserId.is_in(users.iter().copied()))
        .order_by_asc(consent::Column::Id)
        .all(db)
        .await?;
    let mut latest: HashMap<(Uuid, Channel), consent::Model> = HashMap::new();
    for row in rows {
        latest.insert((row.user_id, row.channel), row);
    }
    let mut out: HashMap<Uuid, Vec<consent::Model>> = HashMap::new();
    for ((user, _), row) in latest {
        out.entry(user).or_default().push(row);
    }
    for rows in out.values_mut() {
        rows.sort_by_key(|c| Channel::ALL.iter().position(|ch| *ch == c.channel));
    }
    Ok(out)
}

/// The caller (an athlete) accepts, or stops accepting, messages from `coach`.
pub async fn allow_coach(
    db: &impl ConnectionTrait,
    access: &Access,
    coach: Uuid,
    allowed: bool,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let me = access.require()?;
    if coach == me {
        return Err(ServiceError::invalid(
            "coachId",
            "you cannot be your own coach here",
        ));
    }
    if allowed {
        coach_contact::Entity::insert(coach_contact::ActiveModel {
            athlete_id: Set(me),
            coach_id: Set(coach),
            created_at: Set(now.trunc_subsecs(6)),
        })
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await?;
    } else {
        coach_contact::Entity::delete_by_id((me, coach))
            .exec(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn quiet_hours_hold_across_midnight_in_the_users_zone() {
        let utc = Tz::UTC;
        // 22:00–07:00.
        assert_eq!(
            quiet_until(22 * 60, 7 * 60, utc, at(23, 0)),
            Some(at(7, 0) + Duration::days(1))
        );
        assert_eq!(quiet_until(22 * 60, 7 * 60, utc, at(6, 59)), Some(at(7, 0)));
        assert_eq!(quiet_until(22 * 60, 7 * 60, utc, at(7, 0)), None);
        assert_eq!(quiet_until(22 * 60, 7 * 60, utc, at(12, 0)), None);
        // 13:00–14:00, same day.
        assert_eq!(
            quiet_until(13 * 60, 14 * 60, utc, at(13, 30)),
            Some(at(14, 0))
        );
        // 12:00 UTC is 21:00 in Seoul: inside 20:00–08:00 there.
        let seoul: Tz = "Asia/Seoul".parse().expect("zone");
        assert_eq!(
            quiet_until(20 * 60, 8 * 60, seoul, at(12, 0)),
            Some(at(23, 0)),
            "08:00 Seoul is 23:00 UTC"
        );
    }
}
