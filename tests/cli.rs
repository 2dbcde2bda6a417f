//! The `tessera` binary itself: `migrate` against configured databases, and a wrong
//! configuration value stopping start-up with a message that names the key.

use std::process::Command;

use tessera::platform::SUBGRAPHS;

fn tessera() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
    // Only what each test sets: no TESSERA_* from the environment running the tests.
    for (key, _) in std::env::vars() {
        if key.starts_with("TESSERA_") {
            command.env_remove(key);
        }
    }
    command
}

#[test]
fn migrate_applies_every_domain_once() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let run = || {
        let mut command = tessera();
        command
            .arg("migrate")
            .env("TESSERA_TELEMETRY__FORMAT", "json");
        for name in SUBGRAPHS {
            command.env(
                format!("TESSERA_SUBGRAPHS__{}__DATABASE__URL", name.to_uppercase()),
                format!("sqlite://{}/{name}.db?mode=rwc", dir.path().display()),
            );
        }
        let output = command.output().expect("tessera runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let first = run();
    let applied: Vec<u64> = first
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["fields"]["applied"].as_u64())
        .collect();
    assert_eq!(applied.len(), SUBGRAPHS.len(), "{first}");
    assert!(applied.iter().all(|n| *n >= 1), "{first}");
    for name in SUBGRAPHS {
        assert!(
            dir.path().join(format!("{name}.db")).exists(),
            "{name}.db created"
        );
    }
    let second = run();
    let applied: Vec<u64> = second
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["fields"]["applied"].as_u64())
        .collect();
    assert_eq!(
        applied,
        vec![0; SUBGRAPHS.len()],
        "nothing left to apply: {second}"
    );
}

#[test]
fn a_wrong_value_stops_start_up_naming_the_key() {
    let output = tessera()
        .env("TESSERA_SUBGRAPHS__USERS__LISTEN", "not-an-address")
        .output()
        .expect("tessera runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "tessera: configuration: `subgraphs.users.listen`: invalid socket address syntax (from the environment variable TESSERA_SUBGRAPHS__USERS__LISTEN)"
    );
}

#[test]
fn keygen_prints_a_key_pair_a_lone_subgraph_can_start_with() {
    let output = tessera().arg("keygen").output().expect("tessera runs");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let pem_start = stdout
        .find("-----BEGIN PRIVATE KEY-----")
        .expect("a PEM private key");
    let pem_end = stdout.find("-----END PRIVATE KEY-----").expect("its end") + 25;
    let key = tessera_identity::Ed25519Key::from_pkcs8_pem("router", &stdout[pem_start..pem_end])
        .expect("the private key reads back");
    let public = stdout.lines().last().expect("the public key line");
    assert_eq!(
        public,
        key.public_base64(),
        "the last line is its public half"
    );

    // Without that public key, a subgraph alone refuses to start, saying which key.
    let output = tessera()
        .args(["serve", "codex"])
        .output()
        .expect("tessera runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "`identity.router_public_key` (TESSERA_IDENTITY__ROUTER_PUBLIC_KEY) is not set"
        ),
        "{stderr}"
    );
}

/// A supergraph of one subgraph (`type Query { hello: String }`, nothing tagged
/// `partner`), written in a temporary directory kept by the caller.
fn hello_supergraph() -> (tempfile::TempDir, std::path::PathBuf) {
    let sdl = tessera::compose::compose(&[tessera::compose::SubgraphSdl {
        name: "hello".to_owned(),
        url: "http://127.0.0.1:9/graphql".to_owned(),
        sdl: "extend schema @link(url: \"https://specs.apollo.dev/federation/v2.5\", import: [\"@key\"])\ntype Query { hello: String }".to_owned(),
        file: std::path::PathBuf::from("hello.graphql"),
    }])
    .expect("composes");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("supergraph.graphql");
    std::fs::write(&path, sdl).expect("written");
    (dir, path)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Waits up to ten seconds for `base`'s readiness; whether it came.
async fn ready(client: &reqwest::Client, base: &str) -> bool {
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if let Ok(r) = client.get(format!("{base}/health/ready")).send().await {
            return r.status().is_success();
        }
    }
    false
}

/// How a stopped process ended, and its stdout and stderr.
fn ended(process: std::process::Child) -> (std::process::ExitStatus, String) {
    let output = process.wait_with_output().expect("ends");
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status, logs)
}

#[test]
fn a_supergraph_the_router_cannot_serve_stops_start_up_saying_why() {
    let (dir, path) = hello_supergraph();
    let sdl = std::fs::read_to_string(&path).expect("written");
    let subgraph_timeout = |name: &str| {
        tessera()
            .arg("router")
            .env("TESSERA_ROUTER__SUPERGRAPH", &path)
            .env(
                "TESSERA_ROUTER__LISTEN",
                format!("127.0.0.1:{}", free_port()),
            )
            .env("TESSERA_ROUTER__SUBGRAPH_TIMEOUTS_MS__HELLO", "1000")
            .env(
                format!("TESSERA_ROUTER__SUBGRAPH_TIMEOUTS_MS__{name}"),
                "1000",
            )
            .output()
            .expect("tessera runs")
    };
    // A timeout for a subgraph the supergraph does not have.
    let output = subgraph_timeout("HELO");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "tessera: configuration: `router.subgraph_timeouts_ms.helo`: the supergraph has no subgraph `helo` (it has `hello`)"
    );
    // A supergraph that needs a spec the router does not implement.
    let context = sdl.replacen(
        "@link(url: \"https://specs.apollo.dev/join/v0.5\", for: EXECUTION)",
        "@link(url: \"https://specs.apollo.dev/join/v0.5\", for: EXECUTION) @link(url: \"https://specs.apollo.dev/context/v0.1\", for: SECURITY)",
        1,
    );
    assert_ne!(context, sdl, "the join link is where it was");
    std::fs::write(&path, context).expect("written");
    let output = subgraph_timeout("HELLO");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(
            "the supergraph links https://specs.apollo.dev/context/v0.1 for SECURITY, which this router does not implement"
        ),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    drop(dir);
}

#[tokio::test]
async fn the_router_alone_serves_a_supergraph_with_no_partner_variant() {
    // Another team's supergraph (the federation audit's, say) tags nothing `partner`:
    // the router serves /graphql and the explorer, and no /partner/graphql.
    let (_dir, path) = hello_supergraph();
    let (port, metrics) = (free_port(), free_port());
    let mut router = tessera()
        .arg("router")
        .env("TESSERA_ROUTER__SUPERGRAPH", &path)
        .env("TESSERA_ROUTER__LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "TESSERA_TELEMETRY__METRICS_LISTEN",
            format!("127.0.0.1:{metrics}"),
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("tessera runs");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let ready = ready(&client, &base).await;
    let status = |request: reqwest::RequestBuilder| async move {
        request.send().await.map(|r| r.status().as_u16()).ok()
    };
    let query = serde_json::json!({"query": "{ __typename }"});
    let graphql = status(client.post(format!("{base}/graphql")).json(&query)).await;
    let partner = status(client.post(format!("{base}/partner/graphql")).json(&query)).await;
    let explorer = status(client.get(format!("{base}/explorer"))).await;
    router.kill().expect("stops");
    let (_, logs) = ended(router);
    assert!(ready, "{logs}");
    assert_eq!(graphql, Some(200), "{logs}");
    assert_eq!(partner, Some(404), "{logs}");
    assert_eq!(explorer, Some(200), "{logs}");
    assert!(
        logs.contains(
            "nothing in the supergraph is tagged `partner`: /partner/graphql is not served"
        ),
        "{logs}"
    );
}

#[tokio::test]
async fn the_router_serves_on_its_configured_threads_and_stops_cleanly_on_sigterm() {
    let (_dir, path) = hello_supergraph();
    let port = free_port();
    let router = tessera()
        .arg("router")
        .env("TESSERA_ROUTER__SUPERGRAPH", &path)
        .env("TESSERA_ROUTER__LISTEN", format!("127.0.0.1:{port}"))
        .env("TESSERA_ROUTER__THREADS", "3")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("tessera runs");
    let base = format!("http://127.0.0.1:{port}");
    let ready = ready(&reqwest::Client::new(), &base).await;
    // The serving threads, by name. Readiness is answered by the first one, and the
    // others may still be starting: look again for up to five seconds.
    let serving = || -> Vec<String> {
        std::fs::read_dir(format!("/proc/{}/task", router.id()))
            .expect("the router's threads are listed")
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
            .map(|name| name.trim().to_owned())
            .filter(|name| name.starts_with("router-"))
            .collect()
    };
    let mut threads = serving();
    for _ in 0..50 {
        if threads.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        threads = serving();
    }
    threads.sort();
    // Six connections of their own, handed to the three threads in turn: all answered.
    let mut answers = Vec::new();
    for _ in 0..6 {
        let client = reqwest::Client::new();
        let answer = client
            .post(format!("{base}/graphql"))
            .json(&serde_json::json!({"query": "{ __typename }"}))
            .send()
            .await;
        answers.push(match answer {
            Ok(answer) => answer.text().await.unwrap_or_default(),
            Err(err) => err.to_string(),
        });
    }
    let terminated = Command::new("kill")
        .args(["-TERM", &router.id().to_string()])
        .status()
        .expect("kill runs");
    let (status, logs) = ended(router);
    assert!(ready, "{logs}");
    assert_eq!(threads, ["router-0", "router-1", "router-2"], "{logs}");
    assert!(
        answers
            .iter()
            .all(|a| a == r#"{"data":{"__typename":"Query"}}"#),
        "{answers:?}"
    );
    assert!(terminated.success());
    assert!(status.success(), "{status:?}: {logs}");
}

#[tokio::test]
async fn audit_verify_says_intact_then_names_the_first_edited_record() {
    use sea_orm_migration::MigratorTrait;
    use sea_orm_migration::sea_orm::{
        self, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr,
    };
    use tessera_users::{
        entity::audit::record,
        service::{
            audit::{self, Event, actions},
            key_encryption::KeyEncryption,
        },
    };

    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/users.db?mode=rwc", dir.path().display());
    let kek = KeyEncryption::generate_text();
    let db = sea_orm::Database::connect(&url)
        .await
        .expect("SQLite opens");
    tessera_migrations::UsersMigrator::up(&db, None)
        .await
        .expect("migrated");
    let keys = KeyEncryption::parse(&kek).expect("a KEK");
    for i in 0..4 {
        let event = Event::new(actions::SIGN_IN_FAILED).with(serde_json::json!({ "i": i }));
        audit::append_alone(&db, event, chrono::Utc::now())
            .await
            .expect("appended");
        if i == 1 {
            audit::checkpoint(&db, &keys, chrono::Utc::now())
                .await
                .expect("checkpointed");
        }
    }
    let verify = || {
        tessera()
            .args(["audit", "verify"])
            .env("TESSERA_SUBGRAPHS__USERS__DATABASE__URL", &url)
            .env("TESSERA_USERS__SIGNING_KEK", kek.as_str())
            .output()
            .expect("tessera runs")
    };
    let intact = verify();
    let stdout = String::from_utf8_lossy(&intact.stdout);
    assert!(
        intact.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&intact.stderr)
    );
    assert_eq!(
        stdout,
        "audit log: 4 records (last 4), 1 checkpoints verified\nintact\n"
    );

    record::Entity::update_many()
        .col_expr(record::Column::Detail, Expr::value(r#"{"i":9}"#))
        .filter(record::Column::Seq.eq(2))
        .exec(&db)
        .await
        .expect("edited");
    let tampered = verify();
    assert_eq!(tampered.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&tampered.stdout);
    assert!(
        stdout.ends_with("TAMPERED: record 2 was edited: its content does not give its hash\n"),
        "{stdout}"
    );
}

/// `query` at the router `base` as the holder of `token`.
async fn ask(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: serde_json::Value,
) -> serde_json::Value {
    let mut request = client
        .post(format!("{base}/graphql"))
        .json(&serde_json::json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    match request.send().await {
        Ok(answer) => answer.json().await.unwrap_or_default(),
        Err(err) => serde_json::json!({ "error": err.to_string() }),
    }
}

#[tokio::test]
async fn dev_runs_every_subgraph_with_the_events_between_them_in_process() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let router_port = free_port();
    let mut command = tessera();
    command
        .arg("dev")
        .current_dir(dir.path())
        .env("TESSERA_ROUTER__LISTEN", format!("127.0.0.1:{router_port}"))
        .env(
            "TESSERA_TELEMETRY__METRICS_LISTEN",
            format!("127.0.0.1:{}", free_port()),
        );
    let mut users_port = 0;
    for name in SUBGRAPHS {
        let port = free_port();
        if *name == "users" {
            users_port = port;
        }
        command.env(
            format!("TESSERA_SUBGRAPHS__{}__LISTEN", name.to_uppercase()),
            format!("127.0.0.1:{port}"),
        );
    }
    command
        .env(
            "TESSERA_ROUTER__AUTH__JWKS_URLS",
            format!("[\"http://127.0.0.1:{users_port}/.well-known/jwks.json\"]"),
        )
        .env(
            "TESSERA_ROUTER__AUTH__API_KEY_EXCHANGE_URL",
            format!("http://127.0.0.1:{users_port}/api-keys/exchange"),
        );
    let platform = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("tessera runs");
    let base = format!("http://127.0.0.1:{router_port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..300 {
        if let Ok(r) = client.get(format!("{base}/health/ready")).send().await {
            up = r.status().is_success();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let sign_in = "mutation($e: String!) { signIn(input: {email: $e, password: \"tessera-demo\"}) { accessToken user { id } } }";
    let mut signed = Vec::new();
    for who in ["alex", "carter"] {
        let answer = ask(
            &client,
            &base,
            None,
            sign_in,
            serde_json::json!({ "e": format!("{who}@demo.tessera.dev") }),
        )
        .await;
        signed.push((
            answer["data"]["signIn"]["accessToken"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            answer["data"]["signIn"]["user"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ));
    }
    let [(alex, alex_id), (carter, _)] = [signed[0].clone(), signed[1].clone()];
    let scheduled = ask(
        &client,
        &base,
        Some(&alex),
        "mutation($i: ScheduleWorkoutInput!) { scheduleWorkout(input: $i) { id } }",
        serde_json::json!({ "i": { "athleteId": alex_id, "title": "Hill repeats", "scheduledAt": "2026-12-08T07:00:00Z" } }),
    )
    .await;
    let completed = ask(
        &client,
        &base,
        Some(&alex),
        "mutation($w: ID!) { completeWorkout(workoutId: $w) { completedAt } }",
        serde_json::json!({ "w": scheduled["data"]["scheduleWorkout"]["id"] }),
    )
    .await;
    // The demo's links reached notifications as events at start; the completion now.
    let mut told = serde_json::Value::Null;
    for _ in 0..100 {
        told = ask(
            &client,
            &base,
            Some(&carter),
            "{ me { notifications(first: 50) { nodes { kind body } } } }",
            serde_json::json!({}),
        )
        .await;
        let nodes = told["data"]["me"]["notifications"]["nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if nodes.iter().any(|n| n["kind"] == "ATHLETE_PROGRESS") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let terminated = Command::new("kill")
        .args(["-TERM", &platform.id().to_string()])
        .status()
        .expect("kill runs");
    let (_, logs) = ended(platform);
    assert!(up, "{logs}");
    assert!(
        completed["data"]["completeWorkout"]["completedAt"].is_string(),
        "{completed}: {logs}"
    );
    let progress: Vec<&serde_json::Value> = told["data"]["me"]["notifications"]["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .filter(|n| n["kind"] == "ATHLETE_PROGRESS")
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        progress,
        [&serde_json::json!({ "kind": "ATHLETE_PROGRESS", "body": "Hill repeats" })],
        "{told}: {logs}"
    );
    assert!(terminated.success());
}
