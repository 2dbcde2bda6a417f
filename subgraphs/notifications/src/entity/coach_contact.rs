//! An athlete accepts messages from a coach. The coach roster lives in the users
//! domain; until the router's signed identity (#6) can carry it, the athlete's own
//! opt-in here is what lets a coach send to them.

use sea_orm::entity::prelude::*;

/// A row of `coach_contacts`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coach_contacts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub athlete_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub coach_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
