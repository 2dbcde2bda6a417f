//! One refresh token of a sign-in session (a family of tokens, each replacing the one
//! before). Only the token's SHA-256 is stored.

use sea_orm::entity::prelude::*;

/// A row of `refresh_tokens`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The sign-in this token descends from.
    pub family_id: Uuid,
    pub user_id: Uuid,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    /// Scopes granted at sign-in (space-separated), carried to each access token.
    pub scopes: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// Set when the token was exchanged for its successor.
    pub used_at: Option<DateTimeUtc>,
    /// Set when the session was signed out or a reuse revoked it.
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
