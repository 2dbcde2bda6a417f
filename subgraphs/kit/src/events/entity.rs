//! The tables of `tessera_migrations::events`, kept by every domain.

/// `event_outbox`: events waiting for (or past) the relay.
pub mod outbox {
    use sea_orm::entity::prelude::*;

    /// A row of `event_outbox`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "event_outbox")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub family: String,
        pub kind: String,
        pub version: i32,
        pub aggregate: String,
        pub producer: String,
        pub occurred_at: DateTimeUtc,
        #[sea_orm(column_type = "Text")]
        pub payload: String,
        pub relayed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `event_processed`: events a consumer's handler committed.
pub mod processed {
    use sea_orm::entity::prelude::*;

    /// A row of `event_processed`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "event_processed")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub consumer: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub event_id: Uuid,
        pub processed_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `event_dead_letters`: events a consumer parked.
pub mod dead_letter {
    use sea_orm::entity::prelude::*;

    /// A row of `event_dead_letters`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "event_dead_letters")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub consumer: String,
        pub event_id: Uuid,
        pub kind: String,
        #[sea_orm(column_type = "Text")]
        pub envelope: String,
        #[sea_orm(column_type = "Text")]
        pub error: String,
        pub attempts: i32,
        pub dead_at: DateTimeUtc,
        pub replay_requested_at: Option<DateTimeUtc>,
        pub replayed_at: Option<DateTimeUtc>,
        #[sea_orm(column_type = "Text", nullable)]
        pub replay_error: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `coaching_severed`: coaching links users ended.
pub mod severed {
    use sea_orm::entity::prelude::*;

    /// A row of `coaching_severed`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "coaching_severed")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub coach_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub athlete_id: Uuid,
        pub severed_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
