//! The workouts domain's rules at the service level, on SQLite, and on PostgreSQL when
//! `DATABASE_URL` is set (CI runs both).

mod common;

use chrono::{Duration, NaiveDate};
use common::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use tessera_kit::{
    error::ServiceError,
    pagination::{PageArgs, encode},
    purge::Retention,
};
use tessera_workouts::{
    demo,
    entity::{
        assignment, exercise, exercise::MuscleGroup, plan, plan_target, workout, workout_set,
    },
    service::{
        catalogue::{self, id_of},
        plans::{self, PlanUpdate},
        privacy,
        progress::{self, Window},
        purge::{self, Purged},
        sessions::{self, NewSet, NewWorkout, Range},
    },
};

fn invalid_field(err: ServiceError) -> String {
    match err {
        ServiceError::Invalid { field, .. } => field,
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }
}

fn set(slug: &str, reps: i32, kg: f64) -> NewSet {
    NewSet {
        exercise_id: id_of(slug),
        reps,
        weight_kg: kg,
        rpe: Some(8.0),
        duration_seconds: None,
    }
}

#[tokio::test]
async fn the_catalogue_seeds_once_and_is_found_by_slug_and_muscle_group() {
    let t = db().await;
    catalogue::seed(&t.db, t0()).await.expect("seeding again");
    let count = exercise::Entity::find().count(&t.db).await.expect("count");
    assert_eq!(count, catalogue::CATALOGUE.len() as u64);
    // The names are the shipped catalogue's (other services show them too): a name
    // changed in the table is put back by the next start's seed.
    exercise::Entity::update_many()
        .col_expr(
            exercise::Column::Name,
            sea_orm::sea_query::Expr::value("Squat, back"),
        )
        .filter(exercise::Column::Id.eq(id_of("back-squat")))
        .exec(&t.db)
        .await
        .expect("renamed");
    catalogue::seed(&t.db, t0()).await.expect("seeding again");
    let names: Vec<(String, String)> = exercise::Entity::find()
        .order_by_asc(exercise::Column::Id)
        .all(&t.db)
        .await
        .expect("rows")
        .into_iter()
        .map(|e| (e.slug, e.name))
        .collect();
    let shipped: Vec<(String, String)> = tessera_kit::catalogue::EXERCISES
        .iter()
        .map(|e| (e.slug.to_owned(), e.name.to_owned()))
        .collect();
    assert_eq!(names, shipped);
    let squat = catalogue::by_slug(&t.db, " Back-Squat ")
        .await
        .expect("query")
        .expect("found");
    assert_eq!(squat.id, id_of("back-squat"));
    assert_eq!(
        squat.muscle_groups(),
        vec![MuscleGroup::Quads, MuscleGroup::Glutes, MuscleGroup::Core]
    );
    let page = PageArgs::forward(Some(100), None).page().expect("page");
    let calves = catalogue::list(&t.db, Some(MuscleGroup::Calves), &page)
        .await
        .expect("list");
    let slugs: Vec<&str> = calves.iter().map(|e| e.slug.as_str()).collect();
    assert_eq!(slugs, vec!["calf-raise", "easy-run"]);
}

#[tokio::test]
async fn only_coaches_create_plans_and_each_bad_value_names_its_field() {
    let t = db().await;
    let carter = coach();
    let alex = athlete();
    let err = plans::create(&t.db, &alex.access(), two_week_plan(), t0())
        .await
        .expect_err("athletes cannot");
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");

    let access = carter.access();
    let with = |f: &dyn Fn(&mut plans::NewPlan)| {
        let mut p = two_week_plan();
        f(&mut p);
        p
    };
    let cases: Vec<(plans::NewPlan, &str)> = vec![
        (with(&|p| p.title = " ".into()), "title"),
        (with(&|p| p.weeks = 0), "weeks"),
        (with(&|p| p.targets[0].week = 3), "week"),
        (with(&|p| p.targets[0].day = 8), "day"),
        (with(&|p| p.targets[0].sets = 0), "sets"),
        (with(&|p| p.targets[0].reps = 101), "reps"),
        (with(&|p| p.targets[0].weight_kg = Some(-5.0)), "weightKg"),
        (with(&|p| p.targets.clear()), "sessions"),
        (
            with(&|p| p.targets[0].exercise_id = uuid::Uuid::now_v7()),
            "exerciseId",
        ),
    ];
    for (input, field) in cases {
        let err = plans::create(&t.db, &access, input, t0())
            .await
            .expect_err(field);
        assert_eq!(invalid_field(err), field);
    }
    let plan = plans::create(&t.db, &access, two_week_plan(), t0())
        .await
        .expect("valid");
    assert_eq!(plan.coach_id, carter.id);
    let targets = plans::targets_of(&t.db, &[plan.id]).await.expect("targets");
    let order: Vec<(i32, i32, i32)> = targets[&plan.id]
        .iter()
        .map(|t| (t.week, t.day, t.position))
        .collect();
    assert_eq!(
        order,
        vec![
            (1, 1, 1),
            (1, 1, 2),
            (1, 4, 1),
            (1, 4, 2),
            (2, 1, 1),
            (2, 1, 2),
            (2, 4, 1),
            (2, 4, 2)
        ]
    );
}

#[tokio::test]
async fn assigning_schedules_every_session_once_and_only_for_own_live_plans() {
    let t = db().await;
    let alex = athlete();
    let carter = coach().coaching(&[&alex]);
    let kim = coach().coaching(&[&alex]);
    let plan = plan_by(&t.db, &carter).await;
    let access = carter.access();

    let err = plans::assign(&t.db, &kim.access(), plan.id, alex.id, t0(), t0())
        .await
        .expect_err("not Kim's plan");
    assert!(matches!(err, ServiceError::NotFound(_)), "{err:?}");

    let (assignment, workouts) = plans::assign(&t.db, &access, plan.id, alex.id, t0(), t0())
        .await
        .expect("assigned");
    assert_eq!(assignment.athlete_id, alex.id);
    let schedule: Vec<_> = workouts.iter().map(|w| w.scheduled_at).collect();
    assert_eq!(
        schedule,
        vec![
            t0(),
            t0() + Duration::days(3),
            t0() + Duration::days(7),
            t0() + Duration::days(10)
        ]
    );
    assert_eq!(workouts[2].title, "Two weeks · week 2, day 1");
    assert!(workouts.iter().all(|w| w.coach_id == Some(carter.id)));

    let again = plans::assign(&t.db, &access, plan.id, alex.id, t0(), t0())
        .await
        .expect_err("twice");
    assert!(
        matches!(&again, ServiceError::Conflict { field: Some(f), .. } if f == "athleteId"),
        "{again:?}"
    );
    let own = plans::assign(&t.db, &access, plan.id, carter.id, t0(), t0())
        .await
        .expect_err("self");
    assert_eq!(invalid_field(own), "athleteId");

    let updated = plans::update(
        &t.db,
        &access,
        plan.id,
        PlanUpdate {
            title: Some("Renamed".into()),
            goal: None,
        },
        t0(),
    )
    .await
    .expect("updated");
    assert_eq!(
        (updated.title.as_str(), updated.goal.as_str()),
        ("Renamed", "Get going")
    );
    let archived = plans::archive(&t.db, &access, plan.id, t0())
        .await
        .expect("archived");
    assert_eq!(archived.archived_at, Some(t0()));
    let err = plans::assign(&t.db, &access, plan.id, alex.id, t0(), t0())
        .await
        .expect_err("archived");
    assert!(matches!(err, ServiceError::Conflict { .. }), "{err:?}");
}

#[tokio::test]
async fn coaches_see_only_their_roster_and_admins_see_all() {
    let t = db().await;
    let alex = athlete();
    let blair = athlete();
    let carter = coach().coaching(&[&alex]);
    let kim = coach().coaching(&[&blair]);
    assign(&t.db, &carter, &alex).await;

    let carter_access = carter.access();
    assert!(carter_access.may_see_athlete(alex.id));
    assert!(!carter_access.may_see_athlete(blair.id));
    assert!(!kim.access().may_see_athlete(alex.id));
    assert!(admin().access().may_see_athlete(alex.id));
    assert!(alex.access().may_see_athlete(alex.id));
    assert!(!alex.access().may_see_athlete(blair.id));
    // Without the coach role, a roster grants nothing.
    let not_a_coach = Person {
        roles: &[tessera_kit::viewer::Role::Athlete],
        ..carter.clone()
    };
    assert!(!not_a_coach.access().may_see_athlete(alex.id));
    // The plan Carter assigned to Alex is no evidence of coaching: once the link is
    // removed in users, Carter sees nothing of Alex's, assignment or not.
    let former = carter.clone().unlinked_from(&alex);
    assert!(!former.access().may_see_athlete(alex.id));
    let page = PageArgs::default().page().expect("page");
    assert_eq!(
        plans::assignments_of(&t.db, &[alex.id], &page)
            .await
            .expect("assignments")[&alex.id]
            .len(),
        1,
        "the assignment is still there"
    );

    // A coach schedules for their athlete, not for others.
    let for_alex = sessions::schedule(
        &t.db,
        &carter_access,
        NewWorkout {
            athlete_id: alex.id,
            title: "Extra".into(),
            scheduled_at: t0(),
        },
        t0(),
    )
    .await
    .expect("coach schedules for their athlete");
    assert_eq!(for_alex.coach_id, Some(carter.id));
    for (who, athlete) in [(&carter, &blair), (&former, &alex)] {
        let err = sessions::schedule(
            &t.db,
            &who.access(),
            NewWorkout {
                athlete_id: athlete.id,
                title: "Extra".into(),
                scheduled_at: t0(),
            },
            t0(),
        )
        .await
        .expect_err("not their athlete");
        assert!(
            matches!(&err, ServiceError::Forbidden(m)
                if m == "you may schedule workouts for yourself and for athletes you coach"),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn a_coach_cannot_assign_to_someone_they_do_not_coach_and_nothing_is_written() {
    let t = db().await;
    let alex = athlete();
    let casey = athlete();
    let carter = coach().coaching(&[&alex]);
    let plan = plan_by(&t.db, &carter).await;
    let workouts_before = rows::<workout::Entity>(&t).await;
    for stranger in [&casey, &admin()] {
        let err = plans::assign(&t.db, &carter.access(), plan.id, stranger.id, t0(), t0())
            .await
            .expect_err("not Carter's athlete");
        assert!(
            matches!(&err, ServiceError::Forbidden(m) if m == "you may plan only for athletes you coach"),
            "{err:?}"
        );
    }
    // Nor once the link is gone, even for an athlete Carter planned for before.
    assign(&t.db, &carter, &alex).await;
    let former = carter.clone().unlinked_from(&alex);
    let err = plans::assign(&t.db, &former.access(), plan.id, alex.id, t0(), t0())
        .await
        .expect_err("no longer Carter's athlete");
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
    assert_eq!(
        rows::<assignment::Entity>(&t).await,
        1,
        "only the allowed one"
    );
    assert_eq!(
        rows::<workout::Entity>(&t).await,
        workouts_before + 4,
        "only the allowed one's sessions"
    );
    assert_eq!(
        assignment::Entity::find()
            .filter(assignment::Column::AthleteId.eq(casey.id))
            .count(&t.db)
            .await
            .expect("count"),
        0
    );
}

#[tokio::test]
async fn only_the_athlete_logs_and_completes_and_completing_twice_conflicts() {
    let t = db().await;
    let alex = athlete();
    let carter = coach().coaching(&[&alex]);
    let (_, workouts) = assign(&t.db, &carter, &alex).await;
    let w = &workouts[0];
    let alex_access = alex.access();

    let err = sessions::log_set(
        &t.db,
        &carter.access(),
        w.id,
        set("back-squat", 5, 100.0),
        t0(),
    )
    .await
    .expect_err("coach cannot log");
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
    let err = sessions::log_set(
        &t.db,
        &athlete().access(),
        w.id,
        set("back-squat", 5, 100.0),
        t0(),
    )
    .await
    .expect_err("stranger");
    assert!(matches!(err, ServiceError::NotFound(_)), "{err:?}");
    for (input, field) in [
        (
            NewSet {
                rpe: Some(7.3),
                ..set("back-squat", 5, 100.0)
            },
            "rpe",
        ),
        (set("back-squat", -1, 100.0), "reps"),
        (set("back-squat", 5, 2000.0), "weightKg"),
        (
            NewSet {
                exercise_id: uuid::Uuid::now_v7(),
                ..set("back-squat", 5, 100.0)
            },
            "exerciseId",
        ),
    ] {
        let err = sessions::log_set(&t.db, &alex_access, w.id, input, t0())
            .await
            .expect_err(field);
        assert_eq!(invalid_field(err), field);
    }
    let logged = sessions::log_set(&t.db, &alex_access, w.id, set("back-squat", 5, 100.0), t0())
        .await
        .expect("logs");
    assert_eq!((logged.reps, logged.weight_kg), (5, 100.0));

    let done = sessions::complete(&t.db, &alex_access, w.id, Some(3600), t0())
        .await
        .expect("completes");
    assert_eq!(done.completed_at, Some(t0()));
    let err = sessions::complete(&t.db, &alex_access, w.id, None, t0())
        .await
        .expect_err("twice");
    assert!(matches!(err, ServiceError::Conflict { .. }), "{err:?}");
}

#[tokio::test]
async fn progress_is_computed_by_the_database_per_week() {
    let t = db().await;
    let alex = athlete();
    let blair = athlete();
    let carter = coach().coaching(&[&alex]);
    let (_, workouts) = assign(&t.db, &carter, &alex).await;
    let alex_access = alex.access();
    // Week of 23 Nov: workouts 0 and 1 done; week of 30 Nov: workout 2 done, 3 missed.
    type Logged<'a> = &'a [(&'a str, i32, f64)];
    let plan: [(usize, Logged<'_>); 3] = [
        (0, &[("back-squat", 5, 100.0), ("back-squat", 5, 100.0)]),
        (1, &[("back-squat", 5, 105.0), ("push-up", 12, 0.0)]),
        (2, &[("back-squat", 3, 110.0)]),
    ];
    for (i, sets) in plan {
        for (slug, reps, kg) in sets {
            sessions::log_set(
                &t.db,
                &alex_access,
                workouts[i].id,
                set(slug, *reps, *kg),
                t0(),
            )
            .await
            .expect("logs");
        }
        sessions::complete(
            &t.db,
            &alex_access,
            workouts[i].id,
            None,
            workouts[i].scheduled_at + Duration::hours(1),
        )
        .await
        .expect("completes");
    }
    let window = Window {
        since: t0() - Duration::days(1),
        until: t0() + Duration::days(14),
    };
    let stats = progress::stats_of(&t.db, &[alex.id, blair.id], window)
        .await
        .expect("stats");
    let alex_stats = &stats[&alex.id];
    let weeks: Vec<(NaiveDate, f64, i64)> = alex_stats
        .weekly_volume
        .iter()
        .map(|w| (w.week_start, w.volume_kg, w.sets))
        .collect();
    let date = |d| NaiveDate::from_ymd_opt(2026, 11, d).expect("date");
    assert_eq!(
        weeks,
        vec![(date(23), 1000.0 + 525.0, 4), (date(30), 330.0, 1)]
    );
    assert_eq!((alex_stats.scheduled, alex_stats.completed), (4, 3));
    assert_eq!(alex_stats.adherence_rate(), Some(0.75));
    let records: Vec<(uuid::Uuid, f64, i64)> = alex_stats
        .personal_records
        .iter()
        .map(|r| (r.exercise_id, r.weight_kg, r.reps))
        .collect();
    assert_eq!(
        records,
        vec![(id_of("back-squat"), 110.0, 5), (id_of("push-up"), 0.0, 12)]
    );
    assert_eq!(stats[&blair.id], progress::Stats::default());
    assert_eq!(stats[&blair.id].adherence_rate(), None);
}

#[tokio::test]
async fn one_statement_pages_the_workouts_of_many_athletes() {
    let t = db().await;
    let people: Vec<Person> = (0..3).map(|_| athlete()).collect();
    let carter = coach().coaching(&people.iter().collect::<Vec<_>>());
    for p in &people {
        assign(&t.db, &carter, p).await;
    }
    let page = PageArgs::forward(Some(3), None).page().expect("page");
    let ids: Vec<_> = people.iter().map(|p| p.id).collect();
    t.reset_statements();
    let pages = sessions::of_athletes(&t.db, &ids, Range::default(), &page)
        .await
        .expect("pages");
    assert_eq!(t.statements(), 1);
    for p in &people {
        let rows = &pages[&p.id];
        assert_eq!(rows.len(), 4, "a page of 3 plus one to tell a next page");
        assert!(rows.iter().all(|w| w.athlete_id == p.id));
        assert!(rows.windows(2).all(|w| w[0].id < w[1].id));
    }
    // The next page continues after the cursor, for each athlete.
    let first = &pages[&people[1].id];
    let next = PageArgs::forward(Some(3), Some(encode(first[2].id)))
        .page()
        .expect("page");
    let rest = sessions::of_athletes(&t.db, &[people[1].id], Range::default(), &next)
        .await
        .expect("next page");
    assert_eq!(rest[&people[1].id].len(), 1);
    assert_eq!(rest[&people[1].id][0].id, first[3].id);
    // A date range narrows every athlete's list.
    let range = Range {
        from: Some(t0() + Duration::days(5)),
        to: None,
    };
    let later = sessions::of_athletes(&t.db, &ids, range, &page)
        .await
        .expect("range");
    assert!(later.values().all(|rows| rows.len() == 2));
    let backwards = Range {
        from: Some(t0()),
        to: Some(t0() - Duration::days(1)),
    };
    assert_eq!(
        invalid_field(backwards.checked().expect_err("reversed")),
        "to"
    );
}

#[tokio::test]
async fn erasure_hides_the_callers_rows_and_leaves_their_coach_nothing() {
    let t = db().await;
    let alex = athlete();
    let carter = coach().coaching(&[&alex]);
    let (_, workouts) = assign(&t.db, &carter, &alex).await;
    let alex_access = alex.access();
    sessions::log_set(
        &t.db,
        &alex_access,
        workouts[0].id,
        set("back-squat", 5, 100.0),
        t0(),
    )
    .await
    .expect("logs");

    let export = privacy::export(&t.db, &alex_access, t0())
        .await
        .expect("export");
    assert_eq!(export.workouts.len(), 4);
    assert_eq!(export.sets.len(), 1);
    assert_eq!(export.assignments.len(), 1);
    assert!(export.plans.is_empty());
    let coach_export = privacy::export(&t.db, &carter.access(), t0())
        .await
        .expect("export");
    assert_eq!(coach_export.plans.len(), 1);
    assert_eq!(coach_export.targets.len(), 8);

    let erased = privacy::erase(&t.db, &alex_access, t0())
        .await
        .expect("erase");
    assert_eq!(
        erased,
        privacy::Erased {
            workouts: 4,
            plans: 0,
            assignments: 1
        }
    );
    let after = privacy::export(&t.db, &alex_access, t0())
        .await
        .expect("export");
    assert!(after.workouts.is_empty() && after.sets.is_empty() && after.assignments.is_empty());
    // Whether Carter still coaches Alex is for users to say; here, nothing is left
    // for him to see.
    assert!(carter.access().may_see_athlete(alex.id));
    let page = PageArgs::default().page().expect("page");
    let listed = sessions::of_athletes(&t.db, &[alex.id], Range::default(), &page)
        .await
        .expect("list");
    assert!(listed.get(&alex.id).is_none_or(Vec::is_empty));
    // Soft: the rows are still there until a purge, just hidden.
    assert_eq!(
        workout::Entity::find().count(&t.db).await.expect("count"),
        4
    );
    assert_eq!(
        workout_set::Entity::find()
            .count(&t.db)
            .await
            .expect("count"),
        1
    );
}

/// Rows of `E` (deleted or not), to see what a purge left.
async fn rows<E>(t: &tessera_kit::testing::TestDb) -> u64
where
    E: EntityTrait,
    E::Model: Sync,
{
    E::find().count(&t.db).await.expect("count")
}

#[tokio::test]
async fn erased_workouts_and_plans_are_purged_after_retention_and_nothing_else() {
    let t = db().await;
    let retention = Retention::default();
    let (alex, blair) = (athlete(), athlete());
    let (carter, kim) = (coach().coaching(&[&alex, &blair]), coach());
    let (_, alex_workouts) = assign(&t.db, &carter, &alex).await;
    let (_, blair_workouts) = assign(&t.db, &carter, &blair).await;
    let kept_plan = plan_by(&t.db, &kim).await;
    for (who, workout) in [(&alex, &alex_workouts[0]), (&blair, &blair_workouts[0])] {
        sessions::log_set(
            &t.db,
            &who.access(),
            workout.id,
            set("back-squat", 5, 100.0),
            t0(),
        )
        .await
        .expect("logs");
    }
    // Alex erases their data at t0, Carter a day later.
    privacy::erase(&t.db, &alex.access(), t0())
        .await
        .expect("erase");
    privacy::erase(&t.db, &carter.access(), t0() + Duration::days(1))
        .await
        .expect("erase");
    let purge_at = |at| purge::purge_deleted(&t.db, &retention, at);

    // Not a second before the window ends.
    let early = purge_at(t0() + Duration::days(30) - Duration::seconds(1))
        .await
        .expect("purge");
    assert_eq!(early, Purged::default());
    assert_eq!(rows::<workout::Entity>(&t).await, 8);
    assert_eq!(rows::<plan::Entity>(&t).await, 3);

    // Alex's window ends: their workouts go, with their set; Carter's plans stay.
    let purged = purge_at(t0() + Duration::days(30)).await.expect("purge");
    assert_eq!(
        purged,
        Purged {
            workouts: 4,
            plans: 0
        }
    );
    assert_eq!(rows::<workout::Entity>(&t).await, 4);
    assert_eq!(rows::<workout_set::Entity>(&t).await, 1);
    assert_eq!(rows::<plan::Entity>(&t).await, 3);

    // Carter's window ends: both plans go with their targets. Blair's workouts and set
    // are Blair's: they stay, no longer linked to the purged plan. Kim is untouched.
    let purged = purge_at(t0() + Duration::days(31)).await.expect("purge");
    assert_eq!(
        purged,
        Purged {
            workouts: 0,
            plans: 2
        }
    );
    let plans = plan::Entity::find().all(&t.db).await.expect("plans");
    assert_eq!(
        plans.iter().map(|p| p.id).collect::<Vec<_>>(),
        [kept_plan.id]
    );
    assert_eq!(
        plan_target::Entity::find()
            .filter(plan_target::Column::PlanId.ne(kept_plan.id))
            .count(&t.db)
            .await
            .expect("count"),
        0
    );
    assert_eq!(rows::<plan_target::Entity>(&t).await, 8, "Kim's targets");
    assert_eq!(rows::<assignment::Entity>(&t).await, 0);
    let left = workout::Entity::find().all(&t.db).await.expect("workouts");
    assert_eq!(left.len(), 4);
    assert!(
        left.iter()
            .all(|w| w.athlete_id == blair.id && w.plan_id.is_none() && w.deleted_at.is_none()),
        "{left:?}"
    );
    let sets = workout_set::Entity::find().all(&t.db).await.expect("sets");
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].workout_id, blair_workouts[0].id);

    // Nothing is left to purge, however late.
    let again = purge_at(t0() + Duration::days(400)).await.expect("purge");
    assert_eq!(again, Purged::default());
}

#[tokio::test]
async fn demo_data_seeds_weeks_of_training_idempotently() {
    let t = db().await;
    demo::seed(&t.db, t0()).await.expect("seeds");
    let workouts = workout::Entity::find().count(&t.db).await.expect("count");
    let sets = workout_set::Entity::find()
        .count(&t.db)
        .await
        .expect("count");
    assert_eq!(workouts, 4 * 6 * 3, "four athletes, six weeks, three days");
    assert!(sets > 100, "{sets} sets");
    demo::seed(&t.db, t0() + Duration::days(2))
        .await
        .expect("again");
    assert_eq!(
        workout::Entity::find().count(&t.db).await.expect("count"),
        workouts
    );
    assert_eq!(
        workout_set::Entity::find()
            .count(&t.db)
            .await
            .expect("count"),
        sets
    );
    // The ids the journal's demo links to exist, and are the right athletes'.
    let drew_first = workout::Entity::find_by_id(tessera_kit::demo::workout_id(3, 0))
        .one(&t.db)
        .await
        .expect("query")
        .expect("Drew's first demo workout");
    assert_eq!(drew_first.athlete_id, tessera_kit::demo::ATHLETE_DREW.id);
    assert_eq!(drew_first.title, "Conditioning block · week 1, day 2");
    let alex = tessera_kit::demo::ATHLETE_ALEX.id;
    let window = Window {
        since: t0() - Duration::weeks(8),
        until: t0(),
    };
    let stats = progress::stats_of(&t.db, &[alex], window)
        .await
        .expect("stats");
    // Four past weeks, and this Monday morning's session (t0 is Monday noon).
    assert_eq!(stats[&alex].weekly_volume.len(), 5);
    let rate = stats[&alex].adherence_rate().expect("scheduled");
    assert!(rate > 0.7 && rate < 1.0, "{rate}");
}
