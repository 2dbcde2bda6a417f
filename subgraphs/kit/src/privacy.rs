//! GDPR export and erasure of the rows a person owns in one table.
//!
//! Several domains hold a person's data as rows of one table with an owner column (an
//! author, an athlete, a recipient) and a `deleted_at` column: the export reads them by
//! owner, in creation order, and the erasure soft-deletes them all at once (hidden from
//! every query at once; the purge removes them after their retention). [`OwnedRows`]
//! names those columns once per table so the domains share one implementation. What a
//! domain exports or erases beyond such rows (links between people, settings, a consent
//! ledger) stays in the domain.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use uuid::Uuid;

use crate::error::ServiceError;

/// The columns of table `E` that make its rows a person's own, soft-deletable data.
#[derive(Debug, Clone, Copy)]
pub struct OwnedRows<E: EntityTrait> {
    /// Who the row belongs to (`author_id`, `athlete_id`, `recipient_id`).
    pub owner: E::Column,
    /// The order of an export: the UUIDv7 id, so creation order.
    pub order: E::Column,
    /// Set when the row is soft-deleted; `NULL` while it is live.
    pub deleted_at: E::Column,
    /// A column also set to the erasure time (an `updated_at`), if the domain keeps one
    /// up to date on erasure.
    pub updated_at: Option<E::Column>,
}

impl<E: EntityTrait> OwnedRows<E> {
    /// Every row `owner` owns, oldest first, soft-deleted ones included: they are still
    /// held, so a full export lists them.
    pub async fn export(
        &self,
        db: &impl ConnectionTrait,
        owner: Uuid,
    ) -> Result<Vec<E::Model>, ServiceError> {
        Ok(E::find()
            .filter(self.owner.eq(owner))
            .order_by_asc(self.order)
            .all(db)
            .await?)
    }

    /// The live rows `owner` owns, oldest first (soft-deleted ones left out).
    pub async fn export_live(
        &self,
        db: &impl ConnectionTrait,
        owner: Uuid,
    ) -> Result<Vec<E::Model>, ServiceError> {
        Ok(E::find()
            .filter(self.owner.eq(owner))
            .filter(self.deleted_at.is_null())
            .order_by_asc(self.order)
            .all(db)
            .await?)
    }

    /// Soft-deletes every live row `owner` owns at `now` (truncated to microseconds, the
    /// precision rows are stored with), also setting [`OwnedRows::updated_at`] when
    /// given; returns how many rows it hid. Rows deleted before keep their deletion time,
    /// so their retention is not extended.
    pub async fn erase(
        &self,
        db: &impl ConnectionTrait,
        owner: Uuid,
        now: DateTime<Utc>,
    ) -> Result<u64, ServiceError> {
        let now = now.trunc_subsecs(6);
        let mut update = E::update_many().col_expr(self.deleted_at, Expr::value(now));
        if let Some(updated_at) = self.updated_at {
            update = update.col_expr(updated_at, Expr::value(now));
        }
        Ok(update
            .filter(self.owner.eq(owner))
            .filter(self.deleted_at.is_null())
            .exec(db)
            .await?
            .rows_affected)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use sea_orm::{
        ActiveModelTrait, ActiveValue::Set, ConnectOptions, Database, DatabaseConnection,
    };

    use super::*;

    /// A table of owned rows, as the domains have them.
    mod note {
        use sea_orm::entity::prelude::*;

        /// A row of `notes`.
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "notes")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub owner_id: Uuid,
            pub updated_at: DateTimeUtc,
            pub deleted_at: Option<DateTimeUtc>,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    const NOTES: OwnedRows<note::Entity> = OwnedRows {
        owner: note::Column::OwnerId,
        order: note::Column::Id,
        deleted_at: note::Column::DeletedAt,
        updated_at: Some(note::Column::UpdatedAt),
    };

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
            .single()
            .expect("valid time")
    }

    /// One in-memory SQLite connection (each connection would be its own database).
    async fn db() -> DatabaseConnection {
        let mut options = ConnectOptions::new("sqlite::memory:");
        options.max_connections(1).sqlx_logging(false);
        let db = Database::connect(options).await.expect("SQLite opens");
        db.execute_unprepared(
            "CREATE TABLE notes (id BLOB PRIMARY KEY, owner_id BLOB NOT NULL, \
             updated_at TEXT NOT NULL, deleted_at TEXT)",
        )
        .await
        .expect("the table is created");
        db
    }

    /// Note `n` of `owner`, deleted at `deleted_at` if given.
    async fn note(
        db: &DatabaseConnection,
        n: u128,
        owner: Uuid,
        deleted_at: Option<DateTime<Utc>>,
    ) -> note::Model {
        note::ActiveModel {
            id: Set(Uuid::from_u128(n)),
            owner_id: Set(owner),
            updated_at: Set(t0() - Duration::days(10)),
            deleted_at: Set(deleted_at),
        }
        .insert(db)
        .await
        .expect("note inserted")
    }

    fn ids(rows: &[note::Model]) -> Vec<Uuid> {
        rows.iter().map(|r| r.id).collect()
    }

    #[tokio::test]
    async fn an_export_lists_the_owners_rows_in_order_with_or_without_deleted_ones() {
        let db = db().await;
        let (me, other) = (Uuid::from_u128(100), Uuid::from_u128(200));
        let third = note(&db, 3, me, None).await;
        let deleted = note(&db, 2, me, Some(t0() - Duration::days(1))).await;
        let first = note(&db, 1, me, None).await;
        note(&db, 4, other, None).await;
        let all = NOTES.export(&db, me).await.expect("export");
        assert_eq!(ids(&all), [first.id, deleted.id, third.id]);
        let live = NOTES.export_live(&db, me).await.expect("export");
        assert_eq!(ids(&live), [first.id, third.id]);
    }

    #[tokio::test]
    async fn an_erasure_hides_only_the_owners_live_rows_and_keeps_earlier_deletions() {
        let db = db().await;
        let (me, other) = (Uuid::from_u128(100), Uuid::from_u128(200));
        let live = note(&db, 1, me, None).await;
        let earlier = t0() - Duration::days(1);
        let deleted = note(&db, 2, me, Some(earlier)).await;
        let theirs = note(&db, 3, other, None).await;
        let now = t0() + Duration::nanoseconds(1_234_567);
        assert_eq!(NOTES.erase(&db, me, now).await.expect("erase"), 1);
        let stored = |id| {
            let db = db.clone();
            async move {
                note::Entity::find_by_id(id)
                    .one(&db)
                    .await
                    .expect("read")
                    .expect("still stored")
            }
        };
        let at = t0() + Duration::microseconds(1_234);
        let erased = stored(live.id).await;
        assert_eq!((erased.deleted_at, erased.updated_at), (Some(at), at));
        assert_eq!(stored(deleted.id).await, deleted, "retention not extended");
        assert_eq!(stored(theirs.id).await, theirs, "nobody else's rows");
        let untouched = OwnedRows {
            updated_at: None,
            ..NOTES
        };
        let again = note(&db, 4, me, None).await;
        assert_eq!(untouched.erase(&db, me, now).await.expect("erase"), 1);
        let erased = stored(again.id).await;
        assert_eq!(erased.deleted_at, Some(at));
        assert_eq!(
            erased.updated_at, again.updated_at,
            "no updated_at to stamp"
        );
    }
}
