//! Shared by the notifications tests: a fresh database, people as viewers, sends, and
//! the subgraph served over real HTTP on a free port.

#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::DatabaseConnection;
pub use tessera_kit::testing::Served;
use tessera_kit::{
    testing::{self, TestDb, fresh_db},
    viewer::{Role, Scope},
};
use tessera_migrations::NotificationsMigrator;
use tessera_notifications::{
    entity::{kinds::NotificationKind, notification},
    service::{
        access::Access,
        sending::{self, Send},
    },
};

/// A fixed "now" so times in assertions are exact.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
        .single()
        .expect("valid time")
}

pub async fn db() -> TestDb {
    fresh_db::<NotificationsMigrator>().await
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

/// A coach coaching nobody yet ([`Person::coaching`]).
pub fn coach() -> Person {
    person(&[Role::Coach], &[])
}

pub fn admin() -> Person {
    person(&[Role::Admin], &[])
}

pub fn support() -> Person {
    person(&[Role::Admin], &[Scope::Support])
}

pub fn message(recipients: &[&Person], key: &str) -> Send {
    Send {
        recipient_ids: recipients.iter().map(|p| p.id).collect(),
        kind: NotificationKind::System,
        title: "Hello".to_owned(),
        body: "From the platform.".to_owned(),
        data: Some(r#"{"screen":"home"}"#.to_owned()),
        idempotency_key: key.to_owned(),
    }
}

/// An administrator sends a system notification to `recipients`.
pub async fn send(
    db: &DatabaseConnection,
    recipients: &[&Person],
    key: &str,
) -> Vec<notification::Model> {
    sending::send(db, &admin().access(), message(recipients, key), t0())
        .await
        .expect("sent")
        .notifications
}

/// The subgraph on a free port, serving until the returned value is dropped.
pub async fn serve(db: &DatabaseConnection) -> Served {
    testing::serve(tessera_notifications::app(db.clone(), testing::trust())).await
}
