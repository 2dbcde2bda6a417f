//! Who coaches whom, as the users domain announced it (`coaching.linked`,
//! `coaching.unlinked`): so an athlete's progress reaches each of their coaches. Users is
//! the authority; this is its projection, kept by this domain's event handler.

use sea_orm::entity::prelude::*;

/// A row of `coaching_links`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coaching_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub coach_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub athlete_id: Uuid,
    pub linked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
