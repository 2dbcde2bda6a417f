//! One step of a practice.

use sea_orm::entity::prelude::*;

/// A row of `codex_practice_steps`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "codex_practice_steps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub entry_id: Uuid,
    /// From 1, in the order the author wrote them.
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    /// What to do, in plain text.
    pub instruction: String,
    /// The catalogue exercise the step is, if any (`tessera_kit::catalogue`).
    pub exercise_slug: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
