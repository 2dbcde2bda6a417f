//! Shared by the codex tests: a fresh database, people as viewers, entries, and the
//! subgraph served over real HTTP on a free port.

#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::DatabaseConnection;
use tessera_codex::{
    entity::entry::{self, Category, Kind, Visibility},
    service::{
        access::Access,
        entries::{self, NewEntry},
    },
};
pub use tessera_kit::testing::Served;
use tessera_kit::{
    testing::{self, TestDb, fresh_db},
    viewer::{Role, Scope},
};
use tessera_migrations::CodexMigrator;

/// A fixed "now" so times in assertions are exact.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
        .single()
        .expect("valid time")
}

pub async fn db() -> TestDb {
    fresh_db::<CodexMigrator>().await
}

pub use tessera_kit::testing::Person;

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

fn person(roles: &'static [Role], scopes: &'static [Scope]) -> Person {
    Person::new(roles, scopes)
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

pub fn new_entry(title: &str, body: &str, tags: &[&str]) -> NewEntry {
    NewEntry {
        title: title.to_owned(),
        body: body.to_owned(),
        category: Category::Training,
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        visibility: Visibility::Public,
        kind: Kind::Article,
        minutes: None,
        steps: Vec::new(),
    }
}

/// `author` writes an entry.
pub async fn write(
    db: &DatabaseConnection,
    author: &Person,
    title: &str,
    body: &str,
    tags: &[&str],
) -> entry::Model {
    entries::create(db, &author.access(), new_entry(title, body, tags), t0())
        .await
        .expect("entry written")
}

/// The subgraph on a free port, serving until the returned value is dropped.
pub async fn serve(db: &DatabaseConnection) -> Served {
    testing::serve(tessera_codex::app(db.clone(), testing::trust())).await
}
