//! Accounts: sign up, profile changes, deletion (GDPR: hidden at once, purged after a
//! retention window) and the export of everything this subgraph holds about the caller.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait,
    sea_query::{ExprTrait, Query},
};
use tessera_kit::error::ServiceError;
use uuid::Uuid;

use crate::{
    entity::{
        coach_athlete, credential, refresh_token,
        user::{self, Role, Roles, SubscriptionTier},
    },
    service::{
        access::Access,
        audit::{self, Event, actions},
        coaching, erasure, validation,
    },
};
use tessera_kit::events::{catalogue::CoachingUnlinked, outbox};

/// What a new user tells us about themselves.
#[derive(Debug, Clone)]
pub struct SignUp {
    /// Wanted handle.
    pub handle: String,
    /// Name shown to others.
    pub display_name: String,
    /// Contact address.
    pub email: String,
    /// IANA time zone; `UTC` when absent.
    pub timezone: Option<String>,
    /// Athlete or coach; the other roles are granted, never chosen.
    pub role: Role,
    /// Optional picture.
    pub avatar_url: Option<String>,
}

/// Creates an account. Every field is checked, and a taken handle or email is reported
/// on its field.
pub async fn sign_up(
    db: &impl ConnectionTrait,
    input: SignUp,
    now: DateTime<Utc>,
) -> Result<user::Model, ServiceError> {
    let now = now.trunc_subsecs(6);
    let handle = validation::handle(&input.handle)?;
    let display_name = validation::display_name(&input.display_name)?;
    let email = validation::email(&input.email)?;
    let timezone = validation::timezone(input.timezone.as_deref().unwrap_or("UTC"))?;
    let avatar_url = input
        .avatar_url
        .as_deref()
        .map(validation::avatar_url)
        .transpose()?;
    if !matches!(input.role, Role::Athlete | Role::Coach) {
        return Err(ServiceError::invalid(
            "role",
            "you can sign up as an athlete or a coach",
        ));
    }
    ensure_handle_free(db, &handle, None).await?;
    if user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(db)
        .await?
        .is_some()
    {
        return Err(ServiceError::invalid(
            "email",
            "an account with this email already exists",
        ));
    }
    let row = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        handle: Set(handle),
        display_name: Set(display_name),
        email: Set(email),
        roles: Set(Roles::of(&[input.role]).0),
        subscription_tier: Set(SubscriptionTier::Free),
        timezone: Set(timezone),
        avatar_url: Set(avatar_url),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
        purge_after: Set(None),
    };
    row.insert(db).await.map_err(unique_on_field)
}

/// Profile fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    /// New handle.
    pub handle: Option<String>,
    /// New display name.
    pub display_name: Option<String>,
    /// New time zone.
    pub timezone: Option<String>,
    /// New avatar (`Some(None)` removes it).
    pub avatar_url: Option<Option<String>>,
}

/// Changes the caller's own profile.
pub async fn update_profile(
    db: &impl ConnectionTrait,
    access: &Access,
    input: ProfileUpdate,
    now: DateTime<Utc>,
) -> Result<user::Model, ServiceError> {
    let me = access.require()?.clone();
    let mut row: user::ActiveModel = me.clone().into();
    if let Some(handle) = &input.handle {
        let handle = validation::handle(handle)?;
        if handle != me.handle {
            ensure_handle_free(db, &handle, Some(me.id)).await?;
            row.handle = Set(handle);
        }
    }
    if let Some(name) = &input.display_name {
        row.display_name = Set(validation::display_name(name)?);
    }
    if let Some(timezone) = &input.timezone {
        row.timezone = Set(validation::timezone(timezone)?);
    }
    if let Some(avatar) = &input.avatar_url {
        row.avatar_url = Set(avatar.as_deref().map(validation::avatar_url).transpose()?);
    }
    row.updated_at = Set(now.trunc_subsecs(6));
    row.update(db).await.map_err(unique_on_field)
}

/// Replaces the roles of `user_id` (administrators only). At least one role; an
/// administrator cannot drop their own `ADMIN` role (someone must be left to grant it
/// back). The change reaches access tokens at their next refresh.
pub async fn set_roles<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    access: &Access,
    user_id: Uuid,
    roles: &[Role],
    now: DateTime<Utc>,
) -> Result<user::Model, ServiceError> {
    let me = access.require()?;
    if !access.is_admin() {
        return Err(ServiceError::Forbidden(
            "only administrators may change roles".to_owned(),
        ));
    }
    if roles.is_empty() {
        return Err(ServiceError::invalid(
            "roles",
            "a user holds at least one role",
        ));
    }
    if me.id == user_id && !roles.contains(&Role::Admin) {
        return Err(ServiceError::invalid(
            "roles",
            "you cannot remove your own administrator role",
        ));
    }
    let row = user::Entity::find_by_id(user_id)
        .filter(user::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::NotFound("no such user".to_owned()))?;
    let before = role_names(row.roles());
    let mut row: user::ActiveModel = row.into();
    row.roles = Set(Roles::of(roles).0);
    row.updated_at = Set(now.trunc_subsecs(6));
    let txn = tessera_kit::db::begin_write(db).await?;
    let row = row.update(&txn).await?;
    let event = Event::new(actions::ROLES_CHANGED)
        .by(me.id)
        .on(user_id)
        .with(serde_json::json!({ "from": before, "to": role_names(row.roles()) }));
    audit::append(&txn, event, now).await?;
    txn.commit().await?;
    Ok(row)
}

/// The roles' names, as the audit log records them.
fn role_names(roles: Roles) -> Vec<String> {
    roles
        .to_vec()
        .iter()
        .map(|r| format!("{r:?}").to_uppercase())
        .collect()
}

/// Deletes the caller's account: hidden from every query at once, purged for good after
/// `retention`; every domain is told to erase the person's data ([`erasure`]). Returns
/// the account with its purge time, and the token that reads the erasure receipt.
pub async fn delete_account<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    access: &Access,
    now: DateTime<Utc>,
    retention: Duration,
) -> Result<(user::Model, String), ServiceError> {
    let me = access.require()?.clone();
    let now = now.trunc_subsecs(6);
    let mut row: user::ActiveModel = me.into();
    row.deleted_at = Set(Some(now));
    row.purge_after = Set(Some(now + retention));
    row.updated_at = Set(now);
    let txn = tessera_kit::db::begin_write(db).await?;
    let row = row.update(&txn).await?;
    let event = Event::new(actions::ACCOUNT_DELETED)
        .by(row.id)
        .on(row.id)
        .with(serde_json::json!({ "purge_after": row.purge_after }));
    audit::append(&txn, event, now).await?;
    let receipt_token = erasure::request(&txn, row.id, now).await?;
    txn.commit().await?;
    Ok((row, receipt_token))
}

/// Removes, for good, every account whose retention ended by `now`, with its links.
/// Returns how many accounts were purged.
pub async fn purge_deleted<C>(db: &C, now: DateTime<Utc>) -> Result<u64, ServiceError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let txn = tessera_kit::db::begin_write(db).await?;
    let expired = Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(user::Column::PurgeAfter.lte(now))
        .to_owned();
    // Explicit rather than relying on ON DELETE CASCADE, which SQLite enforces only
    // when its foreign_keys pragma is on. Each link removed is announced as ended.
    let ended = coach_athlete::Entity::find()
        .filter(
            coach_athlete::Column::CoachId
                .in_subquery(expired.clone())
                .or(coach_athlete::Column::AthleteId.in_subquery(expired.clone())),
        )
        .all(&txn)
        .await?;
    for link in &ended {
        let unlinked = CoachingUnlinked {
            coach_id: link.coach_id,
            athlete_id: link.athlete_id,
        };
        outbox::append(&txn, erasure::PRODUCER, &unlinked, now).await?;
    }
    let purged_ids: Vec<Uuid> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::PurgeAfter.lte(now))
        .into_tuple()
        .all(&txn)
        .await?;
    erasure::forget_requests(&txn, &purged_ids).await?;
    coach_athlete::Entity::delete_many()
        .filter(
            coach_athlete::Column::CoachId
                .in_subquery(expired.clone())
                .or(coach_athlete::Column::AthleteId.in_subquery(expired.clone())),
        )
        .exec(&txn)
        .await?;
    credential::Entity::delete_many()
        .filter(credential::Column::UserId.in_subquery(expired.clone()))
        .exec(&txn)
        .await?;
    refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::UserId.in_subquery(expired))
        .exec(&txn)
        .await?;
    let purged = user::Entity::delete_many()
        .filter(user::Column::PurgeAfter.lte(now))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(purged)
}

/// One coach–athlete link in an export, seen from the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedLink {
    /// The other person.
    pub user_id: Uuid,
    /// Since when.
    pub since: DateTime<Utc>,
}

/// Everything the users subgraph holds about one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// The account row, private fields included.
    pub profile: user::Model,
    /// The caller's coaches.
    pub coaches: Vec<ExportedLink>,
    /// The caller's athletes.
    pub athletes: Vec<ExportedLink>,
    /// The API keys issued to the caller (their records; no key is kept).
    pub api_keys: Vec<crate::entity::api_key::Model>,
}

/// The caller's own data (GDPR Art. 15/20).
pub async fn export(
    db: &impl ConnectionTrait,
    access: &Access,
    now: DateTime<Utc>,
) -> Result<Export, ServiceError> {
    let me = access.require()?.clone();
    let mut coaches = Vec::new();
    let mut athletes = Vec::new();
    for link in coaching::links_of(db, me.id).await? {
        if link.athlete_id == me.id {
            coaches.push(ExportedLink {
                user_id: link.coach_id,
                since: link.created_at,
            });
        } else {
            athletes.push(ExportedLink {
                user_id: link.athlete_id,
                since: link.created_at,
            });
        }
    }
    coaches.sort_by_key(|l| l.user_id);
    athletes.sort_by_key(|l| l.user_id);
    let api_keys = crate::entity::api_key::Entity::find()
        .filter(crate::entity::api_key::Column::OwnerId.eq(me.id))
        .order_by_asc(crate::entity::api_key::Column::Id)
        .all(db)
        .await?;
    Ok(Export {
        exported_at: now.trunc_subsecs(6),
        profile: me,
        coaches,
        athletes,
        api_keys,
    })
}

/// Handles stay reserved while a deleted account awaits its purge, so nobody can take
/// over a name that links and mentions still point at.
async fn ensure_handle_free(
    db: &impl ConnectionTrait,
    handle: &str,
    except: Option<Uuid>,
) -> Result<(), ServiceError> {
    let taken = user::Entity::find()
        .filter(user::Column::Handle.eq(handle))
        .one(db)
        .await?
        .is_some_and(|owner| Some(owner.id) != except);
    if taken {
        return Err(ServiceError::invalid(
            "handle",
            format!("handle `{handle}` is taken"),
        ));
    }
    Ok(())
}

/// A unique violation that slipped past the checks (two sign-ups racing) still names
/// its field.
fn unique_on_field(err: sea_orm::DbErr) -> ServiceError {
    let text = err.to_string();
    match ServiceError::from(err) {
        ServiceError::Conflict { .. } if text.contains("handle") => {
            ServiceError::invalid("handle", "that handle is taken")
        }
        ServiceError::Conflict { .. } if text.contains("email") => {
            ServiceError::invalid("email", "an account with this email already exists")
        }
        other => other,
    }
}
