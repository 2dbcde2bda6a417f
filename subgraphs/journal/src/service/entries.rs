//! Journal entries: create, update, delete (soft), restore, find, list.

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
    sea_query::{Expr, ExprTrait, LikeExpr},
};
use tessera_kit::{
    error::ServiceError,
    events::{catalogue::JournalEntryShared, outbox},
    pagination::Page,
};
use uuid::Uuid;

use crate::{
    entity::entry::{self, Mood},
    reactions::PRODUCER,
    service::{
        access::{Access, Visibility},
        validation,
    },
};

/// A new entry.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// Title.
    pub title: String,
    /// Markdown body.
    pub body: String,
    /// Mood.
    pub mood: Mood,
    /// Energy, 1–5.
    pub energy: i32,
    /// Tags.
    pub tags: Vec<String>,
    /// A workout it is about.
    pub workout_id: Option<Uuid>,
    /// Share it with this coach (private when absent).
    pub share_with_coach_id: Option<Uuid>,
}

/// Writes an entry in the caller's journal; shared with a coach, the coach is told
/// ([`JournalEntryShared`]).
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    access: &Access,
    input: NewEntry,
    now: DateTime<Utc>,
) -> Result<entry::Model, ServiceError> {
    let me = access.require()?;
    let now = now.trunc_subsecs(6);
    let row = entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        author_id: Set(me),
        title: Set(validation::title(&input.title)?),
        body: Set(validation::body(&input.body)?),
        mood: Set(input.mood),
        energy: Set(validation::energy(input.energy)?),
        tags: Set(validation::tags(&input.tags)?),
        workout_id: Set(input.workout_id),
        shared_with_coach_id: Set(input
            .share_with_coach_id
            .map(|c| validation::coach(me, c))
            .transpose()?),
        created_at: Set(now),
        updated_at: Set(now),
        deleted_at: Set(None),
    };
    let txn = tessera_kit::db::begin_write(db).await?;
    let written = row.insert(&txn).await?;
    shared(&txn, &written, None, now).await?;
    txn.commit().await?;
    Ok(written)
}

/// Announces `entry` shared with its coach when that is new (`before`: the coach it was
/// shared with until now).
async fn shared(
    txn: &impl ConnectionTrait,
    entry: &entry::Model,
    before: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    if let Some(coach) = entry.shared_with_coach_id
        && before != Some(coach)
    {
        let told = JournalEntryShared {
            entry_id: entry.id,
            author_id: entry.author_id,
            coach_id: coach,
            title: entry.title.clone(),
        };
        outbox::append(txn, PRODUCER, &told, now).await?;
    }
    Ok(())
}

/// Entry fields to change; `None` leaves a field as it is, `Some(None)` clears an
/// optional one.
#[derive(Debug, Clone, Default)]
pub struct EntryUpdate {
    /// New title.
    pub title: Option<String>,
    /// New body.
    pub body: Option<String>,
    /// New mood.
    pub mood: Option<Mood>,
    /// New energy.
    pub energy: Option<i32>,
    /// New tags (replacing the old ones).
    pub tags: Option<Vec<String>>,
    /// New workout link.
    pub workout_id: Option<Option<Uuid>>,
    /// New sharing: a coach, or `Some(None)` to make the entry private.
    pub share_with_coach_id: Option<Option<Uuid>>,
}

/// Changes one of the caller's live entries; newly shared with a coach, the coach is
/// told.
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    access: &Access,
    id: Uuid,
    input: EntryUpdate,
    now: DateTime<Utc>,
) -> Result<entry::Model, ServiceError> {
    let me = access.require()?;
    let current = own(db, me, id, false).await?;
    let before = current.shared_with_coach_id;
    let mut row: entry::ActiveModel = current.into();
    if let Some(title) = &input.title {
        row.title = Set(validation::title(title)?);
    }
    if let Some(body) = &input.body {
        row.body = Set(validation::body(body)?);
    }
    if let Some(mood) = input.mood {
        row.mood = Set(mood);
    }
    if let Some(energy) = input.energy {
        row.energy = Set(validation::energy(energy)?);
    }
    if let Some(tags) = &input.tags {
        row.tags = Set(validation::tags(tags)?);
    }
    if let Some(workout) = input.workout_id {
        row.workout_id = Set(workout);
    }
    if let Some(coach) = input.share_with_coach_id {
        row.shared_with_coach_id = Set(coach.map(|c| validation::coach(me, c)).transpose()?);
    }
    let now = now.trunc_subsecs(6);
    row.updated_at = Set(now);
    let txn = tessera_kit::db::begin_write(db).await?;
    let changed = row.update(&txn).await?;
    shared(&txn, &changed, before, now).await?;
    txn.commit().await?;
    Ok(changed)
}

/// Deletes one of the caller's entries (soft: it can be restored).
pub async fn delete(
    db: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<entry::Model, ServiceError> {
    let me = access.require()?;
    let current = own(db, me, id, false).await?;
    let now = now.trunc_subsecs(6);
    let mut row: entry::ActiveModel = current.into();
    row.deleted_at = Set(Some(now));
    row.updated_at = Set(now);
    Ok(row.update(db).await?)
}

/// Brings back one of the caller's deleted entries.
pub async fn restore(
    db: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<entry::Model, ServiceError> {
    let me = access.require()?;
    let current = own(db, me, id, true).await?;
    if current.deleted_at.is_none() {
        return Err(ServiceError::Conflict {
            field: Some("id".to_owned()),
            message: "this entry is not deleted".to_owned(),
        });
    }
    let mut row: entry::ActiveModel = current.into();
    row.deleted_at = Set(None);
    row.updated_at = Set(now.trunc_subsecs(6));
    Ok(row.update(db).await?)
}

/// The caller's entry `id` (deleted ones too when `with_deleted`), or `NOT_FOUND` —
/// also for others' entries, whose existence is not the caller's business.
async fn own(
    db: &impl ConnectionTrait,
    me: Uuid,
    id: Uuid,
    with_deleted: bool,
) -> Result<entry::Model, ServiceError> {
    let mut select = entry::Entity::find_by_id(id).filter(entry::Column::AuthorId.eq(me));
    if !with_deleted {
        select = select.filter(entry::Column::DeletedAt.is_null());
    }
    select
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no journal entry {id} of yours")))
}

/// A live entry the caller may read.
pub async fn by_id(
    db: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
) -> Result<Option<entry::Model>, ServiceError> {
    access.require()?;
    Ok(entry::Entity::find_by_id(id)
        .filter(entry::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .filter(|e| access.may_read(e)))
}

/// Conditions on a journal list; every given one must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct EntryFilter {
    /// Entries with this tag.
    pub tag: Option<String>,
    /// Entries with this mood.
    pub mood: Option<Mood>,
    /// Written at or after.
    pub from: Option<DateTime<Utc>>,
    /// Written before.
    pub to: Option<DateTime<Utc>>,
}

impl EntryFilter {
    /// Normalises the tag and checks the range.
    pub fn checked(mut self) -> Result<Self, ServiceError> {
        if let Some(tag) = &self.tag {
            self.tag = Some(
                validation::tag(tag)
                    .map_err(|_| ServiceError::invalid("tag", format!("`{tag}` is not a tag")))?,
            );
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to < from
        {
            return Err(ServiceError::invalid(
                "to",
                "`to` must not be before `from`",
            ));
        }
        Ok(self)
    }
}

/// One page of the live entries of each of `authors` that match `filter` and that
/// `visibility` lets the caller read, in one statement.
pub async fn of_authors(
    db: &impl ConnectionTrait,
    authors: &[Uuid],
    filter: &EntryFilter,
    visibility: Visibility,
    page: &Page,
) -> Result<HashMap<Uuid, Vec<entry::Model>>, ServiceError> {
    let mut select = entry::Entity::find().filter(entry::Column::DeletedAt.is_null());
    if let Visibility::SharedWith(coach) = visibility {
        select = select.filter(entry::Column::SharedWithCoachId.eq(coach));
    }
    if let Some(tag) = &filter.tag {
        // Tags are `[a-z0-9-]`: nothing in them needs escaping for LIKE.
        select =
            select.filter(Expr::col(entry::Column::Tags).like(LikeExpr::new(format!("%,{tag},%"))));
    }
    if let Some(mood) = filter.mood {
        select = select.filter(entry::Column::Mood.eq(mood));
    }
    if let Some(from) = filter.from {
        select = select.filter(entry::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(entry::Column::CreatedAt.lt(to));
    }
    Ok(page
        .load_per_parent(
            db,
            select,
            entry::Column::AuthorId,
            entry::Column::Id,
            authors,
            |e| e.author_id,
        )
        .await?)
}
