//! Shared by the journal tests: a fresh database, people as viewers, entries, and the
//! subgraph served over real HTTP on a free port.

#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::DatabaseConnection;
use tessera_journal::{
    entity::entry::{self, Mood},
    service::{
        access::Access,
        entries::{self, NewEntry},
    },
};
pub use tessera_kit::testing::Served;
use tessera_kit::{
    testing::{self, TestDb, fresh_db},
    viewer::{Role, Scope, Viewer},
};
use tessera_migrations::JournalMigrator;
use uuid::Uuid;

/// A fixed "now" so times in assertions are exact.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
        .single()
        .expect("valid time")
}

pub async fn db() -> TestDb {
    fresh_db::<JournalMigrator>().await
}

/// Someone on the platform, as the router would describe them.
#[derive(Debug, Clone, Copy)]
pub struct Person {
    pub id: Uuid,
    pub roles: &'static [Role],
    pub scopes: &'static [Scope],
}

impl Person {
    /// Who they are to the subgraph (what the router would forward).
    pub fn viewer(&self) -> Viewer {
        Viewer::user(self.id)
            .with_roles(self.roles)
            .with_scopes(self.scopes)
    }

    pub fn access(&self) -> Access {
        Access::new(self.viewer())
    }
}

fn person(roles: &'static [Role], scopes: &'static [Scope]) -> Person {
    Person {
        id: Uuid::now_v7(),
        roles,
        scopes,
    }
}

pub fn athlete() -> Person {
    person(&[Role::Athlete], &[])
}

pub fn coach() -> Person {
    person(&[Role::Coach], &[])
}

pub fn admin() -> Person {
    person(&[Role::Admin], &[])
}

pub fn support() -> Person {
    person(&[Role::Admin], &[Scope::Support])
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
