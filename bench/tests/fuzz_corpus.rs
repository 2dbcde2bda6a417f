//! Every fuzz target (`tessera_bench::targets`) over its committed corpus
//! (`fuzz/corpus/<target>/`) and every crash the fuzzer has found
//! (`fuzz/regressions/<target>/`), on the stable toolchain: what libFuzzer once saw pass
//! still passes, and no crash comes back.

use std::path::{Path, PathBuf};

use tessera_bench::targets;

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: &str) {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let corpus = inputs(&fuzz.join("corpus").join(target));
    assert!(
        !corpus.is_empty(),
        "the {target} target has a committed corpus"
    );
    let regressions = inputs(&fuzz.join("regressions").join(target));
    for path in corpus.iter().chain(&regressions) {
        let input = std::fs::read(path).expect("a corpus file is readable");
        let outcome = std::panic::catch_unwind(|| targets::run(target, &input));
        assert!(outcome.is_ok(), "{target} fails on {}", path.display());
    }
    eprintln!(
        "{target}: {} corpus inputs and {} regressions pass",
        corpus.len(),
        regressions.len()
    );
}

#[test]
fn json() {
    replay("json");
}

#[test]
fn merge() {
    replay("merge");
}

#[test]
fn variables() {
    replay("variables");
}

#[test]
fn planner() {
    replay("planner");
}

#[test]
fn project() {
    replay("project");
}

#[test]
fn http() {
    replay("http");
}

#[test]
fn every_target_is_replayed() {
    assert_eq!(
        targets::TARGETS,
        ["json", "merge", "variables", "planner", "project", "http"],
        "a new target gets its test here"
    );
    assert!(!targets::run("no such target", b""));
}
