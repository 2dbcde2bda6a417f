//! The exercise catalogue, coaches' plans with their targets, plan assignments, and
//! athletes' workouts with their logged sets.
//!
//! User ids (`coach_id`, `athlete_id`) are references into the users domain, which may
//! live in another database: no foreign keys cross domains. Within the domain, targets
//! and sets belong to their plan or workout (`ON DELETE CASCADE`). Lists are read per
//! person in id order, so `(person, id)` indexes serve both the filter and the order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Exercises {
    Table,
    Id,
    Slug,
    Name,
    MuscleGroups,
    Equipment,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WorkoutPlans {
    Table,
    Id,
    CoachId,
    Title,
    Goal,
    Weeks,
    ArchivedAt,
    DeletedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PlanTargets {
    Table,
    Id,
    PlanId,
    Week,
    Day,
    Position,
    ExerciseId,
    Sets,
    Reps,
    WeightKg,
}

#[derive(DeriveIden)]
enum PlanAssignments {
    Table,
    Id,
    PlanId,
    CoachId,
    AthleteId,
    StartsAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Workouts {
    Table,
    Id,
    AthleteId,
    CoachId,
    PlanId,
    Title,
    ScheduledAt,
    CompletedAt,
    DurationSeconds,
    CreatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum WorkoutSets {
    Table,
    Id,
    WorkoutId,
    ExerciseId,
    Reps,
    WeightKg,
    Rpe,
    DurationSeconds,
    LoggedAt,
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn ts_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(*col);
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Exercises::Table)
                    .col(
                        ColumnDef::new(Exercises::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Exercises::Slug).string_len(60).not_null())
                    .col(ColumnDef::new(Exercises::Name).string_len(80).not_null())
                    .col(
                        ColumnDef::new(Exercises::MuscleGroups)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Exercises::Equipment)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(ts(Exercises::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("exercises_slug_key", Exercises::Table, &["slug"])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WorkoutPlans::Table)
                    .col(
                        ColumnDef::new(WorkoutPlans::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(WorkoutPlans::CoachId).uuid().not_null())
                    .col(
                        ColumnDef::new(WorkoutPlans::Title)
                            .string_len(120)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WorkoutPlans::Goal)
                            .string_len(500)
                            .not_null(),
                    )
                    .col(ColumnDef::new(WorkoutPlans::Weeks).integer().not_null())
                    .col(ts_null(WorkoutPlans::ArchivedAt))
                    .col(ts_null(WorkoutPlans::DeletedAt))
                    .col(ts(WorkoutPlans::CreatedAt))
                    .col(ts(WorkoutPlans::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "workout_plans_coach_idx",
                WorkoutPlans::Table,
                &["coach_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PlanTargets::Table)
                    .col(
                        ColumnDef::new(PlanTargets::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(PlanTargets::PlanId).uuid().not_null())
                    .col(ColumnDef::new(PlanTargets::Week).integer().not_null())
                    .col(ColumnDef::new(PlanTargets::Day).integer().not_null())
                    .col(ColumnDef::new(PlanTargets::Position).integer().not_null())
                    .col(ColumnDef::new(PlanTargets::ExerciseId).uuid().not_null())
                    .col(ColumnDef::new(PlanTargets::Sets).integer().not_null())
                    .col(ColumnDef::new(PlanTargets::Reps).integer().not_null())
                    .col(ColumnDef::new(PlanTargets::WeightKg).double().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("plan_targets_plan_fk")
                            .from(PlanTargets::Table, PlanTargets::PlanId)
                            .to(WorkoutPlans::Table, WorkoutPlans::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("plan_targets_exercise_fk")
                            .from(PlanTargets::Table, PlanTargets::ExerciseId)
                            .to(Exercises::Table, Exercises::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "plan_targets_plan_idx",
                PlanTargets::Table,
                &["plan_id", "week", "day", "position"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PlanAssignments::Table)
                    .col(
                        ColumnDef::new(PlanAssignments::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(PlanAssignments::PlanId).uuid().not_null())
                    .col(ColumnDef::new(PlanAssignments::CoachId).uuid().not_null())
                    .col(ColumnDef::new(PlanAssignments::AthleteId).uuid().not_null())
                    .col(ts(PlanAssignments::StartsAt))
                    .col(ts(PlanAssignments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("plan_assignments_plan_fk")
                            .from(PlanAssignments::Table, PlanAssignments::PlanId)
                            .to(WorkoutPlans::Table, WorkoutPlans::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "plan_assignments_plan_athlete_key",
                    PlanAssignments::Table,
                    &["plan_id", "athlete_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        // "Which athletes did this coach assign a plan to" decides every coach rule.
        manager
            .create_index(index(
                "plan_assignments_coach_idx",
                PlanAssignments::Table,
                &["coach_id", "athlete_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "plan_assignments_athlete_idx",
                PlanAssignments::Table,
                &["athlete_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Workouts::Table)
                    .col(ColumnDef::new(Workouts::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Workouts::AthleteId).uuid().not_null())
                    .col(ColumnDef::new(Workouts::CoachId).uuid().null())
                    .col(ColumnDef::new(Workouts::PlanId).uuid().null())
                    .col(ColumnDef::new(Workouts::Title).string_len(120).not_null())
                    .col(ts(Workouts::ScheduledAt))
                    .col(ts_null(Workouts::CompletedAt))
                    .col(ColumnDef::new(Workouts::DurationSeconds).integer().null())
                    .col(ts(Workouts::CreatedAt))
                    .col(ts_null(Workouts::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("workouts_plan_fk")
                            .from(Workouts::Table, Workouts::PlanId)
                            .to(WorkoutPlans::Table, WorkoutPlans::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "workouts_athlete_idx",
                Workouts::Table,
                &["athlete_id", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "workouts_athlete_scheduled_idx",
                Workouts::Table,
                &["athlete_id", "scheduled_at"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WorkoutSets::Table)
                    .col(
                        ColumnDef::new(WorkoutSets::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(WorkoutSets::WorkoutId).uuid().not_null())
                    .col(ColumnDef::new(WorkoutSets::ExerciseId).uuid().not_null())
                    .col(ColumnDef::new(WorkoutSets::Reps).integer().not_null())
                    .col(ColumnDef::new(WorkoutSets::WeightKg).double().not_null())
                    .col(ColumnDef::new(WorkoutSets::Rpe).double().null())
                    .col(
                        ColumnDef::new(WorkoutSets::DurationSeconds)
                            .integer()
                            .null(),
                    )
                    .col(ts(WorkoutSets::LoggedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("workout_sets_workout_fk")
                            .from(WorkoutSets::Table, WorkoutSets::WorkoutId)
                            .to(Workouts::Table, Workouts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("workout_sets_exercise_fk")
                            .from(WorkoutSets::Table, WorkoutSets::ExerciseId)
                            .to(Exercises::Table, Exercises::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "workout_sets_workout_idx",
                WorkoutSets::Table,
                &["workout_id", "id"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WorkoutSets::Table.into_iden(),
            Workouts::Table.into_iden(),
            PlanAssignments::Table.into_iden(),
            PlanTargets::Table.into_iden(),
            WorkoutPlans::Table.into_iden(),
            Exercises::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
