//! Full-text search, the same results in the same order on PostgreSQL and SQLite.
//!
//! Finding uses each backend's index: PostgreSQL `search @@ to_tsquery('simple', …)`
//! on the GIN-indexed `tsvector`, SQLite `codex_fts MATCH …` on FTS5; both match every
//! term as a token prefix, without stemming. Ranking does not use `ts_rank` or `bm25`
//! (which differ): a score computed by the same portable SQL on both — per term, 3 if
//! the title contains it, 2 if a tag starts with it, 1 if the body contains it — then the
//! id (oldest first) breaks ties. Pages continue after a `(score, id)` cursor.

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryTrait,
    sea_query::{Alias, Asterisk, Expr, ExprTrait, Func, Order, Query},
};
use tessera_kit::{error::ServiceError, pagination::MAX_PAGE_SIZE};
use uuid::Uuid;

use crate::{
    entity::entry,
    service::{access::Access, validation},
};

/// Results per page when the client does not say.
pub const DEFAULT_FIRST: u64 = 10;

const CURSOR_PREFIX: &str = "s1:";

/// Where a page of results starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    /// The score of the last result seen.
    pub score: i32,
    /// Its id.
    pub id: Uuid,
}

/// The cursor of a result.
pub fn encode(score: i32, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{score}:{}", id.simple()))
}

/// Reads a cursor made by [`encode`], naming `after` when it is not one.
pub fn decode(cursor: &str) -> Result<After, ServiceError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            let rest = text.strip_prefix(CURSOR_PREFIX)?;
            let (score, id) = rest.split_once(':')?;
            Some(After {
                score: score.parse().ok()?,
                id: Uuid::parse_str(id).ok()?,
            })
        })
        .ok_or_else(|| {
            ServiceError::invalid("after", "`after` is not a cursor returned by this search")
        })
}

/// One result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The entry.
    pub entry: entry::Model,
    /// Its relevance.
    pub score: i32,
}

#[derive(Debug, FromQueryResult)]
struct Scored {
    score: i32,
}

/// The entries the caller may read that match every term of `query`, best first:
/// `first` of them (at most 100) after `after`, plus one to tell whether more follow.
pub async fn search(
    db: &impl ConnectionTrait,
    access: &Access,
    query: &str,
    first: Option<i32>,
    after: Option<&str>,
) -> Result<Vec<Hit>, ServiceError> {
    let terms = validation::terms(query)?;
    let first = match first {
        None => DEFAULT_FIRST,
        Some(n) => u64::try_from(n)
            .ok()
            .filter(|n| *n <= MAX_PAGE_SIZE)
            .ok_or_else(|| {
                ServiceError::invalid(
                    "first",
                    format!("`first` must be between 0 and {MAX_PAGE_SIZE} (got {n})"),
                )
            })?,
    };
    let after = after.map(decode).transpose()?;
    let backend = db.get_database_backend();

    let mut inner = entry::Entity::find()
        .filter(access.readable())
        .filter(matches(backend, &terms))
        .into_query();
    inner.expr_as(score(&terms), "score");
    let paged = Alias::new("hits");
    let score_col = || Expr::col((paged.clone(), Alias::new("score")));
    let id_col = || Expr::col((paged.clone(), entry::Column::Id));
    let mut outer = Query::select();
    outer.column(Asterisk).from_subquery(inner, paged.clone());
    if let Some(after) = after {
        outer.and_where(
            score_col()
                .lt(after.score)
                .or(score_col().eq(after.score).and(id_col().gt(after.id))),
        );
    }
    outer
        .order_by((paged.clone(), Alias::new("score")), Order::Desc)
        .order_by((paged, entry::Column::Id), Order::Asc)
        .limit(first + 1);
    let rows = db.query_all(&outer).await?;
    rows.iter()
        .map(|row| {
            Ok(Hit {
                entry: entry::Model::from_query_result(row, "")?,
                score: Scored::from_query_result(row, "")?.score,
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(ServiceError::from)
}

/// The backend's full-text match of every term, as a token prefix.
fn matches(backend: DbBackend, terms: &[String]) -> Expr {
    match backend {
        DbBackend::Postgres => {
            let tsquery = terms
                .iter()
                .map(|t| format!("{t}:*"))
                .collect::<Vec<_>>()
                .join(" & ");
            Expr::cust_with_values("\"search\" @@ to_tsquery('simple', $1)", [tsquery])
        }
        _ => {
            let fts = terms
                .iter()
                .map(|t| format!("\"{t}\"*"))
                .collect::<Vec<_>>()
                .join(" ");
            Expr::cust_with_values(
                "\"id\" IN (SELECT \"entry_id\" FROM \"codex_fts\" WHERE \"codex_fts\" MATCH ?)",
                [fts],
            )
        }
    }
}

/// The portable relevance: per term 3 (title contains it) + 2 (a tag starts with it)
/// + 1 (body contains it). Terms are letters and digits only, so no `LIKE` escaping.
fn score(terms: &[String]) -> Expr {
    let weight = |hit: Expr, points: i32| -> Expr {
        Expr::case(hit, Expr::val(points))
            .finally(Expr::val(0i32))
            .into()
    };
    terms
        .iter()
        .map(|t| {
            let contains = format!("%{t}%");
            let tag_prefix = format!("%,{t}%");
            let title =
                Expr::expr(Func::lower(Expr::col(entry::Column::Title))).like(contains.clone());
            let tags = Expr::col(entry::Column::Tags).like(tag_prefix);
            let body = Expr::expr(Func::lower(Expr::col(entry::Column::Body))).like(contains);
            weight(title, 3).add(weight(tags, 2)).add(weight(body, 1))
        })
        .reduce(ExprTrait::add)
        .unwrap_or_else(|| Expr::val(0i32))
}
