//! A coach coaches an athlete. Both ends are users; removing either (the purge) removes
//! the link by `ON DELETE CASCADE`.

use sea_orm::entity::prelude::*;

/// A row of `coach_athletes`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coach_athletes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub coach_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub athlete_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::CoachId",
        to = "super::user::Column::Id"
    )]
    Coach,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::AthleteId",
        to = "super::user::Column::Id"
    )]
    Athlete,
}

impl ActiveModelBehavior for ActiveModel {}
