//! The explorer in a real browser: Debian's headless Chromium, driven by playwright-core
//! (`tests/explorer/explorer.mjs`), against the router and all five subgraphs.
//!
//! Needs `node`, `tests/explorer/node_modules` (`npm ci --prefix tests/explorer`) and
//! Chromium (`apt-get install chromium`, or `CHROMIUM=<path>`). Without them the test
//! says so and passes, unless `REQUIRE_BROWSER_TESTS=required` (CI sets it), when it
//! fails naming what is missing.

mod common;

use std::{path::PathBuf, process::Command};

use common::Platform;
use tessera_router::explorer::ExplorerOptions;

const SUBGRAPHS: &[&str] = &["users", "workouts", "notifications", "journal", "codex"];

/// What the browser test needs, or why it cannot run here.
fn browser_setup() -> Result<(PathBuf, PathBuf), String> {
    let scripts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/explorer");
    let chromium = PathBuf::from(std::env::var("CHROMIUM").unwrap_or("/usr/bin/chromium".into()));
    if !chromium.exists() {
        return Err(format!(
            "no Chromium at {} (apt-get install chromium, or set CHROMIUM)",
            chromium.display()
        ));
    }
    if !scripts.join("node_modules/playwright-core").exists() {
        return Err("no playwright-core (npm ci --prefix tests/explorer)".to_owned());
    }
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => Ok((scripts, chromium)),
        _ => Err("no node on PATH".to_owned()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explorer_shows_each_caller_their_api_and_runs_their_queries() {
    let (scripts, chromium) = match browser_setup() {
        Ok(found) => found,
        Err(missing) if std::env::var("REQUIRE_BROWSER_TESTS").as_deref() == Ok("required") => {
            panic!("the browser test is required here, but: {missing}")
        }
        Err(missing) => {
            eprintln!("skipping the explorer's browser test: {missing}");
            return;
        }
    };
    let platform = Platform::start_with(SUBGRAPHS, true, |_, server| {
        server.explorer = Some(ExplorerOptions {
            partner: Some(tessera::platform::PARTNER_PATH.to_owned()),
            ..ExplorerOptions::default()
        });
    })
    .await;
    let api_key = platform.api_key("pat", "explorer test").await;
    let base = platform.url.trim_end_matches("/graphql").to_owned();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("explorer");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(scripts.join("explorer.mjs"))
            .args([
                base.as_str(),
                shots.to_str().expect("a UTF-8 path"),
                &api_key,
            ])
            .env("CHROMIUM", chromium)
            .output()
            .expect("node runs")
    })
    .await
    .expect("the browser run ends");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stdout}");
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for name in ["explorer-team", "explorer-partner", "explorer-api-key"] {
        assert!(stdout.contains(&format!("{name}.png")), "{stdout}");
    }
}
