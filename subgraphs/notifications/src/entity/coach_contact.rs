//! An athlete accepts messages from a coach: the athlete's own choice, on top of the
//! rule that a coach sends only to their athletes. Who coaches whom is not decided here
//! but by the users domain's roster, which the router's identity carries.

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
