//! Shared by the codex tests: a fresh database, people as viewers, entries, and the
//! subgraph served over real HTTP on a free port.

#![allow(dead_code)]

use sea_orm::DatabaseConnection;
use tessera_codex::{
    entity::entry::{self, Category, Kind, Visibility},
    service::{
        access::Access,
        entries::{self, NewEntry},
    },
};
use tessera_kit::testing::{self, TestDb, fresh_db};
// The kit's cast and clock; each test binary uses some of them.
#[allow(unused_imports)]
pub use tessera_kit::testing::{Person, Served, admin, athlete, coach, support, t0};
use tessera_migrations::CodexMigrator;

pub async fn db() -> TestDb {
    fresh_db::<CodexMigrator>().await
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
