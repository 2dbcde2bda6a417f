//! Shared by the workouts tests: a fresh database with the catalogue, people as
//! viewers, plans, and the subgraph served over real HTTP on a free port.

#![allow(dead_code)]

use sea_orm::DatabaseConnection;
use tessera_kit::testing::{self, TestDb, fresh_db};
// The kit's cast and clock; each test binary uses some of them.
#[allow(unused_imports)]
pub use tessera_kit::testing::{Person, Served, admin, athlete, coach, t0};
use tessera_migrations::WorkoutsMigrator;
use tessera_workouts::{
    entity::{assignment, plan, workout},
    service::{
        access::Access,
        catalogue::{self, id_of},
        plans::{self, NewPlan, NewTarget},
    },
};

/// A fresh migrated database with the exercise catalogue.
pub async fn db() -> TestDb {
    let t = fresh_db::<WorkoutsMigrator>().await;
    catalogue::seed(&t.db, t0()).await.expect("catalogue seeds");
    t
}

/// A person's access as the GraphQL layer makes it.
pub trait AccessOf {
    /// What they may read and change.
    fn access(&self) -> Access;
}

impl AccessOf for Person {
    fn access(&self) -> Access {
        Access::new(self.viewer())
    }
}

/// A 2-week plan, Monday and Thursday: squats 3×5 at 100 kg, then push-ups 3×10.
pub fn two_week_plan() -> NewPlan {
    let mut targets = Vec::new();
    for week in 1..=2 {
        for day in [1, 4] {
            targets.push(NewTarget {
                week,
                day,
                exercise_id: id_of("back-squat"),
                sets: 3,
                reps: 5,
                weight_kg: Some(100.0),
            });
            targets.push(NewTarget {
                week,
                day,
                exercise_id: id_of("push-up"),
                sets: 3,
                reps: 10,
                weight_kg: None,
            });
        }
    }
    NewPlan {
        title: "Two weeks".to_owned(),
        goal: "Get going".to_owned(),
        weeks: 2,
        targets,
    }
}

pub async fn plan_by(db: &DatabaseConnection, coach: &Person) -> plan::Model {
    plans::create(db, &coach.access(), two_week_plan(), t0())
        .await
        .expect("plan created")
}

/// `coach` (who coaches `athlete`) assigns a fresh plan to `athlete` starting at t0:
/// four workouts.
pub async fn assign(
    db: &DatabaseConnection,
    coach: &Person,
    athlete: &Person,
) -> (assignment::Model, Vec<workout::Model>) {
    let plan = plan_by(db, coach).await;
    plans::assign(db, &coach.access(), plan.id, athlete.id, t0(), t0())
        .await
        .expect("assigned")
}

/// The subgraph on a free port, serving until the returned value is dropped.
pub async fn serve(db: &DatabaseConnection) -> Served {
    testing::serve(tessera_workouts::app(db.clone(), testing::trust())).await
}
