//! A key access tokens are signed with.

use sea_orm::entity::prelude::*;

/// A row of `signing_keys`.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_keys")]
pub struct Model {
    /// The JWT `kid`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kid: String,
    /// Ed25519 private key, PKCS#8 PEM.
    pub private_pem: String,
    pub created_at: DateTimeUtc,
    /// When it stopped signing (a newer key took over).
    pub retired_at: Option<DateTimeUtc>,
    /// When it leaves the JWKS (no token it signed is valid any more).
    pub expires_at: Option<DateTimeUtc>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
