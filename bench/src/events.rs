//! The events benchmark: how fast an event goes from its producer's commit to a
//! consumer's handler having committed, through the outbox, the relay and the bus, with
//! `replicas` consumer replicas (and as many relays) in one consumer group.
//!
//! A producer appends `workout.completed` events in their own transactions at a fixed
//! rate (or as fast as it can); the consumers' handler records, for each event, the time
//! from its `occurredAt` (set in the producer's transaction) to the handler running; the
//! kit then records it processed and commits. On PostgreSQL (`DATABASE_URL`) and Redis
//! Streams (`REDIS_URL`) this is the production path; without them, SQLite and the
//! in-process bus.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::Context as _;
use chrono::Utc;
use sea_orm::DatabaseTransaction;
use serde::Serialize;
use tessera_kit::{
    events::{
        Consumer, Envelope, Event, EventsConfig, Handled, Handler, Wiring,
        catalogue::WorkoutCompleted, outbox, relay::Relay,
    },
    testing::fresh_db,
};
use tessera_migrations::JournalMigrator;
use uuid::Uuid;

/// What to run.
#[derive(Debug, Clone)]
pub struct EventsOptions {
    /// Events per second the producer commits; 0: as fast as it can.
    pub rate: u32,
    /// How long the producer runs.
    pub duration: Duration,
    /// Consumer replicas in the group (and relays of the producer's outbox).
    pub replicas: usize,
    /// Producer tasks committing in parallel.
    pub producers: usize,
}

/// What it measured.
#[derive(Debug, Clone, Serialize)]
pub struct EventsReport {
    /// `postgres+redis` or `sqlite+in-process`.
    pub path: String,
    /// Events committed by the producer.
    pub committed: u64,
    /// Events handled (each once).
    pub handled: u64,
    /// Handled per second, from the first commit to the last handled.
    pub events_per_second: f64,
    /// Commit to handled, milliseconds.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
}

struct Recorder {
    latencies_us: Mutex<Vec<u64>>,
}

impl Handler for Recorder {
    fn kinds(&self) -> &[&'static str] {
        &[WorkoutCompleted::KIND]
    }

    fn handle<'a>(&'a self, _txn: &'a DatabaseTransaction, event: &'a Envelope) -> Handled<'a> {
        Box::pin(async move {
            let lag = (Utc::now() - event.occurred_at)
                .num_microseconds()
                .unwrap_or(0);
            self.latencies_us
                .lock()
                .map_err(|_| tessera_kit::events::HandleError::Failed("poisoned".into()))?
                .push(u64::try_from(lag).unwrap_or(0));
            Ok(())
        })
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)] as f64 / 1000.0
}

/// Runs the benchmark once.
pub async fn run(options: &EventsOptions) -> anyhow::Result<EventsReport> {
    let producer_db = fresh_db::<JournalMigrator>().await;
    let consumer_db = fresh_db::<JournalMigrator>().await;
    let redis = std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty());
    let path = match (&redis, std::env::var("DATABASE_URL").is_ok()) {
        (Some(_), true) => "postgres+redis",
        (Some(_), false) => "sqlite+redis",
        (None, true) => "postgres+in-process",
        (None, false) => "sqlite+in-process",
    };
    let config = EventsConfig {
        namespace: format!("bench-events-{}", Uuid::now_v7().simple()),
        ..EventsConfig::default()
    };
    let wiring = Wiring::new(redis.as_deref(), config.clone()).map_err(anyhow::Error::msg)?;
    let recorder = Arc::new(Recorder {
        latencies_us: Mutex::new(Vec::new()),
    });
    let mut tasks = Vec::new();
    for _ in 0..options.replicas.max(1) {
        let consumer = Consumer::new(
            "journal",
            consumer_db.db.clone(),
            recorder.clone(),
            config.clone(),
        );
        tasks.push(wiring.bus.consume(Arc::new(consumer)));
        tasks.push(
            Relay::new(
                "workouts",
                producer_db.db.clone(),
                wiring.bus.clone(),
                config.clone(),
            )
            .spawn(),
        );
    }
    wiring.open();
    // Let the consumer groups form before the clock starts.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = Instant::now();
    let producers = options.producers.max(1);
    let mut producing = tokio::task::JoinSet::new();
    for _ in 0..producers {
        let db = producer_db.db.clone();
        let every = (options.rate > 0)
            .then(|| Duration::from_secs_f64(producers as f64 / f64::from(options.rate)));
        let until = started + options.duration;
        producing.spawn(async move {
            let mut committed = 0u64;
            let mut tick = every.map(|every| {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                tick
            });
            while Instant::now() < until {
                if let Some(tick) = &mut tick {
                    tick.tick().await;
                }
                let event = WorkoutCompleted {
                    workout_id: Uuid::now_v7(),
                    athlete_id: Uuid::now_v7(),
                    title: "Intervals".to_owned(),
                    completed_at: Utc::now(),
                };
                let txn = tessera_kit::db::begin_write(&db).await?;
                outbox::append(&txn, "workouts", &event, Utc::now()).await?;
                txn.commit().await?;
                committed += 1;
            }
            anyhow::Ok(committed)
        });
    }
    let mut committed = 0;
    while let Some(done) = producing.join_next().await {
        committed += done.context("a producer task")??;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let handled = recorder.latencies_us.lock().map(|l| l.len()).unwrap_or(0) as u64;
        if handled >= committed || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = started.elapsed();
    for task in tasks {
        task.abort();
    }
    let mut latencies = recorder
        .latencies_us
        .lock()
        .map(|l| l.clone())
        .unwrap_or_default();
    latencies.sort_unstable();
    let handled = latencies.len() as u64;
    Ok(EventsReport {
        path: path.to_owned(),
        committed,
        handled,
        events_per_second: handled as f64 / elapsed.as_secs_f64(),
        p50_ms: percentile(&latencies, 50.0),
        p90_ms: percentile(&latencies, 90.0),
        p99_ms: percentile(&latencies, 99.0),
        max_ms: latencies.last().map_or(0.0, |l| *l as f64 / 1000.0),
    })
}
