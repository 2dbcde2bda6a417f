//! The consent ledger: what an erasure keeps of a person's consent records, without
//! the person (see [`crate::service::ledger`] for why and for how long).

use sea_orm::entity::prelude::*;

use super::kinds::Channel;

/// A row of `consent_ledger`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_ledger")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// A one-way hash of the user id ([`crate::service::ledger::subject_hash`]); never
    /// the id itself.
    pub subject_hash: String,
    pub channel: Channel,
    pub granted: bool,
    pub source: LedgerSource,
    /// When the consent was given or withdrawn.
    pub recorded_at: DateTimeUtc,
    /// The purge removes the row after this.
    pub retain_until: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Who made a ledger record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum LedgerSource {
    /// The person, recording or withdrawing consent (a copy of their `consents` row).
    #[sea_orm(string_value = "person")]
    Person,
    /// The erasure, withdrawing a consent that still stood when the data was erased.
    #[sea_orm(string_value = "erasure")]
    Erasure,
}
