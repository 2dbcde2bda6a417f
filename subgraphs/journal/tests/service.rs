//! The journal domain's rules at the service level, on SQLite, and on PostgreSQL when
//! `DATABASE_URL` is set (CI runs both).

mod common;

use chrono::{Duration, NaiveDate};
use common::*;
use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder};
use tessera_journal::{
    demo,
    entity::entry::{self, Mood},
    service::{
        access::Visibility,
        entries::{self, EntryFilter, EntryUpdate, NewEntry},
        privacy, purge,
        trend::{self, TrendArgs},
    },
};
use tessera_kit::{error::ServiceError, pagination::PageArgs, purge::Retention};

fn invalid_field(err: ServiceError) -> String {
    match err {
        ServiceError::Invalid { field, .. } => field,
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }
}

#[tokio::test]
async fn entries_are_normalised_and_each_bad_value_names_its_field() {
    let t = db().await;
    let alex = athlete();
    let input = NewEntry {
        title: "  Long run  ".into(),
        tags: vec!["Outdoors".into(), "running".into(), "outdoors".into()],
        ..new_entry("x")
    };
    let e = entries::create(&t.db, &alex.access(), input, t0())
        .await
        .expect("valid");
    assert_eq!(e.title, "Long run");
    assert_eq!(e.tags(), vec!["outdoors", "running"]);
    assert_eq!(e.author_id, alex.id);
    assert_eq!(e.shared_with_coach_id, None);

    let cases: Vec<(NewEntry, &str)> = vec![
        (
            NewEntry {
                title: "".into(),
                ..new_entry("x")
            },
            "title",
        ),
        (
            NewEntry {
                energy: 6,
                ..new_entry("x")
            },
            "energy",
        ),
        (
            NewEntry {
                tags: vec!["no spaces".into()],
                ..new_entry("x")
            },
            "tags",
        ),
        (
            NewEntry {
                body: "x".repeat(20_001),
                ..new_entry("x")
            },
            "body",
        ),
        (
            NewEntry {
                share_with_coach_id: Some(alex.id),
                ..new_entry("x")
            },
            "shareWithCoachId",
        ),
    ];
    for (input, field) in cases {
        let err = entries::create(&t.db, &alex.access(), input, t0())
            .await
            .expect_err(field);
        assert_eq!(invalid_field(err), field);
    }
    let anonymous = entries::create(
        &t.db,
        &tessera_journal::service::access::Access::default(),
        new_entry("x"),
        t0(),
    )
    .await
    .expect_err("anonymous");
    assert!(matches!(anonymous, ServiceError::Unauthenticated));
}

#[tokio::test]
async fn private_for_the_author_shared_for_that_coach_and_never_for_others() {
    let t = db().await;
    let alex = athlete();
    let carter = coach().coaching(&[&alex]);
    // Kim coaches Alex too, but Alex shared nothing with her.
    let kim = coach().coaching(&[&alex]);
    let private = write(&t.db, &alex, "private", None, t0()).await;
    let shared = write(&t.db, &alex, "shared", Some(&carter), t0()).await;

    for e in [&private, &shared] {
        assert!(alex.access().may_read(e));
        assert!(!kim.access().may_read(e), "another coach");
        assert!(
            !admin().access().may_read(e),
            "admins, without the support scope"
        );
        assert!(!athlete().access().may_read(e));
        assert!(
            support().access().may_read(e),
            "admins with the support scope"
        );
    }
    assert!(!carter.access().may_read(&private));
    assert!(carter.access().may_read(&shared));
    // Being named is not enough: the reader must hold the coach role…
    let carter_as_athlete = Person {
        roles: &[tessera_kit::viewer::Role::Athlete],
        ..carter.clone()
    };
    assert!(!carter_as_athlete.access().may_read(&shared));
    // …and coach the author: once users removes the link, the entry closes, and
    // naming someone who does not coach the author opens nothing.
    let former = carter.clone().unlinked_from(&alex);
    assert!(!former.access().may_read(&shared));
    assert!(matches!(
        former.access().visibility_of(alex.id),
        Err(ServiceError::Forbidden(m)) if m == "a journal is for its author, and for the coach they share entries with"
    ));
    let stranger = coach();
    let misdirected = write(&t.db, &alex, "misdirected", Some(&stranger), t0()).await;
    assert!(!stranger.access().may_read(&misdirected));
    assert!(stranger.access().visibility_of(alex.id).is_err());

    assert_eq!(
        alex.access().visibility_of(alex.id).expect("own"),
        Visibility::All
    );
    assert_eq!(
        carter.access().visibility_of(alex.id).expect("coach"),
        Visibility::SharedWith(carter.id)
    );
    assert_eq!(
        kim.access().visibility_of(alex.id).expect("coach"),
        Visibility::SharedWith(kim.id)
    );
    assert!(matches!(
        admin().access().visibility_of(alex.id),
        Err(ServiceError::Forbidden(_))
    ));
    assert!(matches!(
        athlete().access().visibility_of(alex.id),
        Err(ServiceError::Forbidden(_))
    ));

    let page = PageArgs::default().page().expect("page");
    let coach_view = entries::of_authors(
        &t.db,
        &[alex.id],
        &EntryFilter::default(),
        Visibility::SharedWith(carter.id),
        &page,
    )
    .await
    .expect("list");
    let titles: Vec<&str> = coach_view[&alex.id]
        .iter()
        .map(|e| e.title.as_str())
        .collect();
    assert_eq!(titles, vec!["shared"]);
    let by_id = entries::by_id(&t.db, &kim.access(), shared.id)
        .await
        .expect("query");
    assert_eq!(by_id, None);
}

#[tokio::test]
async fn update_delete_and_restore_are_for_the_author_only() {
    let t = db().await;
    let alex = athlete();
    let carter = coach().coaching(&[&alex]);
    let e = write(&t.db, &alex, "draft", Some(&carter), t0()).await;

    let err = entries::update(&t.db, &carter.access(), e.id, EntryUpdate::default(), t0())
        .await
        .expect_err("the coach cannot edit");
    assert!(matches!(err, ServiceError::NotFound(_)), "{err:?}");

    let later = t0() + Duration::hours(1);
    let updated = entries::update(
        &t.db,
        &alex.access(),
        e.id,
        EntryUpdate {
            mood: Some(Mood::Great),
            tags: Some(vec!["pb".into()]),
            share_with_coach_id: Some(None),
            ..EntryUpdate::default()
        },
        later,
    )
    .await
    .expect("updated");
    assert_eq!(updated.mood, Mood::Great);
    assert_eq!(updated.tags(), vec!["pb"]);
    assert_eq!(updated.shared_with_coach_id, None, "private again");
    assert_eq!((updated.created_at, updated.updated_at), (t0(), later));

    let err = entries::restore(&t.db, &alex.access(), e.id, later)
        .await
        .expect_err("not deleted");
    assert!(matches!(err, ServiceError::Conflict { .. }), "{err:?}");
    let deleted = entries::delete(&t.db, &alex.access(), e.id, later)
        .await
        .expect("deleted");
    assert_eq!(deleted.deleted_at, Some(later));
    assert_eq!(
        entries::by_id(&t.db, &alex.access(), e.id)
            .await
            .expect("query"),
        None
    );
    let err = entries::delete(&t.db, &alex.access(), e.id, later)
        .await
        .expect_err("twice");
    assert!(matches!(err, ServiceError::NotFound(_)), "{err:?}");
    let restored = entries::restore(&t.db, &alex.access(), e.id, later)
        .await
        .expect("restored");
    assert_eq!(restored.deleted_at, None);
    assert!(
        entries::by_id(&t.db, &alex.access(), e.id)
            .await
            .expect("query")
            .is_some()
    );
}

#[tokio::test]
async fn filters_by_tag_mood_and_range_in_one_statement_for_many_authors() {
    let t = db().await;
    let authors: Vec<Person> = (0..3).map(|_| athlete()).collect();
    for a in &authors {
        for (i, (mood, tag)) in [
            (Mood::Good, "sleep"),
            (Mood::Low, "sleep-debt"),
            (Mood::Good, "training"),
            (Mood::Great, "sleep"),
        ]
        .into_iter()
        .enumerate()
        {
            let input = NewEntry {
                mood,
                tags: vec![tag.into()],
                ..new_entry(&format!("e{i}"))
            };
            entries::create(
                &t.db,
                &a.access(),
                input,
                t0() + Duration::days(i64::try_from(i).expect("small")),
            )
            .await
            .expect("written");
        }
    }
    let ids: Vec<_> = authors.iter().map(|a| a.id).collect();
    let page = PageArgs::forward(Some(10), None).page().expect("page");
    let titles = |rows: &std::collections::HashMap<uuid::Uuid, Vec<entry::Model>>| {
        rows[&authors[1].id]
            .iter()
            .map(|e| e.title.clone())
            .collect::<Vec<_>>()
    };
    t.reset_statements();
    let sleep = entries::of_authors(
        &t.db,
        &ids,
        &EntryFilter {
            tag: Some("sleep".into()),
            ..EntryFilter::default()
        },
        Visibility::All,
        &page,
    )
    .await
    .expect("list");
    assert_eq!(t.statements(), 1);
    assert_eq!(
        titles(&sleep),
        vec!["e0", "e3"],
        "`sleep-debt` is another tag"
    );
    assert_eq!(sleep.len(), 3);
    let good = entries::of_authors(
        &t.db,
        &ids,
        &EntryFilter {
            mood: Some(Mood::Good),
            from: Some(t0() + Duration::days(1)),
            ..EntryFilter::default()
        },
        Visibility::All,
        &page,
    )
    .await
    .expect("list");
    assert_eq!(titles(&good), vec!["e2"]);
    let reversed = EntryFilter {
        from: Some(t0()),
        to: Some(t0() - Duration::days(1)),
        ..EntryFilter::default()
    };
    assert_eq!(
        invalid_field(reversed.checked().expect_err("reversed")),
        "to"
    );
    let bad_tag = EntryFilter {
        tag: Some("no way".into()),
        ..EntryFilter::default()
    };
    assert_eq!(invalid_field(bad_tag.checked().expect_err("tag")), "tag");
}

#[tokio::test]
async fn the_mood_trend_averages_per_local_day_in_the_database() {
    let t = db().await;
    let alex = athlete();
    let carter = coach().coaching(&[&alex]);
    let tz: chrono_tz::Tz = "America/New_York".parse().expect("zone");
    // 23 Nov 03:00 UTC is still 22 Nov in New York; 23 Nov 12:00 and 20:00 UTC are 23 Nov.
    for (hour, mood, energy, coach) in [
        (3, Mood::Low, 1, None),
        (12, Mood::Great, 5, Some(&carter)),
        (20, Mood::Okay, 2, None),
    ] {
        let at = t0() - Duration::hours(12) + Duration::hours(hour);
        let input = NewEntry {
            mood,
            energy,
            share_with_coach_id: coach.map(|c| c.id),
            ..new_entry("day")
        };
        entries::create(&t.db, &alex.access(), input, at)
            .await
            .expect("written");
    }
    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).expect("date");
    let args = TrendArgs {
        visibility: Visibility::All,
        timezone: tz,
        last_day: day(23),
        days: 7,
    };
    let trend = trend::trend_of(&t.db, &[alex.id], &args)
        .await
        .expect("trend");
    let days: Vec<(NaiveDate, f64, f64, i64)> = trend[&alex.id]
        .iter()
        .map(|d| (d.date, d.average_mood, d.average_energy, d.entries))
        .collect();
    assert_eq!(days, vec![(day(22), 2.0, 1.0, 1), (day(23), 4.0, 3.5, 2)]);
    let coach_args = TrendArgs {
        visibility: Visibility::SharedWith(carter.id),
        ..args
    };
    let shared = trend::trend_of(&t.db, &[alex.id], &coach_args)
        .await
        .expect("trend");
    assert_eq!(shared[&alex.id].len(), 1);
    assert_eq!(shared[&alex.id][0].average_mood, 5.0);
}

#[tokio::test]
async fn export_and_erasure_cover_every_entry_of_the_caller() {
    let t = db().await;
    let alex = athlete();
    let blair = athlete();
    let kept = write(&t.db, &blair, "blair's", None, t0()).await;
    let a = write(&t.db, &alex, "one", None, t0()).await;
    let b = write(&t.db, &alex, "two", None, t0()).await;
    entries::delete(&t.db, &alex.access(), b.id, t0())
        .await
        .expect("deleted");
    let export = privacy::export(&t.db, &alex.access())
        .await
        .expect("export");
    let ids: Vec<_> = export.iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        vec![a.id, b.id],
        "deleted entries are still held, so exported"
    );
    assert_eq!(
        privacy::erase(&t.db, &alex.access(), t0())
            .await
            .expect("erase"),
        1
    );
    assert_eq!(
        entries::by_id(&t.db, &alex.access(), a.id)
            .await
            .expect("query"),
        None
    );
    assert!(
        entries::by_id(&t.db, &blair.access(), kept.id)
            .await
            .expect("query")
            .is_some()
    );
}

#[tokio::test]
async fn deleted_entries_are_purged_after_retention_and_restored_ones_kept() {
    let t = db().await;
    let retention = Retention::default();
    let alex = athlete();
    let blair = athlete();
    let deleted = write(&t.db, &alex, "deleted", None, t0()).await;
    let restored = write(&t.db, &alex, "restored", None, t0()).await;
    let live = write(&t.db, &alex, "live", None, t0()).await;
    let erased = write(&t.db, &blair, "erased", None, t0()).await;
    // Alex deletes two entries at t0 and restores one a day later; Blair erases their
    // journal ten days in.
    for id in [deleted.id, restored.id] {
        entries::delete(&t.db, &alex.access(), id, t0())
            .await
            .expect("deleted");
    }
    entries::restore(&t.db, &alex.access(), restored.id, t0() + Duration::days(1))
        .await
        .expect("restored");
    privacy::erase(&t.db, &blair.access(), t0() + Duration::days(10))
        .await
        .expect("erased");
    let ids = || async {
        entry::Entity::find()
            .order_by_asc(entry::Column::Id)
            .all(&t.db)
            .await
            .expect("entries")
            .into_iter()
            .map(|e| e.id)
            .collect::<Vec<_>>()
    };
    let purge_at = |at| purge::purge_deleted(&t.db, &retention, at);

    let early = purge_at(t0() + Duration::days(30) - Duration::seconds(1))
        .await
        .expect("purge");
    assert_eq!(early, 0);
    // Still restorable on the last day of the window…
    assert_eq!(ids().await.len(), 4);

    assert_eq!(purge_at(t0() + Duration::days(30)).await.expect("purge"), 1);
    assert_eq!(ids().await, [restored.id, live.id, erased.id]);
    // …and gone after it: not found, not exported.
    let err = entries::restore(&t.db, &alex.access(), deleted.id, t0() + Duration::days(30))
        .await
        .expect_err("purged");
    assert!(matches!(err, ServiceError::NotFound(_)), "{err:?}");
    let export = privacy::export(&t.db, &alex.access())
        .await
        .expect("export");
    assert_eq!(
        export.iter().map(|e| e.id).collect::<Vec<_>>(),
        [restored.id, live.id]
    );

    assert_eq!(purge_at(t0() + Duration::days(40)).await.expect("purge"), 1);
    assert_eq!(ids().await, [restored.id, live.id]);
}

#[tokio::test]
async fn demo_journals_seed_idempotently() {
    let t = db().await;
    demo::seed(&t.db, t0()).await.expect("seeds");
    let count = entry::Entity::find().count(&t.db).await.expect("count");
    assert_eq!(count, 5 * 14);
    demo::seed(&t.db, t0() + Duration::days(1))
        .await
        .expect("again");
    assert_eq!(
        entry::Entity::find().count(&t.db).await.expect("count"),
        count
    );
    let alex = tessera_kit::demo::ATHLETE_ALEX.id;
    let carter = tessera_kit::demo::COACH_CARTER.id;
    let page = PageArgs::forward(Some(100), None).page().expect("page");
    let shared = entries::of_authors(
        &t.db,
        &[alex],
        &EntryFilter::default(),
        Visibility::SharedWith(carter),
        &page,
    )
    .await
    .expect("list");
    assert_eq!(shared[&alex].len(), 5, "every third of 14");
    let linked = shared[&alex][0].workout_id;
    assert_eq!(linked, Some(tessera_kit::demo::workout_id(0, 0)));
}
