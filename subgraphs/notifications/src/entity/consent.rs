//! Consent to a channel, recorded with its time. Append-only: the latest record per
//! channel is the current state, the rest is the history a regulator may ask for.

use sea_orm::entity::prelude::*;

use super::kinds::Channel;

/// A row of `consents`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub channel: Channel,
    pub granted: bool,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
