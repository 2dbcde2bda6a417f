//! Every fuzz target (`tessera_bench::targets`) over its committed corpus
//! (`fuzz/corpus/<target>/`) and every crash the fuzzer has found
//! (`fuzz/regressions/<target>/`), on the stable toolchain: what libFuzzer once saw pass
//! still passes, and no crash comes back. Then a brief fuzzing run per target without
//! libFuzzer: seeded byte mutations of the corpus (flips, insertions, deletions, splices
//! of two inputs), the same every run, so a failure here reproduces; the failing input
//! is written to `target/fuzz-failures/<target>` to become a regression.

use std::path::{Path, PathBuf};

use tessera_bench::{fuzz::rng::Rng, targets};

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

/// Mutated inputs per target and run (the slow targets run fewer).
fn mutations(target: &str) -> usize {
    match target {
        "http" | "planner" | "project" => 400,
        _ => 4_000,
    }
}

/// One mutation of `input` (`other` for splices).
fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if !out.is_empty() => {
                let i = at.min(out.len() - 1);
                out[i] ^= 1 << rng.below(8);
            }
            1 => out.insert(at, rng.next_u64() as u8),
            2 if !out.is_empty() => {
                let end = (at + 1 + rng.below(8)).min(out.len());
                out.drain(at.min(end)..end);
            }
            3 => {
                // Interesting bytes of JSON and HTTP.
                let tokens: [&[u8]; 10] = [
                    b"{", b"}", b"[", b"]", b"\\", b"\"", b"\\u0000", b"1e999", b"\n\n", b":",
                ];
                let token = tokens[rng.below(tokens.len())];
                out.splice(at..at, token.iter().copied());
            }
            4 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(32)).min(other.len());
                out.splice(at..at, other[from..end].iter().copied());
            }
            _ => {
                if let Some(byte) = out.get_mut(at) {
                    *byte = rng.next_u64() as u8;
                }
            }
        }
    }
    out
}

fn fuzz_briefly(target: &str, corpus: &[Vec<u8>]) {
    let seed = target
        .bytes()
        .fold(0x2026_1207u64, |h, b| h.rotate_left(5) ^ u64::from(b));
    let mut rng = Rng::new(seed);
    for _ in 0..mutations(target) {
        let input = &corpus[rng.below(corpus.len())];
        let other = &corpus[rng.below(corpus.len())];
        let mutated = mutate(&mut rng, input, other);
        if std::panic::catch_unwind(|| targets::run(target, &mutated)).is_err() {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fuzz-failures");
            let _ = std::fs::create_dir_all(&dir);
            let path = dir.join(target);
            let _ = std::fs::write(&path, &mutated);
            panic!(
                "{target} fails on a mutated input, written to {}",
                path.display()
            );
        }
    }
}

fn replay(target: &str) {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let corpus = inputs(&fuzz.join("corpus").join(target));
    assert!(
        !corpus.is_empty(),
        "the {target} target has a committed corpus"
    );
    let regressions = inputs(&fuzz.join("regressions").join(target));
    let mut read = Vec::new();
    for path in corpus.iter().chain(&regressions) {
        let input = std::fs::read(path).expect("a corpus file is readable");
        let outcome = std::panic::catch_unwind(|| targets::run(target, &input));
        assert!(outcome.is_ok(), "{target} fails on {}", path.display());
        read.push(input);
    }
    fuzz_briefly(target, &read);
    eprintln!(
        "{target}: {} corpus inputs, {} regressions and {} mutations pass",
        corpus.len(),
        regressions.len(),
        mutations(target)
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
