//! The event backbone under failure, on a real database (PostgreSQL when
//! `DATABASE_URL` is set, else SQLite) and real Redis (`REDIS_URL`; those tests are
//! skipped, saying so, when it is unset): retries, dead letters for refusals, panics and
//! malformed input, exactly-once effect under duplicate delivery, a crash between commit
//! and relay, a replica killed holding events, a consumer that starts late.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use chrono::Utc;
use sea_orm_migration::sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, prelude::Uuid,
};
use tessera_kit::{
    events::{
        Bus, Consumer, Envelope, Event, EventsConfig, HandleError, Handled, Handler, Outcome,
        Wiring,
        catalogue::{DeadLettered, WorkoutCompleted},
        entity::{dead_letter, outbox, processed},
        relay::Relay,
    },
    testing::{TestDb, fresh_db},
};
use tessera_migrations::JournalMigrator;

/// What the test handler does on each call.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Fails this many times, then succeeds.
    FailFirst(u32),
    /// Refuses every time.
    Refuse,
    /// Panics every time.
    Panic,
    /// Never finishes (a replica hung or about to be killed).
    Hang,
    /// Refuses the events with this title, takes the others.
    RefuseTitled(&'static str),
}

/// A handler of `workout.completed` that counts its calls and its successes by event.
struct Probe {
    behaviour: Behaviour,
    calls: AtomicU32,
    handled: Mutex<HashMap<Uuid, u32>>,
}

impl Probe {
    fn new(behaviour: Behaviour) -> Arc<Self> {
        Arc::new(Self {
            behaviour,
            calls: AtomicU32::new(0),
            handled: Mutex::default(),
        })
    }

    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }

    fn handled(&self) -> HashMap<Uuid, u32> {
        self.handled.lock().expect("not poisoned").clone()
    }
}

impl Handler for Probe {
    fn kinds(&self) -> &[&'static str] {
        &[WorkoutCompleted::KIND]
    }

    fn handle<'a>(&'a self, _txn: &'a DatabaseTransaction, event: &'a Envelope) -> Handled<'a> {
        Box::pin(async move {
            let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            let completed = event.decode::<WorkoutCompleted>()?;
            match self.behaviour {
                Behaviour::RefuseTitled(title) if completed.title == title => {
                    return Err(HandleError::Rejected(format!("not `{title}`")));
                }
                Behaviour::RefuseTitled(_) => {}
                Behaviour::FailFirst(n) if call <= n => {
                    return Err(HandleError::Failed(format!("failure {call}")));
                }
                Behaviour::FailFirst(_) => {}
                Behaviour::Refuse => {
                    return Err(HandleError::Rejected("no, never".to_owned()));
                }
                Behaviour::Panic => panic!("boom"),
                Behaviour::Hang => std::future::pending::<()>().await,
            }
            *self
                .handled
                .lock()
                .expect("not poisoned")
                .entry(event.id)
                .or_default() += 1;
            Ok(())
        })
    }
}

fn config() -> EventsConfig {
    tessera_kit::testing::events::config()
}

fn completed() -> WorkoutCompleted {
    WorkoutCompleted {
        workout_id: Uuid::now_v7(),
        athlete_id: Uuid::now_v7(),
        title: "Intervals".to_owned(),
        completed_at: Utc::now(),
    }
}

fn event() -> Envelope {
    Envelope::new("workouts", &completed(), Utc::now())
}

fn consumer(db: &TestDb, probe: &Arc<Probe>) -> Consumer {
    Consumer::new("journal", db.db.clone(), probe.clone(), config())
}

async fn processed_count(db: &TestDb) -> u64 {
    processed::Entity::find()
        .count(&db.db)
        .await
        .expect("counts")
}

async fn dead_letters(db: &TestDb) -> Vec<dead_letter::Model> {
    dead_letter::Entity::find()
        .all(&db.db)
        .await
        .expect("reads")
}

#[tokio::test]
async fn a_handler_failing_three_times_then_succeeding_commits_once() {
    tessera_router::metrics::install();
    let db = fresh_db::<JournalMigrator>().await;
    let probe = Probe::new(Behaviour::FailFirst(3));
    let consumer = consumer(&db, &probe);
    let event = event();
    assert_eq!(consumer.process(&event).await, Outcome::Handled);
    assert_eq!(probe.calls(), 4);
    assert_eq!(probe.handled()[&event.id], 1);
    // Delivered again (at least once means sometimes twice): nothing runs.
    assert_eq!(consumer.process(&event).await, Outcome::Duplicate);
    assert_eq!(probe.calls(), 4);
    assert_eq!(processed_count(&db).await, 1);
    assert!(dead_letters(&db).await.is_empty());
    // Counted for Prometheus, per consumer, family and outcome.
    let counted = |series: &str| tessera_router::metrics::value(series).unwrap_or(0.0);
    assert_eq!(
        counted(
            r#"tessera_events_handled_total{consumer="journal",family="training",outcome="handled"}"#
        ),
        1.0
    );
    assert_eq!(
        counted(
            r#"tessera_events_handled_total{consumer="journal",family="training",outcome="duplicate"}"#
        ),
        1.0
    );
    assert_eq!(
        counted(r#"tessera_events_handler_failures_total{consumer="journal",family="training"}"#),
        3.0
    );
    assert!(tessera_router::metrics::render().contains("tessera_events_handle_lag_seconds"));
}

#[tokio::test]
async fn a_handler_that_keeps_failing_is_dead_lettered_after_its_attempts_and_reported() {
    let db = fresh_db::<JournalMigrator>().await;
    let probe = Probe::new(Behaviour::FailFirst(u32::MAX));
    let consumer = consumer(&db, &probe);
    let event = event();
    assert_eq!(
        consumer.process(&event).await,
        Outcome::DeadLettered("failure 5".to_owned())
    );
    assert_eq!(probe.calls(), 5, "max_attempts");
    let parked = dead_letters(&db).await;
    assert_eq!(parked.len(), 1);
    assert_eq!(
        (
            parked[0].event_id,
            parked[0].attempts,
            parked[0].error.as_str()
        ),
        (event.id, 5, "failure 5")
    );
    assert_eq!(processed_count(&db).await, 0, "not processed: replayable");
    // Reported to users in the same commit.
    let reports = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(DeadLettered::KIND))
        .all(&db.db)
        .await
        .expect("reads");
    assert_eq!(reports.len(), 1);
    let report: DeadLettered = tessera_kit::events::outbox::envelope_of(&reports[0])
        .decode()
        .expect("a report");
    assert_eq!(report.dead_letter_id, parked[0].id);
    assert_eq!(report.event, event);
    // Delivered again while parked: not parked twice.
    consumer.process(&event).await;
    assert_eq!(dead_letters(&db).await.len(), 1);
}

#[tokio::test]
async fn refusals_panics_and_malformed_payloads_are_dead_lettered_and_the_consumer_goes_on() {
    let db = fresh_db::<JournalMigrator>().await;
    let refusing = Probe::new(Behaviour::Refuse);
    let event = event();
    assert_eq!(
        consumer(&db, &refusing).process(&event).await,
        Outcome::DeadLettered("no, never".to_owned())
    );
    assert_eq!(refusing.calls(), 1, "a refusal is never retried");

    let panicking = Probe::new(Behaviour::Panic);
    let consumer_that_panics = consumer(&db, &panicking);
    let other = self::event();
    assert_eq!(
        consumer_that_panics.process(&other).await,
        Outcome::DeadLettered("the handler panicked: boom".to_owned())
    );
    assert_eq!(panicking.calls(), 5);

    let healthy = Probe::new(Behaviour::FailFirst(0));
    let consumer = consumer(&db, &healthy);
    let mut malformed = self::event();
    malformed.payload = serde_json::json!({ "workoutId": "not a uuid" });
    let Outcome::DeadLettered(why) = consumer.process(&malformed).await else {
        panic!("dead-lettered");
    };
    assert!(
        why.starts_with("the `workout.completed` payload is malformed: "),
        "{why}"
    );
    let mut unknown = self::event();
    unknown.version = 7;
    assert_eq!(
        consumer.process(&unknown).await,
        Outcome::DeadLettered(
            "`workout.completed` version 7 is not known here (this build reads version 1)"
                .to_owned()
        )
    );
    // The next good event goes through: nothing blocks.
    let good = self::event();
    assert_eq!(consumer.process(&good).await, Outcome::Handled);
    assert_eq!(dead_letters(&db).await.len(), 4);
}

#[tokio::test]
async fn a_batch_commits_once_and_one_poison_event_in_it_spoils_nothing_else() {
    let db = fresh_db::<JournalMigrator>().await;
    let probe = Probe::new(Behaviour::RefuseTitled("poison"));
    let consumer = consumer(&db, &probe);
    let good: Vec<Envelope> = (0..10).map(|_| event()).collect();
    db.reset_statements();
    let outcomes = consumer.process_all(&good).await;
    assert!(
        outcomes.iter().all(|o| *o == Outcome::Handled),
        "{outcomes:?}"
    );
    assert!(
        db.statements() <= 4,
        "ten events in one transaction: {} statements",
        db.statements()
    );
    assert_eq!(processed_count(&db).await, 10);

    let mut poison = event();
    poison.payload["title"] = "poison".into();
    let more = event();
    let mixed = vec![more.clone(), poison.clone(), good[0].clone(), more.clone()];
    let outcomes = consumer.process_all(&mixed).await;
    assert_eq!(
        outcomes,
        vec![
            Outcome::Handled,
            Outcome::DeadLettered("not `poison`".to_owned()),
            Outcome::Duplicate,
            Outcome::Duplicate,
        ]
    );
    // Committed once each: the batch's first try (with `more` in it) was rolled back
    // when the poison refused, and the events were then taken one by one.
    assert_eq!(processed_count(&db).await, 11);
    assert_eq!(
        probe.handled()[&more.id],
        2,
        "once rolled back, once committed"
    );
    assert_eq!(dead_letters(&db).await.len(), 1);
}

#[tokio::test]
async fn an_event_committed_before_a_crash_is_relayed_and_handled_once() {
    let producer = fresh_db::<JournalMigrator>().await;
    let consuming = fresh_db::<JournalMigrator>().await;
    // The change committed with its event; the process died before its relay ran.
    let txn = tessera_kit::db::begin_write(&producer.db)
        .await
        .expect("begins");
    let committed = tessera_kit::events::outbox::append(&txn, "workouts", &completed(), Utc::now())
        .await
        .expect("appends");
    sea_orm_migration::sea_orm::TransactionSession::commit(txn)
        .await
        .expect("commits");

    // The next process: its relay finds the event.
    let wiring = Wiring::new(None, config()).expect("a bus");
    let probe = Probe::new(Behaviour::FailFirst(0));
    let consumer = Arc::new(Consumer::new(
        "journal",
        consuming.db.clone(),
        probe.clone(),
        config(),
    ));
    let _consuming = wiring.bus.consume(consumer);
    wiring.open();
    let relay = Relay::new(
        "workouts",
        producer.db.clone(),
        wiring.bus.clone(),
        config(),
    );
    assert_eq!(relay.relay_once().await, Ok(1));
    assert_eq!(probe.handled()[&committed.id], 1);
    // Published again (the relay died after publishing, before marking): no effect.
    wiring.bus.publish(&committed).await.expect("publishes");
    assert_eq!(probe.handled()[&committed.id], 1);
    assert_eq!(relay.relay_once().await, Ok(0), "marked relayed");
}

/// Redis at `REDIS_URL`, or `None` (the test says it is skipped).
fn redis() -> Option<String> {
    match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("REDIS_URL is unset: skipping this Redis Streams test");
            None
        }
    }
}

/// A namespace of this test's own.
fn namespaced(label: &str) -> EventsConfig {
    EventsConfig {
        namespace: format!("test-events-{label}-{}", Uuid::now_v7().simple()),
        ..config()
    }
}

async fn until<F: Fn() -> bool>(what: &str, check: F) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not within 10 s");
}

#[tokio::test]
async fn on_redis_each_event_reaches_one_replica_of_the_group_and_a_late_consumer_catches_up() {
    let Some(url) = redis() else { return };
    let config = namespaced("group");
    let bus = Bus::redis(&url, config.clone()).expect("a Redis bus");
    let db = fresh_db::<JournalMigrator>().await;
    // Published while no consumer of the group runs (the domain is down).
    let events: Vec<Envelope> = (0..20).map(|_| event()).collect();
    for event in &events[..10] {
        bus.publish(event).await.expect("published");
    }
    let probe = Probe::new(Behaviour::FailFirst(0));
    let replicas: Vec<_> = (0..2)
        .map(|_| {
            let consumer = Consumer::new("journal", db.db.clone(), probe.clone(), config.clone());
            bus.consume(Arc::new(consumer))
        })
        .collect();
    for event in &events[10..] {
        bus.publish(event).await.expect("published");
    }
    until("every event handled", || probe.handled().len() == 20).await;
    assert!(
        probe.handled().values().all(|n| *n == 1),
        "{:?}",
        probe.handled()
    );
    assert_eq!(processed_count(&db).await, 20);
    for replica in replicas {
        replica.abort();
    }
}

#[tokio::test]
async fn on_redis_a_replica_killed_holding_events_has_them_finished_by_another() {
    let Some(url) = redis() else { return };
    let config = namespaced("claim");
    let bus = Bus::redis(&url, config.clone()).expect("a Redis bus");
    let db = fresh_db::<JournalMigrator>().await;
    let hung = Probe::new(Behaviour::Hang);
    let first = bus.consume(Arc::new(Consumer::new(
        "journal",
        db.db.clone(),
        hung.clone(),
        config.clone(),
    )));
    let event = event();
    bus.publish(&event).await.expect("published");
    until("the first replica holds the event", || hung.calls() == 1).await;
    first.abort();
    let healthy = Probe::new(Behaviour::FailFirst(0));
    let second = bus.consume(Arc::new(Consumer::new(
        "journal",
        db.db.clone(),
        healthy.clone(),
        config.clone(),
    )));
    until("another replica claims and handles it", || {
        healthy.handled().get(&event.id) == Some(&1)
    })
    .await;
    assert!(hung.handled().is_empty());
    second.abort();
}

#[tokio::test]
async fn on_redis_a_malformed_entry_is_dead_lettered_and_the_stream_moves_on() {
    let Some(url) = redis() else { return };
    let config = namespaced("malformed");
    let bus = Bus::redis(&url, config.clone()).expect("a Redis bus");
    let db = fresh_db::<JournalMigrator>().await;
    let client = redis::Client::open(url.as_str()).expect("a client");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("Redis answers");
    let stream = format!("{}:training", config.namespace);
    let _: String = redis::cmd("XADD")
        .arg(&stream)
        .arg("*")
        .arg("event")
        .arg("{ not json")
        .query_async(&mut conn)
        .await
        .expect("added");
    let good = event();
    bus.publish(&good).await.expect("published");
    let probe = Probe::new(Behaviour::FailFirst(0));
    let running = bus.consume(Arc::new(Consumer::new(
        "journal",
        db.db.clone(),
        probe.clone(),
        config.clone(),
    )));
    until("the good event is handled", || {
        probe.handled().contains_key(&good.id)
    })
    .await;
    let parked = dead_letters(&db).await;
    assert_eq!(parked.len(), 1);
    assert!(
        parked[0]
            .error
            .starts_with("the event's envelope is malformed: "),
        "{}",
        parked[0].error
    );
    let dead: i64 = redis::cmd("XLEN")
        .arg(format!("{}:dead-letters", config.namespace))
        .query_async(&mut conn)
        .await
        .expect("a length");
    assert_eq!(dead, 1);
    // Both acknowledged: nothing pending for the group.
    let pending: redis::Value = redis::cmd("XPENDING")
        .arg(&stream)
        .arg("journal")
        .query_async(&mut conn)
        .await
        .expect("pending");
    let redis::Value::Array(summary) = pending else {
        panic!("a summary: {pending:?}");
    };
    assert_eq!(summary.first(), Some(&redis::Value::Int(0)), "{summary:?}");
    running.abort();
}
