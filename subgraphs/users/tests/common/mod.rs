//! Shared by the users tests: a fresh database with users in it, and the subgraph
//! served over real HTTP on a free port.

#![allow(dead_code)]

use sea_orm::DatabaseConnection;
pub use tessera_kit::testing::{Served, t0};
use tessera_kit::{
    testing::{self, TestDb, fresh_db},
    viewer::Viewer,
};
use tessera_migrations::UsersMigrator;
use tessera_users::{
    Settings,
    entity::user::{self, Role},
    service::{
        access::Access,
        accounts::{self, SignUp},
        coaching,
    },
};

pub async fn db() -> TestDb {
    fresh_db::<UsersMigrator>().await
}

pub fn sign_up_input(handle: &str) -> SignUp {
    SignUp {
        handle: handle.to_owned(),
        display_name: format!("{handle} display"),
        email: format!("{handle}@example.com"),
        timezone: Some("Europe/Berlin".to_owned()),
        role: Role::Athlete,
        avatar_url: None,
    }
}

pub async fn athlete(db: &DatabaseConnection, handle: &str) -> user::Model {
    accounts::sign_up(db, sign_up_input(handle), t0())
        .await
        .expect("sign up succeeds")
}

pub async fn coach(db: &DatabaseConnection, handle: &str) -> user::Model {
    let input = SignUp {
        role: Role::Coach,
        ..sign_up_input(handle)
    };
    accounts::sign_up(db, input, t0())
        .await
        .expect("sign up succeeds")
}

/// An administrator (granted directly in the table: nobody can sign up as one).
pub async fn admin(db: &DatabaseConnection, handle: &str) -> user::Model {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let model = athlete(db, handle).await;
    let mut row: user::ActiveModel = model.into();
    row.roles = Set(user::Roles::of(&[Role::Admin]).0);
    row.update(db).await.expect("role granted")
}

pub async fn link(db: &DatabaseConnection, coach: &user::Model, athlete: &user::Model) {
    coaching::link(db, coach.id, athlete.id, t0())
        .await
        .expect("linked");
}

/// Who a user is to the subgraph: only the id, since users reads roles from its table.
pub trait AsViewer {
    fn viewer(&self) -> Viewer;
}

impl AsViewer for user::Model {
    fn viewer(&self) -> Viewer {
        Viewer::user(self.id)
    }
}

pub fn as_user(model: &user::Model) -> Access {
    Access::of(model.clone())
}

/// The subgraph on a free port, serving until the returned value is dropped.
pub async fn serve(db: &DatabaseConnection) -> Served {
    testing::serve(tessera_users::app(
        db.clone(),
        Settings::default(),
        testing::trust(),
    ))
    .await
}
