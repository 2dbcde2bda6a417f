//! Relay cursor connections over UUIDv7 keys.
//!
//! Every Tessera id is a UUIDv7, so ordering by id is ordering by creation time and a
//! cursor only needs the id: `WHERE id > after ORDER BY id LIMIT n + 1` on every backend,
//! with an index that already exists (the primary key). The extra row tells whether
//! another page follows without a `COUNT(*)`.
//!
//! Page sizes are capped: asking for more than [`MAX_PAGE_SIZE`] is a `BAD_USER_INPUT`
//! error naming `first` or `last`, never a silently shorter page.

use std::collections::HashMap;

use async_graphql::SimpleObject;
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select,
    sea_query::{Asterisk, Expr, ExprTrait, Query, WindowStatement},
};
use uuid::Uuid;

use crate::error::ServiceError;

/// Items per page when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

const CURSOR_PREFIX: &str = "c1:";

/// The four Relay arguments as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    /// Items after `after`, from the start.
    pub first: Option<i32>,
    /// Cursor to continue forwards from.
    pub after: Option<String>,
    /// Items before `before`, from the end.
    pub last: Option<i32>,
    /// Cursor to continue backwards from.
    pub before: Option<String>,
}

/// A validated page request. It is hashable so that a dataloader key can carry it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Page {
    after: Option<Uuid>,
    before: Option<Uuid>,
    limit: u64,
    backward: bool,
}

impl PageArgs {
    /// Forward pagination: `first` items after `after`.
    pub fn forward(first: Option<i32>, after: Option<String>) -> Self {
        Self {
            first,
            after,
            ..Self::default()
        }
    }

    /// Checks the arguments; errors name the offending argument.
    pub fn page(&self) -> Result<Page, ServiceError> {
        if self.first.is_some() && self.last.is_some() {
            return Err(ServiceError::invalid(
                "last",
                "pass either `first` or `last`, not both",
            ));
        }
        let (field, size) = match (self.first, self.last) {
            (_, Some(last)) => ("last", Some(last)),
            (first, None) => ("first", first),
        };
        let limit = match size {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n < 0 => {
                return Err(ServiceError::invalid(
                    field,
                    format!("`{field}` must not be negative (got {n})"),
                ));
            }
            Some(n) if u64::try_from(n).unwrap_or(u64::MAX) > MAX_PAGE_SIZE => {
                return Err(ServiceError::invalid(
                    field,
                    format!("`{field}` must be at most {MAX_PAGE_SIZE} (got {n})"),
                ));
            }
            Some(n) => u64::try_from(n).unwrap_or(DEFAULT_PAGE_SIZE),
        };
        Ok(Page {
            after: self
                .after
                .as_deref()
                .map(|c| decode(c, "after"))
                .transpose()?,
            before: self
                .before
                .as_deref()
                .map(|c| decode(c, "before"))
                .transpose()?,
            limit,
            backward: self.last.is_some(),
        })
    }
}

impl Page {
    /// Restricts `select` to this page, ordered by `id` (one row more than the page, to
    /// learn whether another page follows).
    pub fn apply<E: EntityTrait>(&self, select: Select<E>, id: E::Column) -> Select<E> {
        let mut select = select;
        if let Some(after) = self.after {
            select = select.filter(id.gt(after));
        }
        if let Some(before) = self.before {
            select = select.filter(id.lt(before));
        }
        let order = if self.backward {
            Order::Desc
        } else {
            Order::Asc
        };
        select.order_by(id, order).limit(self.limit + 1)
    }

    /// The same page of many lists in one statement: the rows of `select` whose `parent`
    /// column is one of `parents`, numbered per parent in id order with
    /// `ROW_NUMBER() OVER (PARTITION BY parent ORDER BY id)` and cut at the page size
    /// plus one, grouped by parent (each group ready for [`Page::connection`]). This is
    /// how a list field on many entities (`_entities` of 50 users, each with their
    /// workouts) costs one statement however many entities ask.
    pub async fn load_per_parent<E, C>(
        &self,
        db: &C,
        select: Select<E>,
        parent: E::Column,
        id: E::Column,
        parents: &[Uuid],
        parent_of: impl Fn(&E::Model) -> Uuid,
    ) -> Result<HashMap<Uuid, Vec<E::Model>>, DbErr>
    where
        E: EntityTrait,
        C: ConnectionTrait,
    {
        let mut select = select.filter(parent.is_in(parents.iter().copied()));
        if let Some(after) = self.after {
            select = select.filter(id.gt(after));
        }
        if let Some(before) = self.before {
            select = select.filter(id.lt(before));
        }
        let order = if self.backward {
            Order::Desc
        } else {
            Order::Asc
        };
        let mut inner = select.into_query();
        inner.expr_window_as(
            Expr::cust("ROW_NUMBER()"),
            WindowStatement::partition_by((E::default(), parent))
                .order_by((E::default(), id), order.clone())
                .take(),
            "page_rank",
        );
        let limit = i64::try_from(self.limit + 1).unwrap_or(i64::MAX);
        let outer = Query::select()
            .column(Asterisk)
            .from_subquery(inner, "paged")
            .and_where(Expr::col("page_rank").lte(limit))
            .order_by(("paged", id), order)
            .to_owned();
        let statement = db.get_database_backend().build(&outer);
        let rows = E::find().from_raw_sql(statement).all(db).await?;
        let mut grouped: HashMap<Uuid, Vec<E::Model>> = HashMap::new();
        for row in rows {
            grouped.entry(parent_of(&row)).or_default().push(row);
        }
        Ok(grouped)
    }

    /// Turns the rows fetched with [`Page::apply`] into a page, in id order; a
    /// connection type made by [`connection!`](crate::connection) converts from it.
    pub fn connection<R, T>(
        &self,
        mut rows: Vec<R>,
        id_of: impl Fn(&R) -> Uuid,
        node: impl Fn(R) -> T,
    ) -> Paged<T> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        if self.backward {
            rows.reverse();
        }
        let (has_previous, has_next) = if self.backward {
            (more, self.before.is_some())
        } else {
            (self.after.is_some(), more)
        };
        let edges: Vec<(String, T)> = rows
            .into_iter()
            .map(|row| (encode(id_of(&row)), node(row)))
            .collect();
        let page_info = PageInfo {
            has_previous_page: has_previous,
            has_next_page: has_next,
            start_cursor: edges.first().map(|(c, _)| c.clone()),
            end_cursor: edges.last().map(|(c, _)| c.clone()),
        };
        Paged { edges, page_info }
    }
}

/// One page of nodes with their cursors, before it becomes a GraphQL connection.
#[derive(Debug)]
pub struct Paged<T> {
    /// Cursor and node, in order.
    pub edges: Vec<(String, T)>,
    /// Where the page sits in the list.
    pub page_info: PageInfo,
}

/// Where a page sits in its list (Relay `PageInfo`).
///
/// It takes the max age of the connection it belongs to (`@cacheControl(inheritMaxAge:
/// true)`), as do every connection and edge type made with [`connection!`]: a page is as
/// cacheable as the field that returns it.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
#[graphql(
    shareable,
    directive = crate::directives::cache_control::apply(None, None, Some(true))
)]
pub struct PageInfo {
    /// Whether items exist before this page (when paginating backwards with `last`).
    pub has_previous_page: bool,
    /// Whether items exist after this page (when paginating forwards with `first`).
    pub has_next_page: bool,
    /// Cursor of the first item of this page; pass it as `before` for the page before.
    pub start_cursor: Option<String>,
    /// Cursor of the last item of this page; pass it as `after` for the page after.
    pub end_cursor: Option<String>,
}

/// Declares a Relay connection and edge type for a node type, with descriptions:
/// `connection!(UserConnection, UserEdge, User, "A page of users.");`
#[macro_export]
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty, $description:literal) => {
        #[doc = $description]
        #[derive(async_graphql::SimpleObject)]
        #[graphql(
                    complex,
                    directive = $crate::directives::cache_control::apply(None, None, Some(true))
                )]
        pub struct $connection {
            /// The items of this page with their cursors, in order.
            pub edges: Vec<$edge>,
            /// Where this page sits in the list.
            pub page_info: $crate::pagination::PageInfo,
        }

        #[async_graphql::ComplexObject]
        impl $connection {
            /// The items of this page, in order (the edges without their cursors).
            async fn nodes(&self) -> Vec<&$node> {
                self.edges.iter().map(|edge| &edge.node).collect()
            }
        }

        /// One item of a page, with the cursor to paginate from it.
        #[derive(async_graphql::SimpleObject)]
        #[graphql(directive = $crate::directives::cache_control::apply(None, None, Some(true)))]
        pub struct $edge {
            /// The item.
            pub node: $node,
            /// Opaque cursor of this item, for `after` or `before`.
            pub cursor: String,
        }

        impl From<$crate::pagination::Paged<$node>> for $connection {
            fn from(paged: $crate::pagination::Paged<$node>) -> Self {
                Self {
                    edges: paged
                        .edges
                        .into_iter()
                        .map(|(cursor, node)| $edge { node, cursor })
                        .collect(),
                    page_info: paged.page_info,
                }
            }
        }
    };
}

/// The opaque cursor of an item.
pub fn encode(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{}", id.simple()))
}

fn decode(cursor: &str, field: &str) -> Result<Uuid, ServiceError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(CURSOR_PREFIX).map(str::to_owned))
        .and_then(|id| Uuid::parse_str(&id).ok())
        .ok_or_else(|| {
            ServiceError::invalid(
                field,
                format!("`{field}` is not a cursor returned by this connection"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: ServiceError) -> String {
        match err {
            ServiceError::Invalid { field, .. } => field,
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn page_sizes_are_capped_with_the_argument_named() {
        let err = PageArgs::forward(Some(101), None)
            .page()
            .expect_err("over the cap");
        assert_eq!(err.to_string(), "`first` must be at most 100 (got 101)");
        assert_eq!(field_of(err), "first");
        let last = PageArgs {
            last: Some(-1),
            ..PageArgs::default()
        };
        assert_eq!(field_of(last.page().expect_err("negative")), "last");
        let both = PageArgs {
            first: Some(1),
            last: Some(1),
            ..PageArgs::default()
        };
        assert_eq!(field_of(both.page().expect_err("both")), "last");
        assert_eq!(
            PageArgs::default().page().expect("defaults").limit,
            DEFAULT_PAGE_SIZE
        );
        assert_eq!(
            PageArgs::forward(Some(100), None)
                .page()
                .expect("at the cap")
                .limit,
            100
        );
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        let page = PageArgs::forward(Some(5), Some(encode(id)))
            .page()
            .expect("valid");
        assert_eq!(page.after, Some(id));
        let err = PageArgs::forward(None, Some("bm90IGEgY3Vyc29y".into()))
            .page()
            .expect_err("garbage");
        assert_eq!(field_of(err), "after");
    }

    #[test]
    fn page_info_follows_the_relay_rules() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let forward = PageArgs::forward(Some(2), None).page().expect("valid");
        let conn = forward.connection(ids.clone(), |id| *id, |id| id.to_string());
        assert_eq!(conn.edges.len(), 2);
        assert!(conn.page_info.has_next_page);
        assert!(!conn.page_info.has_previous_page);
        assert_eq!(conn.page_info.end_cursor, Some(encode(ids[1])));

        let backward = PageArgs {
            last: Some(2),
            ..PageArgs::default()
        }
        .page()
        .expect("valid");
        // Rows arrive newest first for a backward page and leave in id order.
        let rows: Vec<Uuid> = ids.iter().rev().copied().collect();
        let conn = backward.connection(rows, |id| *id, |id| id.to_string());
        let nodes: Vec<String> = conn.edges.iter().map(|(_, n)| n.clone()).collect();
        assert_eq!(nodes, vec![ids[1].to_string(), ids[2].to_string()]);
        assert!(conn.page_info.has_previous_page);
        assert!(!conn.page_info.has_next_page);
    }
}
