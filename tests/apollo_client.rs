//! Apollo Client itself (`@apollo/client` from npm, in Node) against the router:
//! automatic persisted queries as its PersistedQueryLink speaks them, trusted
//! documents under `enforce`, HTTP batching as BatchHttpLink sends it, and `@defer` as
//! its incremental delivery handler reads it. The assertions on each HTTP exchange are in
//! `clients/apollo-node/check.mjs`; this test installs the client's packages (once,
//! from the committed lockfile) and serves the platform it talks to.

mod common;

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
    time::Duration,
};

use common::Platform;
use tessera_router::persisted::{Persisted, PersistedOptions, TrustedMode};

fn client_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/apollo-node")
}

/// `npm ci` unless the packages are there; one test process installs at a time.
fn install() {
    let dir = client_dir();
    let lock = std::fs::File::create(std::env::temp_dir().join("tessera-apollo-node.lock"))
        .expect("a lock file");
    lock.lock().expect("the install lock");
    if !dir
        .join("node_modules/@apollo/client/package.json")
        .exists()
    {
        let output = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .output()
            .expect("npm runs (Node.js 20 and npm are needed for this test)");
        assert!(
            output.status.success(),
            "npm ci failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

async fn check(args: &[&str]) -> String {
    let dir = client_dir();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    // Blocking on its own thread: the platform serves on this test's runtime.
    let run = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("check.mjs")
            .args(&args)
            .current_dir(&dir)
            .output()
    });
    let output = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the client finishes within a minute")
        .expect("the thread completes")
        .expect("node runs (Node.js 20 is needed for this test)");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "Apollo Client disagrees with the router:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test]
async fn apollo_client_misses_registers_then_hits_over_get() {
    install();
    let p = Platform::start(&["users"], false).await;
    let out = check(&["apq", &p.url]).await;
    assert!(out.starts_with("ok: apq"), "{out}");
}

#[tokio::test]
async fn apollo_client_with_a_manifest_under_enforce_and_a_free_form_query_refused() {
    install();
    let manifests = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/persisted");
    let options = PersistedOptions {
        mode: TrustedMode::Enforce,
        manifests: vec![manifests.clone()],
        ..PersistedOptions::default()
    };
    let p = Platform::start_with(&["users"], false, |router, _| {
        router.persisted = Arc::new(Persisted::new(&options).expect("valid options"));
    })
    .await;
    let web = manifests.join("web.json");
    let out = check(&["enforce", &p.url, &web.display().to_string()]).await;
    assert!(out.starts_with("ok: enforce"), "{out}");
}

#[tokio::test]
async fn apollo_client_batches_operations_into_one_request() {
    install();
    let p = Platform::start(&["users"], false).await;
    let out = check(&["batch", &p.url]).await;
    assert!(out.starts_with("ok: batch"), "{out}");
}

#[tokio::test]
async fn apollo_client_reads_a_deferred_fragment_after_the_rest() {
    install();
    let p = Platform::start(&["users", "codex"], false).await;
    let out = check(&["defer", &p.url]).await;
    assert!(out.starts_with("ok: defer"), "{out}");
}
