//! Shared by the journal tests: a fresh database, people as viewers, entries, and the
//! subgraph served over real HTTP on a free port.

#![allow(dead_code)]

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tessera_journal::{
    entity::entry::{self, Mood},
    service::{
        access::Access,
        entries::{self, NewEntry},
    },
};
use tessera_kit::testing::{self, TestDb, fresh_db};
// The kit's cast and clock; each test binary uses some of them.
#[allow(unused_imports)]
pub use tessera_kit::testing::{Person, Served, admin, athlete, coach, support, t0};
use tessera_migrations::JournalMigrator;

pub async fn db() -> TestDb {
    fresh_db::<JournalMigrator>().await
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

pub fn new_entry(title: &str) -> NewEntry {
    NewEntry {
        title: title.to_owned(),
        body: "Some *words*.".to_owned(),
        mood: Mood::Good,
        energy: 3,
        tags: vec!["training".to_owned()],
        workout_id: None,
        share_with_coach_id: None,
    }
}

/// `author` writes an entry at `at`, shared with `coach` when given.
pub async fn write(
    db: &DatabaseConnection,
    author: &Person,
    title: &str,
    coach: Option<&Person>,
    at: DateTime<Utc>,
) -> entry::Model {
    let input = NewEntry {
        share_with_coach_id: coach.map(|c| c.id),
        ..new_entry(title)
    };
    entries::create(db, &author.access(), input, at)
        .await
        .expect("entry written")
}

/// The subgraph on a free port, serving until the returned value is dropped.
pub async fn serve(db: &DatabaseConnection) -> Served {
    testing::serve(tessera_journal::app(db.clone(), testing::trust())).await
}
