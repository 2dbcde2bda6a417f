//! A deleted account's erasure across the domains (`erasure_requests`,
//! `erasure_receipts`).

/// `erasure_requests`: one per deleted account, until it is purged.
pub mod request {
    use sea_orm::entity::prelude::*;

    /// A row of `erasure_requests`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "erasure_requests")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        /// Hex SHA-256 of the receipt token the person was given.
        pub token_hash: String,
        pub requested_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `erasure_receipts`: one per account and domain that confirmed.
pub mod receipt {
    use sea_orm::entity::prelude::*;

    /// A row of `erasure_receipts`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "erasure_receipts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub domain: String,
        pub confirmed_at: DateTimeUtc,
        /// JSON object: what was erased, by kind of row.
        #[sea_orm(column_type = "Text")]
        pub detail: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
