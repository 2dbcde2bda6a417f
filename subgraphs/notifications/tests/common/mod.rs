//! Shared by the notifications tests: a fresh database, people as viewers, sends, and
//! the subgraph served over real HTTP on a free port.

#![allow(dead_code)]

use sea_orm::DatabaseConnection;
use tessera_kit::testing::{self, TestDb, fresh_db};
// The kit's cast and clock; each test binary uses some of them.
#[allow(unused_imports)]
pub use tessera_kit::testing::{Person, Served, admin, athlete, coach, support, t0};
use tessera_migrations::NotificationsMigrator;
use tessera_notifications::{
    entity::{kinds::NotificationKind, notification},
    service::{
        access::Access,
        sending::{self, Send},
    },
};

pub async fn db() -> TestDb {
    fresh_db::<NotificationsMigrator>().await
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
