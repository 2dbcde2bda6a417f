//! The users subgraph on its real database configuration (`tessera_kit::db::connect`,
//! as `tessera serve` opens it) when the database misbehaves: an SQLite file deleted
//! under the running process, PostgreSQL cut off and back, and the embedded SQLite
//! default under concurrent writers and readers.

mod common;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use common::*;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use tessera_kit::{
    config::DatabaseConfig,
    db::{StartupError, connect_and_migrate},
    testing::{self, first_error},
};
use tessera_migrations::UsersMigrator;
use tessera_users::service::sessions;
use tokio::{
    net::{TcpListener, TcpStream},
    task::AbortHandle,
};

/// The users database as the embedded default opens it, in `dir/data/users.db`.
async fn embedded(dir: &Path) -> Result<(DatabaseConnection, PathBuf), StartupError> {
    let file = dir.join("data").join("users.db");
    let config = DatabaseConfig {
        migrate_on_start: true,
        ..DatabaseConfig::new(format!("sqlite://{}?mode=rwc", file.display()))
    };
    let db = connect_and_migrate::<UsersMigrator>(&config).await?;
    Ok((db, file))
}

/// `/health/ready`'s status and body; the client gives up after 5 s, well before the
/// pool's acquire timeout in these tests, so an answer shows readiness did not wait
/// for the pool.
async fn readiness(served: &Served) -> (u16, Value) {
    let response = served
        .client
        .get(format!("{}/health/ready", served.url))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("readiness answers without waiting for the pool");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

const ME: &str = "{ me { handle } }";

#[tokio::test]
async fn a_database_file_deleted_under_the_running_process_is_reported_and_never_replaced() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (db, file) = embedded(dir.path()).await.expect("the database opens");
    let alex = athlete(&db, "alex").await;
    let served = serve(&db).await;
    assert_eq!(readiness(&served).await.0, 200);
    let body = served.gql(Some(&alex.viewer()), ME, json!({})).await;
    assert_eq!(body["data"]["me"]["handle"], "alex", "{body}");

    std::fs::remove_file(&file).expect("the file is deleted");

    let (status, body) = readiness(&served).await;
    assert_eq!(status, 503);
    assert_eq!(
        body,
        json!({
            "status": "unavailable",
            "reason": "database",
            "detail": format!("the database file `{}` is gone", file.display()),
        })
    );
    // Reads no longer come from the deleted file: the breaker answers.
    let body = served.gql(Some(&alex.viewer()), ME, json!({})).await;
    assert_eq!(first_error(&body)["code"], "SERVICE_UNAVAILABLE", "{body}");
    assert_eq!(
        body["errors"][0]["message"], "the database is unavailable; retry later",
        "{body}"
    );
    // A write neither reaches the deleted file nor makes a new, empty one.
    let update = "mutation { updateProfile(input: { displayName: \"Alex\" }) { displayName } }";
    let body = served.gql(Some(&alex.viewer()), update, json!({})).await;
    assert_eq!(first_error(&body)["code"], "SERVICE_UNAVAILABLE", "{body}");
    assert!(!file.exists(), "no empty database appears in its place");

    // Nor does a restart make one: the marker remembers the file existed.
    let refused = embedded(dir.path())
        .await
        .expect_err("a restart refuses to start on an empty database");
    assert!(
        matches!(refused, StartupError::Vanished { .. }),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("users.db.created"),
        "{refused}"
    );
    assert!(!file.exists());
}

/// PostgreSQL at `DATABASE_URL` with a fresh schema of the test's own (dropped when the
/// value is), or none, saying so, when it is unset.
struct Postgres {
    url: url::Url,
    schema: String,
    admin: DatabaseConnection,
}

impl Postgres {
    async fn fresh(test: &str) -> Option<Self> {
        let Ok(url) = std::env::var("DATABASE_URL") else {
            eprintln!("DATABASE_URL is unset: {test} is skipped");
            return None;
        };
        let url = url::Url::parse(&url).expect("a URL");
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(url.as_str())
            .await
            .expect("PostgreSQL");
        admin
            .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
            .await
            .expect("a schema");
        Some(Self { url, schema, admin })
    }

    async fn drop_schema(self) {
        self.admin
            .execute_unprepared(&format!("DROP SCHEMA \"{}\" CASCADE", self.schema))
            .await
            .expect("the schema is dropped");
    }
}

/// A TCP proxy in front of PostgreSQL that the test can cut (every connection dropped,
/// new ones refused) and restore on the same port.
struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("bound");
        let proxy = Self {
            addr,
            upstream,
            tasks: Arc::default(),
        };
        proxy.run(listener);
        proxy
    }

    fn run(&self, listener: TcpListener) {
        let (upstream, tasks) = (self.upstream, self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let relay = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().expect("tasks").push(relay.abort_handle());
            }
        });
        self.tasks
            .lock()
            .expect("tasks")
            .push(accept.abort_handle());
    }

    fn cut(&self) {
        for task in self.tasks.lock().expect("tasks").drain(..) {
            task.abort();
        }
    }

    async fn restore(&self) {
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("the proxy's port again");
        self.run(listener);
    }
}

#[tokio::test]
async fn postgresql_cut_off_is_answered_at_once_and_readiness_within_its_deadline() {
    let Some(pg) = Postgres::fresh("the PostgreSQL outage test").await else {
        return;
    };
    let (url, schema) = (pg.url.clone(), pg.schema.clone());
    let upstream: SocketAddr = format!(
        "{}:{}",
        url.host_str().expect("a host"),
        url.port().unwrap_or(5432)
    )
    .parse()
    .expect("PostgreSQL at an IP address");
    // Reached through the proxy.
    let proxy = Proxy::start(upstream).await;
    let mut through = url.clone();
    through.set_port(Some(proxy.addr.port())).expect("a port");
    through
        .query_pairs_mut()
        .append_pair("options", &format!("-c search_path={schema}"));
    let config = DatabaseConfig {
        migrate_on_start: true,
        // Far longer than any answer below may take: a request that waited for the
        // pool would fail the test's 5 s client timeouts.
        acquire_timeout_ms: 30_000,
        ..DatabaseConfig::new(through.to_string())
    };
    let db = connect_and_migrate::<UsersMigrator>(&config)
        .await
        .expect("PostgreSQL through the proxy");
    let alex = athlete(&db, "alex").await;
    let served = serve(&db).await;
    let (identity, token) = testing::identity_header(Some(&alex.viewer()));
    let me = |served: &Served| {
        let request = served
            .client
            .post(format!("{}/graphql", served.url))
            .header(identity, token.clone())
            .timeout(Duration::from_secs(5))
            .json(&json!({ "query": ME }));
        async move {
            request
                .send()
                .await
                .expect("the subgraph answers without waiting for the pool")
                .json::<Value>()
                .await
                .expect("JSON")
        }
    };
    assert_eq!(readiness(&served).await.0, 200);
    assert_eq!(me(&served).await["data"]["me"]["handle"], "alex");

    proxy.cut();
    let (status, body) = readiness(&served).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["reason"], "database");
    let body = me(&served).await;
    assert_eq!(first_error(&body)["code"], "SERVICE_UNAVAILABLE", "{body}");
    assert_eq!(
        body["errors"][0]["message"], "the database is unavailable; retry later",
        "{body}"
    );

    proxy.restore().await;
    let mut back = false;
    for _ in 0..40 {
        if readiness(&served).await.0 == 200 {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        back,
        "readiness turns 200 once PostgreSQL is reachable again"
    );
    let body = me(&served).await;
    assert_eq!(body["data"]["me"]["handle"], "alex", "{body}");
    pg.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_embedded_database_takes_concurrent_writers_and_readers_without_an_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (db, _) = embedded(dir.path()).await.expect("the database opens");
    let mut people = Vec::new();
    for i in 0..12 {
        let person = athlete(&db, &format!("person{i}")).await;
        sessions::set_password(&db, person.id, "long enough pw", "password", t0())
            .await
            .expect("password set");
        people.push(person);
    }
    let served = Arc::new(serve(&db).await);
    let mut work = tokio::task::JoinSet::new();
    for (i, person) in people.into_iter().enumerate() {
        let served = served.clone();
        work.spawn(async move {
            let viewer = person.viewer();
            let mut failures = Vec::new();
            let mut note = |body: Value| {
                if body.get("errors").is_some() {
                    failures.push(body);
                }
            };
            if i % 2 == 1 {
                // Readers: the signed-in query, as fast as the subgraph answers.
                for _ in 0..60 {
                    note(
                        served
                            .gql(Some(&viewer), "{ me { handle displayName } }", json!({}))
                            .await,
                    );
                }
                return failures;
            }
            // Writers: a session refreshed again and again (each refresh reads the
            // session, then writes its successor, in one transaction) and the profile.
            let signed_in = served
                .gql(
                    None,
                    "mutation($i: SignInInput!) { signIn(input: $i) { refreshToken } }",
                    json!({ "i": { "email": format!("person{i}@example.com"), "password": "long enough pw" } }),
                )
                .await;
            let mut token = signed_in["data"]["signIn"]["refreshToken"].clone();
            note(signed_in);
            for round in 0..30 {
                let refreshed = served
                    .gql(
                        None,
                        "mutation($t: String!) { refreshSession(refreshToken: $t) { refreshToken } }",
                        json!({ "t": token }),
                    )
                    .await;
                token = refreshed["data"]["refreshSession"]["refreshToken"].clone();
                note(refreshed);
                note(
                    served
                        .gql(
                            Some(&viewer),
                            "mutation($n: String!) { updateProfile(input: { displayName: $n }) { displayName } }",
                            json!({ "n": format!("round {round}") }),
                        )
                        .await,
                );
            }
            failures
        });
    }
    let failures: Vec<Value> = work.join_all().await.into_iter().flatten().collect();
    assert!(
        failures.is_empty(),
        "{} failed: {failures:?}",
        failures.len()
    );
}

#[tokio::test]
async fn a_read_only_postgresql_is_not_ready_yet_still_serves_reads() {
    let Some(pg) = Postgres::fresh("the read-only PostgreSQL test").await else {
        return;
    };
    let (url, schema) = (pg.url.clone(), pg.schema.clone());
    let at = |options: &str| {
        let mut url = url.clone();
        url.query_pairs_mut().append_pair("options", options);
        DatabaseConfig::new(url.to_string())
    };
    let writable = connect_and_migrate::<UsersMigrator>(&DatabaseConfig {
        migrate_on_start: true,
        ..at(&format!("-c search_path={schema}"))
    })
    .await
    .expect("migrated");
    let alex = athlete(&writable, "alex").await;
    // What a standby, or a database set read-only, gives every session.
    let read_only = connect_and_migrate::<UsersMigrator>(&at(&format!(
        "-c search_path={schema} -c default_transaction_read_only=on"
    )))
    .await
    .expect("connects");
    let served = serve(&read_only).await;
    let (status, body) = readiness(&served).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body["detail"],
        "the database cannot be written: it is read-only (a standby, or default_transaction_read_only)"
    );
    // Reads are still answered: the breaker stays closed for a database that reads.
    let body = served.gql(Some(&alex.viewer()), ME, json!({})).await;
    assert_eq!(body["data"]["me"]["handle"], "alex", "{body}");
    pg.drop_schema().await;
}
