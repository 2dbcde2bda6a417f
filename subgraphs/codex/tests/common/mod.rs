//! Shared by the codex tests: a fresh database, people as viewers, entries, and the
//! subgraph served over real HTTP on a free port.

#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use tessera_codex::{
    entity::entry::{self, Category, Visibility},
    service::{
        access::Access,
        entries::{self, NewEntry},
    },
};
use tessera_kit::{
    testing::{TestDb, fresh_db},
    viewer::{ROLES_HEADER, Role, SCOPES_HEADER, Scope, VIEWER_HEADER, Viewer},
};
use tessera_migrations::CodexMigrator;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A fixed "now" so times in assertions are exact.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
        .single()
        .expect("valid time")
}

pub async fn db() -> TestDb {
    fresh_db::<CodexMigrator>().await
}

/// Someone on the platform, as the router would describe them.
#[derive(Debug, Clone, Copy)]
pub struct Person {
    pub id: Uuid,
    pub roles: &'static [Role],
    pub scopes: &'static [Scope],
}

impl Person {
    pub fn access(&self) -> Access {
        Access::new(
            Viewer::user(self.id)
                .with_roles(self.roles)
                .with_scopes(self.scopes),
        )
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

pub fn new_entry(title: &str, body: &str, tags: &[&str]) -> NewEntry {
    NewEntry {
        title: title.to_owned(),
        body: body.to_owned(),
        category: Category::Training,
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        visibility: Visibility::Public,
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

/// The subgraph on a free port, serving until the test ends.
pub struct Served {
    pub url: String,
    pub client: reqwest::Client,
    _stop: tokio_util::sync::DropGuard,
}

pub async fn serve(db: &DatabaseConnection) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("bound");
    let app = tessera_codex::app(db.clone());
    let stop = CancellationToken::new();
    tokio::spawn(tessera_kit::server::serve(listener, app, stop.clone()));
    Served {
        url: format!("http://{addr}"),
        client: reqwest::Client::new(),
        _stop: stop.drop_guard(),
    }
}

impl Served {
    /// POSTs a GraphQL request as `viewer` and returns the JSON body.
    pub async fn gql(&self, viewer: Option<&Person>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.url))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(viewer) = viewer {
            let roles: Vec<&str> = viewer.roles.iter().map(|r| r.as_str()).collect();
            let scopes: Vec<&str> = viewer.scopes.iter().map(|s| s.as_str()).collect();
            request = request
                .header(VIEWER_HEADER, viewer.id.to_string())
                .header(ROLES_HEADER, roles.join(","))
                .header(SCOPES_HEADER, scopes.join(","));
        }
        let response = request.send().await.expect("the subgraph answers");
        response.json().await.expect("a JSON body")
    }
}

/// The `extensions` of the first error, asserting there is one.
pub fn first_error(body: &Value) -> &Value {
    &body["errors"][0]["extensions"]
}

/// `[(field, code)]` of every error, the field being the last path segment.
pub fn error_codes(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    let path = e["path"].as_array().expect("a path");
                    (
                        path.last()
                            .and_then(Value::as_str)
                            .expect("field")
                            .to_owned(),
                        e["extensions"]["code"].as_str().expect("code").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
