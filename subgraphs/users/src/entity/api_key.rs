//! An API key issued to a partner. Only the key's SHA-256 is stored.

use sea_orm::entity::prelude::*;

/// A row of `api_keys`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The partner it was issued to.
    pub owner_id: Uuid,
    /// What the partner calls it (`production`, `staging`).
    pub name: String,
    /// The key's first characters, to recognise it by (`tsk_3kq9Zp1c`).
    pub prefix: String,
    /// Hex SHA-256 of the key.
    pub key_hash: String,
    pub created_at: DateTimeUtc,
    /// When it was last exchanged for an access token (to the minute).
    pub last_used_at: Option<DateTimeUtc>,
    /// Set when revoked; a revoked key is refused.
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
