//! A coach assigned one of their plans to an athlete (a fact of the past: it grants the
//! coach nothing; who coaches whom comes from the users domain's roster).

use sea_orm::entity::prelude::*;

/// A row of `plan_assignments`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub coach_id: Uuid,
    pub athlete_id: Uuid,
    /// When week 1, day 1 of the plan falls for this athlete.
    pub starts_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
