//! Codex entries: create, update, delete (soft), find, list by author, and related
//! entries by shared tags.

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait,
    sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query},
};
use tessera_kit::{error::ServiceError, pagination::Page};
use uuid::Uuid;

use crate::{
    entity::{
        entry::{self, Category, Kind, Visibility},
        step, tag,
    },
    service::{
        access::Access,
        validation::{self, Step},
    },
};

/// A new entry.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// Title.
    pub title: String,
    /// Markdown body.
    pub body: String,
    /// Shelf.
    pub category: Category,
    /// Tags.
    pub tags: Vec<String>,
    /// Who may read it.
    pub visibility: Visibility,
    /// An article or a practice.
    pub kind: Kind,
    /// How many minutes a practice takes (required for one, refused for an article).
    pub minutes: Option<i32>,
    /// A practice's steps, in order (refused for an article).
    pub steps: Vec<Step>,
}

/// Writes an entry authored by the caller (a coach or an administrator).
pub async fn create<C>(
    db: &C,
    access: &Access,
    input: NewEntry,
    now: DateTime<Utc>,
) -> Result<entry::Model, ServiceError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let me = access.require_writer()?;
    let now = now.trunc_subsecs(6);
    let tags = validation::tags(&input.tags)?;
    let steps = validation::steps(input.kind, &input.steps)?;
    let row = entry::Model {
        id: Uuid::now_v7(),
        author_id: me,
        title: validation::title(&input.title)?,
        body: validation::body(&input.body)?,
        category: input.category,
        tags: validation::stored_tags(&tags),
        visibility: input.visibility,
        kind: input.kind,
        minutes: validation::minutes(input.kind, input.minutes)?,
        published_at: (input.visibility == Visibility::Public).then_some(now),
        created_at: now,
        updated_at: now,
        deleted_at: None,
    };
    let txn = tessera_kit::db::begin_write(db).await?;
    let row = sea_orm::IntoActiveModel::into_active_model(row)
        .insert(&txn)
        .await?;
    replace_tags(&txn, row.id, &tags).await?;
    replace_steps(&txn, row.id, &steps).await?;
    txn.commit().await?;
    Ok(row)
}

/// Entry fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct EntryUpdate {
    /// New title.
    pub title: Option<String>,
    /// New body.
    pub body: Option<String>,
    /// New shelf.
    pub category: Option<Category>,
    /// New tags, replacing the old ones.
    pub tags: Option<Vec<String>>,
    /// New visibility (the first time it becomes public is its publication).
    pub visibility: Option<Visibility>,
    /// New minutes, for a practice (an entry's kind never changes).
    pub minutes: Option<i32>,
    /// New steps of a practice, replacing the old ones.
    pub steps: Option<Vec<Step>>,
}

/// Changes one of the caller's entries.
pub async fn update<C>(
    db: &C,
    access: &Access,
    id: Uuid,
    input: EntryUpdate,
    now: DateTime<Utc>,
) -> Result<entry::Model, ServiceError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let me = access.require()?;
    let current = own(db, me, id).await?;
    let now = now.trunc_subsecs(6);
    let first_publication = current.published_at.is_none();
    let current_kind = current.kind;
    let mut row: entry::ActiveModel = current.into();
    if let Some(title) = &input.title {
        row.title = Set(validation::title(title)?);
    }
    if let Some(body) = &input.body {
        row.body = Set(validation::body(body)?);
    }
    if let Some(category) = input.category {
        row.category = Set(category);
    }
    if input.minutes.is_some() {
        row.minutes = Set(validation::minutes(current_kind, input.minutes)?);
    }
    let tags = input.tags.as_deref().map(validation::tags).transpose()?;
    let steps = input
        .steps
        .as_deref()
        .map(|steps| validation::steps(current_kind, steps))
        .transpose()?;
    if let Some(tags) = &tags {
        row.tags = Set(validation::stored_tags(tags));
    }
    if let Some(visibility) = input.visibility {
        row.visibility = Set(visibility);
        if visibility == Visibility::Public && first_publication {
            row.published_at = Set(Some(now));
        }
    }
    row.updated_at = Set(now);
    let txn = tessera_kit::db::begin_write(db).await?;
    let row = row.update(&txn).await?;
    if let Some(tags) = &tags {
        replace_tags(&txn, id, tags).await?;
    }
    if let Some(steps) = &steps {
        replace_steps(&txn, id, steps).await?;
    }
    txn.commit().await?;
    Ok(row)
}

/// Deletes one of the caller's entries (soft: hidden from every query and search).
pub async fn delete(
    db: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<entry::Model, ServiceError> {
    let me = access.require()?;
    let current = own(db, me, id).await?;
    let now = now.trunc_subsecs(6);
    let mut row: entry::ActiveModel = current.into();
    row.deleted_at = Set(Some(now));
    row.updated_at = Set(now);
    Ok(row.update(db).await?)
}

async fn own(db: &impl ConnectionTrait, me: Uuid, id: Uuid) -> Result<entry::Model, ServiceError> {
    entry::Entity::find_by_id(id)
        .filter(entry::Column::AuthorId.eq(me))
        .filter(entry::Column::DeletedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::NotFound(format!("no codex entry {id} of yours")))
}

async fn replace_tags(
    db: &impl ConnectionTrait,
    id: Uuid,
    tags: &[String],
) -> Result<(), ServiceError> {
    tag::Entity::delete_many()
        .filter(tag::Column::EntryId.eq(id))
        .exec(db)
        .await?;
    if !tags.is_empty() {
        tag::Entity::insert_many(tags.iter().map(|t| tag::ActiveModel {
            entry_id: Set(id),
            tag: Set(t.clone()),
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

async fn replace_steps(
    db: &impl ConnectionTrait,
    id: Uuid,
    steps: &[Step],
) -> Result<(), ServiceError> {
    step::Entity::delete_many()
        .filter(step::Column::EntryId.eq(id))
        .exec(db)
        .await?;
    if !steps.is_empty() {
        step::Entity::insert_many(
            steps
                .iter()
                .zip(1..)
                .map(|(s, position)| step::ActiveModel {
                    entry_id: Set(id),
                    position: Set(position),
                    instruction: Set(s.instruction.clone()),
                    exercise_slug: Set(s.exercise_slug.clone()),
                }),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// The steps of each of `entries`, in order. One statement for any number of entries.
pub async fn steps_of(
    db: &impl ConnectionTrait,
    entries: &[Uuid],
) -> Result<HashMap<Uuid, Vec<step::Model>>, ServiceError> {
    let rows = step::Entity::find()
        .filter(step::Column::EntryId.is_in(entries.iter().copied()))
        .order_by_asc(step::Column::EntryId)
        .order_by_asc(step::Column::Position)
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<step::Model>> = HashMap::new();
    for row in rows {
        out.entry(row.entry_id).or_default().push(row);
    }
    Ok(out)
}

/// An entry the caller may read.
pub async fn by_id(
    db: &impl ConnectionTrait,
    access: &Access,
    id: Uuid,
) -> Result<Option<entry::Model>, ServiceError> {
    Ok(entry::Entity::find_by_id(id)
        .filter(access.readable())
        .one(db)
        .await?)
}

/// One page of the live entries of each of `authors`: public ones, and private ones too
/// when `with_private` (the author asking about themself). One statement.
pub async fn of_authors(
    db: &impl ConnectionTrait,
    authors: &[Uuid],
    with_private: bool,
    page: &Page,
) -> Result<HashMap<Uuid, Vec<entry::Model>>, ServiceError> {
    let mut select = entry::Entity::find().filter(entry::Column::DeletedAt.is_null());
    if !with_private {
        select = select.filter(entry::Column::Visibility.eq(Visibility::Public));
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

#[derive(Debug, FromQueryResult)]
struct Related {
    source: Uuid,
    related: Uuid,
}

/// For each of `entries`, up to `limit` other public, live entries sharing tags with it:
/// most shared tags first, then oldest. One statement for any number of entries; the
/// caller loads the related rows (a batch by id).
pub async fn related_to(
    db: &impl ConnectionTrait,
    entries: &[Uuid],
    limit: usize,
) -> Result<HashMap<Uuid, Vec<Uuid>>, ServiceError> {
    let (a, b, e) = (Alias::new("a"), Alias::new("b"), Alias::new("e"));
    let query = Query::select()
        .expr_as(Expr::col((a.clone(), tag::Column::EntryId)), "source")
        .expr_as(Expr::col((b.clone(), tag::Column::EntryId)), "related")
        .from_as(tag::Entity, a.clone())
        .join_as(
            JoinType::InnerJoin,
            tag::Entity,
            b.clone(),
            Expr::col((b.clone(), tag::Column::Tag))
                .equals((a.clone(), tag::Column::Tag))
                .and(
                    Expr::col((b.clone(), tag::Column::EntryId))
                        .ne(Expr::col((a.clone(), tag::Column::EntryId))),
                ),
        )
        .join_as(
            JoinType::InnerJoin,
            entry::Entity,
            e.clone(),
            Expr::col((e.clone(), entry::Column::Id)).equals((b.clone(), tag::Column::EntryId)),
        )
        .and_where(Expr::col((a.clone(), tag::Column::EntryId)).is_in(entries.iter().copied()))
        .and_where(Expr::col((e.clone(), entry::Column::DeletedAt)).is_null())
        .and_where(Expr::col((e.clone(), entry::Column::Visibility)).eq(Visibility::Public))
        .group_by_col((a.clone(), tag::Column::EntryId))
        .group_by_col((b.clone(), tag::Column::EntryId))
        .order_by_expr(
            Expr::col((b.clone(), tag::Column::Tag)).count(),
            Order::Desc,
        )
        .order_by((b, tag::Column::EntryId), Order::Asc)
        .to_owned();
    let rows = Related::find_by_statement(db.get_database_backend().build(&query))
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in rows {
        let list = out.entry(row.source).or_default();
        if list.len() < limit {
            list.push(row.related);
        }
    }
    Ok(out)
}
