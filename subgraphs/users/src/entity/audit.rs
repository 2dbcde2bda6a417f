//! The audit log's tables (`service::audit` keeps them).

/// A row of `audit_records`: one sensitive action.
pub mod record {
    use sea_orm::entity::prelude::*;

    /// A row of `audit_records`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_records")]
    pub struct Model {
        /// Its place in the log, from 1, without gaps.
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        /// When (to the microsecond).
        pub at: DateTimeUtc,
        /// Who acted: a user's id, `router`, or none (an unknown caller).
        pub actor: Option<String>,
        /// What happened (`session.sign_in`, `api_key.revoked`…).
        pub action: String,
        /// What it happened to: a user's, key's or link's id.
        pub subject: Option<String>,
        /// More, as compact JSON.
        pub detail: String,
        /// The previous record's hash (zeros before the first).
        pub prev_hash: String,
        /// SHA-256 of this record with `prev_hash`, in hex.
        pub hash: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The one row of `audit_head`: the last record's place and hash.
pub mod head {
    use sea_orm::entity::prelude::*;

    /// The row of `audit_head` (its `id` is 1).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_head")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        /// The last record's `seq` (0 before the first).
        pub seq: i64,
        /// The last record's hash.
        pub hash: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A row of `audit_checkpoints`: the chain's hash at a record, MAC'd.
pub mod checkpoint {
    use sea_orm::entity::prelude::*;

    /// A row of `audit_checkpoints`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_checkpoints")]
    pub struct Model {
        /// The record it vouches for.
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        /// That record's hash.
        pub hash: String,
        /// The id of the key-encryption key its MAC key comes from.
        pub kek_id: String,
        /// HMAC-SHA-256 of `seq` and `hash`, in hex.
        pub mac: String,
        /// When it was made.
        pub at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
