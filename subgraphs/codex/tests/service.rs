//! The codex domain's rules at the service level, on SQLite, and on PostgreSQL when
//! `DATABASE_URL` is set (CI runs both): the search results and their order are
//! asserted exactly, so the same test passing on both backends proves they agree.

mod common;

use chrono::Duration;
use common::*;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Statement,
};
use tessera_codex::{
    demo,
    entity::{
        entry::{self, Visibility},
        step, tag,
    },
    service::{
        access::Access,
        entries::{self, EntryUpdate, NewEntry},
        privacy, purge,
        search::{self, Hit},
    },
};
use tessera_kit::{error::ServiceError, pagination::PageArgs, purge::Retention, testing::Backend};

fn invalid_field(err: ServiceError) -> String {
    match err {
        ServiceError::Invalid { field, .. } => field,
        other => panic!("expected BAD_USER_INPUT, got {other:?}"),
    }
}

fn titles(hits: &[Hit]) -> Vec<(String, i32)> {
    hits.iter()
        .map(|h| (h.entry.title.clone(), h.score))
        .collect()
}

async fn seeded() -> tessera_kit::testing::TestDb {
    let t = db().await;
    demo::seed(&t.db, t0()).await.expect("corpus");
    t
}

#[tokio::test]
async fn the_seeded_corpus_searches_in_the_same_order_on_every_backend() {
    let t = seeded().await;
    let anyone = Access::default();
    let hits = search::search(&t.db, &anyone, "sleep", Some(20), None)
        .await
        .expect("search");
    assert_eq!(
        titles(&hits),
        vec![
            ("A beginner's guide to sleep hygiene".to_owned(), 6),
            ("Five mistakes in sleep hygiene".to_owned(), 6),
            ("The science of sleep hygiene".to_owned(), 6),
            ("A coach's checklist for sleep hygiene".to_owned(), 6),
            ("A beginner's guide to caffeine".to_owned(), 3),
            ("Five mistakes in caffeine".to_owned(), 3),
            ("The science of caffeine".to_owned(), 3),
            ("A coach's checklist for caffeine".to_owned(), 3),
            ("A beginner's guide to naps".to_owned(), 3),
            ("Five mistakes in naps".to_owned(), 3),
            ("The science of naps".to_owned(), 3),
            ("A coach's checklist for naps".to_owned(), 3),
        ]
    );
    let hits = search::search(&t.db, &anyone, "Running INJURY", Some(20), None)
        .await
        .expect("search");
    assert_eq!(
        titles(&hits),
        vec![
            ("A beginner's guide to running form".to_owned(), 9),
            ("Five mistakes in running form".to_owned(), 9),
            ("The science of running form".to_owned(), 9),
            ("A coach's checklist for running form".to_owned(), 9),
        ]
    );
    // Every tenth entry is private: "Five mistakes in interval running" is the 10th.
    let hits = search::search(&t.db, &anyone, "interval", Some(20), None)
        .await
        .expect("search");
    assert_eq!(
        titles(&hits),
        vec![
            ("A beginner's guide to interval running".to_owned(), 4),
            ("The science of interval running".to_owned(), 4),
            ("A coach's checklist for interval running".to_owned(), 4),
        ]
    );
    // Prefixes match: `hydra` finds hydration.
    let hits = search::search(&t.db, &anyone, "hydra", Some(2), None)
        .await
        .expect("search");
    assert_eq!(hits.len(), 3, "a page of two and one more");
    assert_eq!(hits[0].entry.title, "A beginner's guide to hydration");
}

#[tokio::test]
async fn search_pages_continue_after_the_cursor() {
    let t = seeded().await;
    let anyone = Access::default();
    let all = search::search(&t.db, &anyone, "strength", Some(100), None)
        .await
        .expect("all");
    assert!(all.len() > 12, "{}", all.len());
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut page = search::search(&t.db, &anyone, "strength", Some(5), after.as_deref())
            .await
            .expect("page");
        let more = page.len() > 5;
        page.truncate(5);
        after = page.last().map(|h| search::encode(h.score, h.entry.id));
        seen.extend(page);
        if !more {
            break;
        }
    }
    assert_eq!(seen, all);
    for (query, first, after, field) in [
        (" *** ", None, None, "query"),
        ("sleep", Some(101), None, "first"),
        ("sleep", Some(5), Some("garbage"), "after"),
    ] {
        let err = search::search(&t.db, &anyone, query, first, after)
            .await
            .expect_err(field);
        assert_eq!(invalid_field(err), field);
    }
}

#[tokio::test]
async fn search_sees_changes_and_only_what_the_caller_may_read() {
    let t = db().await;
    let carter = coach();
    let kim = coach();
    let public = write(
        &t.db,
        &carter,
        "Breathing drills",
        "Box breathing before lifts.",
        &["focus"],
    )
    .await;
    let private = entries::create(
        &t.db,
        &carter.access(),
        NewEntry {
            visibility: Visibility::Private,
            ..new_entry("Breathing notes", "My own cues.", &["focus"])
        },
        t0(),
    )
    .await
    .expect("private");
    let found = |access: Access, q: &'static str| {
        let db = t.db.clone();
        async move {
            search::search(&db, &access, q, None, None)
                .await
                .expect("search")
                .into_iter()
                .map(|h| h.entry.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found(kim.access(), "breathing").await, vec![public.id]);
    assert_eq!(found(Access::default(), "breathing").await, vec![public.id]);
    assert_eq!(
        found(carter.access(), "breathing").await,
        vec![public.id, private.id]
    );

    // The index follows updates and deletions.
    entries::update(
        &t.db,
        &carter.access(),
        public.id,
        EntryUpdate {
            title: Some("Diaphragm drills".into()),
            body: Some("Belly breathing, slow.".into()),
            ..EntryUpdate::default()
        },
        t0(),
    )
    .await
    .expect("updated");
    assert_eq!(found(kim.access(), "diaphragm").await, vec![public.id]);
    assert_eq!(found(kim.access(), "box").await, Vec::<uuid::Uuid>::new());
    entries::delete(&t.db, &carter.access(), public.id, t0())
        .await
        .expect("deleted");
    assert!(found(kim.access(), "diaphragm").await.is_empty());
}

#[tokio::test]
async fn only_coaches_and_admins_write_and_each_bad_value_names_its_field() {
    let t = db().await;
    let carter = coach();
    let err = entries::create(&t.db, &athlete().access(), new_entry("x", "y", &[]), t0())
        .await
        .expect_err("athletes read");
    assert!(matches!(err, ServiceError::Forbidden(_)), "{err:?}");
    for (input, field) in [
        (new_entry(" ", "body", &[]), "title"),
        (new_entry("t", " ", &[]), "body"),
        (new_entry("t", "b", &["no spaces"]), "tags"),
    ] {
        let err = entries::create(&t.db, &carter.access(), input, t0())
            .await
            .expect_err(field);
        assert_eq!(invalid_field(err), field);
    }
    let draft = entries::create(
        &t.db,
        &carter.access(),
        NewEntry {
            visibility: Visibility::Private,
            ..new_entry("Draft", "Body", &["a"])
        },
        t0(),
    )
    .await
    .expect("draft");
    assert_eq!(draft.published_at, None);
    let later = t0() + Duration::days(1);
    let published = entries::update(
        &t.db,
        &carter.access(),
        draft.id,
        EntryUpdate {
            visibility: Some(Visibility::Public),
            ..EntryUpdate::default()
        },
        later,
    )
    .await
    .expect("published");
    assert_eq!(published.published_at, Some(later));
    let err = entries::update(
        &t.db,
        &coach().access(),
        draft.id,
        EntryUpdate::default(),
        later,
    )
    .await
    .expect_err("not theirs");
    assert!(matches!(err, ServiceError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn related_entries_share_tags_most_first_in_one_statement() {
    let t = db().await;
    let carter = coach();
    let a = write(&t.db, &carter, "A", "a", &["sleep", "recovery", "habits"]).await;
    let b = write(&t.db, &carter, "B", "b", &["sleep"]).await;
    let c = write(&t.db, &carter, "C", "c", &["sleep", "recovery"]).await;
    let d = write(&t.db, &carter, "D", "d", &["nutrition"]).await;
    let e = entries::create(
        &t.db,
        &carter.access(),
        NewEntry {
            visibility: Visibility::Private,
            ..new_entry("E", "e", &["sleep", "recovery", "habits"])
        },
        t0(),
    )
    .await
    .expect("private");
    t.reset_statements();
    let related = entries::related_to(&t.db, &[a.id, b.id, d.id], 5)
        .await
        .expect("related");
    assert_eq!(t.statements(), 1);
    assert_eq!(
        related[&a.id],
        vec![c.id, b.id],
        "two shared tags before one; private E never"
    );
    assert_eq!(related[&b.id], vec![a.id, c.id]);
    assert!(!related.contains_key(&d.id));
    let limited = entries::related_to(&t.db, &[a.id], 1)
        .await
        .expect("related");
    assert_eq!(limited[&a.id], vec![c.id]);
    let _ = e;
}

#[tokio::test]
async fn authors_pages_show_private_entries_only_to_the_author() {
    let t = db().await;
    let carter = coach();
    write(&t.db, &carter, "Public", "p", &[]).await;
    entries::create(
        &t.db,
        &carter.access(),
        NewEntry {
            visibility: Visibility::Private,
            ..new_entry("Private", "p", &[])
        },
        t0(),
    )
    .await
    .expect("private");
    let page = PageArgs::default().page().expect("page");
    let public = entries::of_authors(&t.db, &[carter.id], false, &page)
        .await
        .expect("list");
    assert_eq!(public[&carter.id].len(), 1);
    let own = entries::of_authors(&t.db, &[carter.id], true, &page)
        .await
        .expect("list");
    assert_eq!(own[&carter.id].len(), 2);
}

#[tokio::test]
async fn export_and_erasure_cover_every_entry_of_the_caller() {
    let t = db().await;
    let carter = coach();
    let kept = write(&t.db, &coach(), "Kim's", "k", &[]).await;
    let one = write(&t.db, &carter, "One", "o", &[]).await;
    let export = privacy::export(&t.db, &carter.access())
        .await
        .expect("export");
    assert_eq!(
        export.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![one.id]
    );
    assert_eq!(
        privacy::erase(&t.db, &carter.access(), t0())
            .await
            .expect("erase"),
        1
    );
    assert_eq!(
        entries::by_id(&t.db, &Access::default(), one.id)
            .await
            .expect("query"),
        None
    );
    assert!(
        entries::by_id(&t.db, &Access::default(), kept.id)
            .await
            .expect("query")
            .is_some()
    );
    let after = privacy::export(&t.db, &carter.access())
        .await
        .expect("export");
    assert!(
        after[0].deleted_at.is_some(),
        "deleted entries are still exported"
    );
}

#[tokio::test]
async fn deleted_entries_are_purged_after_retention_with_their_tags_and_steps() {
    let t = db().await;
    let retention = Retention::default();
    let carter = coach();
    let kim = coach();
    let deleted = write(&t.db, &carter, "Deleted", "Breathing drills.", &["breath"]).await;
    let erased = write(&t.db, &kim, "Erased", "Breathing again.", &["breath"]).await;
    let kept = write(&t.db, &carter, "Kept", "Breathing for life.", &["breath"]).await;
    // Steps as rows (the purge does not ask what kind an entry is).
    for id in [deleted.id, kept.id] {
        step::Entity::insert(step::ActiveModel {
            entry_id: Set(id),
            position: Set(1),
            instruction: Set("Breathe in for four.".into()),
            exercise_slug: Set(None),
        })
        .exec_without_returning(&t.db)
        .await
        .expect("a step");
    }
    let steps_of = |id| {
        step::Entity::find()
            .filter(step::Column::EntryId.eq(id))
            .count(&t.db)
    };
    entries::delete(&t.db, &carter.access(), deleted.id, t0())
        .await
        .expect("deleted");
    privacy::erase(&t.db, &kim.access(), t0() + Duration::days(5))
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
    let tags_of = |id| {
        tag::Entity::find()
            .filter(tag::Column::EntryId.eq(id))
            .count(&t.db)
    };
    let purge_at = |at| purge::purge_deleted(&t.db, &retention, at);

    let early = purge_at(t0() + Duration::days(30) - Duration::seconds(1))
        .await
        .expect("purge");
    assert_eq!(early, 0);
    assert_eq!(ids().await.len(), 3);

    assert_eq!(purge_at(t0() + Duration::days(30)).await.expect("purge"), 1);
    assert_eq!(ids().await, [erased.id, kept.id]);
    assert_eq!(tags_of(deleted.id).await.expect("count"), 0);
    assert_eq!(steps_of(deleted.id).await.expect("count"), 0);
    assert_eq!(purge_at(t0() + Duration::days(35)).await.expect("purge"), 1);
    assert_eq!(ids().await, [kept.id]);
    assert_eq!(tags_of(erased.id).await.expect("count"), 0);
    assert_eq!(tags_of(kept.id).await.expect("count"), 1);
    assert_eq!(steps_of(kept.id).await.expect("count"), 1);
    let hits = search::search(&t.db, &carter.access(), "breathing", Some(10), None)
        .await
        .expect("search");
    assert_eq!(
        hits.iter().map(|h| h.entry.id).collect::<Vec<_>>(),
        [kept.id]
    );
    if t.backend == Backend::Sqlite {
        // The FTS5 table is kept in step by trigger: the purged rows left it too.
        let fts =
            t.db.query_one_raw(Statement::from_string(
                t.db.get_database_backend(),
                "SELECT count(*) AS n FROM codex_fts",
            ))
            .await
            .expect("count")
            .expect("a row");
        assert_eq!(fts.try_get::<i64>("", "n").expect("n"), 1);
    }
}

#[tokio::test]
async fn the_demo_corpus_seeds_120_entries_idempotently() {
    let t = seeded().await;
    assert_eq!(
        entry::Entity::find().count(&t.db).await.expect("count"),
        demo::ENTRIES as u64
    );
    demo::seed(&t.db, t0()).await.expect("again");
    assert_eq!(
        entry::Entity::find().count(&t.db).await.expect("count"),
        demo::ENTRIES as u64
    );
    // One angle of four, the checklist, is a practice of ten minutes; the rest articles.
    let practices = entry::Entity::find()
        .filter(entry::Column::Kind.eq(entry::Kind::Practice))
        .all(&t.db)
        .await
        .expect("practices");
    assert_eq!(practices.len(), demo::ENTRIES / 4);
    assert!(
        practices
            .iter()
            .all(|p| p.minutes == Some(10) && p.title.starts_with("A coach's checklist for")),
        "{practices:?}"
    );
    assert_eq!(
        entry::Entity::find()
            .filter(entry::Column::Minutes.is_not_null())
            .count(&t.db)
            .await
            .expect("count"),
        practices.len() as u64,
        "articles have no minutes"
    );
    // Each practice has three steps (seeded once), the middle one the catalogue
    // exercise its topic trains, if it has one.
    let steps = step::Entity::find()
        .order_by_asc(step::Column::EntryId)
        .order_by_asc(step::Column::Position)
        .all(&t.db)
        .await
        .expect("steps");
    assert_eq!(steps.len(), practices.len() * 3);
    assert!(practices.iter().all(|p| {
        steps
            .iter()
            .filter(|s| s.entry_id == p.id)
            .map(|s| s.position)
            .collect::<Vec<_>>()
            == [1, 2, 3]
    }));
    let squat = practices
        .iter()
        .find(|p| p.title == "A coach's checklist for the back squat")
        .expect("the squat checklist");
    let middle = steps
        .iter()
        .find(|s| s.entry_id == squat.id && s.position == 2)
        .expect("its second step");
    assert_eq!(middle.exercise_slug.as_deref(), Some("back-squat"));
    assert_eq!(
        middle.instruction,
        "Do two easy sets of back squat and check each point on every rep."
    );
    let with_exercise: Vec<&str> = steps
        .iter()
        .filter_map(|s| s.exercise_slug.as_deref())
        .collect();
    assert_eq!(with_exercise.len(), 11, "{with_exercise:?}");
    assert!(
        with_exercise
            .iter()
            .all(|slug| tessera_kit::catalogue::by_slug(slug).is_some())
    );
}
