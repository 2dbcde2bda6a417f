//! A suite of the replay corpus on disk, and building one (`tessera-bench
//! corpus-build`) from a recordings directory and a fuzzer corpus.
//!
//! # A suite: `bench/corpus/<suite>/`
//! - `supergraph.graphql`: the supergraph, its URLs `http://replay/<name>`.
//! - `subgraphs/<name>.graphql`: each subgraph's SDL as it answered `_service { sdl }`.
//! - `data.json`: the [data model](super::data) built from the recordings (the raw
//!   recordings are not kept: they repeat every entity once per request).
//! - `operations.jsonl`: one [`Operation`] a line, the expected answer with it.
//! - `hand.jsonl` (optional): answers set by hand, each with `why`; they replace the
//!   fuzzer's line of the same `id`, or add one.
//!
//! Building checks the data model too: every recorded request is answered again by
//! the replay subgraph and compared with the recorded answer.

use std::{
    collections::{BTreeMap, HashSet},
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    compare::{Answer, Order, differences},
    data::Data,
    error::ReplayError,
    proxy::RECORDINGS,
    record::{BuildStats, Builder, Recording},
    schema::SubgraphSchema,
    subgraph::ReplaySubgraph,
};

/// The operations file of a suite.
pub const OPERATIONS: &str = "operations.jsonl";
/// The hand-set answers of a suite.
pub const HAND: &str = "hand.jsonl";
/// The data file of a suite.
pub const DATA: &str = "data.json";

/// One operation of a suite and the answer expected of a router.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// Unique in its suite.
    pub id: String,
    /// The operation.
    pub query: String,
    /// Its variables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<Value>,
    /// The answer.
    pub expected: Answer,
    /// Who says the answer is right.
    pub source: Source,
    /// Why, for an answer set by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// Where an expected answer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The reference router's answer, equal to ours when the fuzzer ran.
    Reference,
    /// Set by hand (the spec says otherwise than the reference), with `why`.
    Hand,
}

/// A line of the differential fuzzer's corpus (only what a suite needs of it).
#[derive(Debug, Clone, Deserialize)]
pub struct FuzzLine {
    /// Its id.
    pub id: String,
    /// The operation.
    pub query: String,
    /// Its variables.
    #[serde(default)]
    pub variables: Option<Value>,
    /// The reference router's answer.
    pub reference: Answer,
    /// Whether ours answered the same.
    pub equal: bool,
}

/// A suite, loaded.
#[derive(Debug)]
pub struct Suite {
    /// The directory's name.
    pub name: String,
    /// The supergraph (placeholder URLs).
    pub supergraph: String,
    /// Each subgraph's SDL, by name.
    pub subgraphs: BTreeMap<String, String>,
    /// The recorded data.
    pub data: Data,
    /// The operations.
    pub operations: Vec<Operation>,
}

impl Suite {
    /// The suite in `dir`.
    pub fn load(dir: &Path) -> Result<Self, ReplayError> {
        let data_path = dir.join(DATA);
        let data = serde_json::from_str(&read(&data_path)?)
            .map_err(|e| ReplayError::json(&data_path, None, e))?;
        Ok(Self {
            name: dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            supergraph: read(&dir.join("supergraph.graphql"))?,
            subgraphs: read_subgraphs(&dir.join("subgraphs"))?,
            data,
            operations: read_lines(&dir.join(OPERATIONS))?,
        })
    }
}

/// The suites under `root`: its directories holding an `operations.jsonl`, by name.
pub fn suite_dirs(root: &Path) -> Result<Vec<PathBuf>, ReplayError> {
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(root).map_err(|e| ReplayError::io(root, e))? {
        let path = entry.map_err(|e| ReplayError::io(root, e))?.path();
        if path.join(OPERATIONS).is_file() {
            dirs.push(path);
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// What [`build`] made.
#[derive(Debug)]
pub struct BuildReport {
    /// The recordings, used and not.
    pub recordings: BuildStats,
    /// Entities stored, over all subgraphs.
    pub entities: usize,
    /// Operations with the reference's answer.
    pub reference: usize,
    /// Operations with an answer set by hand.
    pub hand: usize,
    /// Fuzzer lines left out: ours and the reference differed, and no hand line says
    /// which is right.
    pub left_out: usize,
    /// Recordings whose request the replay subgraph answers as the real one did.
    pub replayed_as_recorded: usize,
    /// Those it answers otherwise: what differs.
    pub replayed_otherwise: Vec<String>,
}

/// Writes suite `out` from the recordings directory `recordings` (as `tessera-bench
/// record` leaves it) and the fuzzer corpus `operations`, keeping `out/hand.jsonl`.
pub fn build(
    recordings: &Path,
    operations: Option<&Path>,
    out: &Path,
) -> Result<BuildReport, ReplayError> {
    let sdl = read_subgraphs(&recordings.join("subgraphs"))?;
    let schemas = sdl
        .iter()
        .map(|(name, sdl)| Ok((name.clone(), SubgraphSchema::from_sdl(name, sdl)?)))
        .collect::<Result<BTreeMap<_, _>, ReplayError>>()?;
    let mut builder = Builder::new(&schemas);
    let recordings_path = recordings.join(RECORDINGS);
    for recording in read_lines::<Recording>(&recordings_path)? {
        builder.add(&recording);
    }
    let (data, stats) = builder.finish();
    let check = self_check(&sdl, &data, &recordings_path)?;

    let hand: Vec<Operation> = if out.join(HAND).is_file() {
        read_lines(&out.join(HAND))?
    } else {
        Vec::new()
    };
    for line in &hand {
        if line.source != Source::Hand || line.why.as_deref().is_none_or(str::is_empty) {
            return Err(ReplayError::Corpus {
                path: out.join(HAND),
                message: format!(
                    "`{}`: a hand line needs \"source\":\"hand\" and a `why`",
                    line.id
                ),
            });
        }
    }
    let fuzzed: Vec<FuzzLine> = match operations {
        Some(path) => read_lines(path)?,
        None => Vec::new(),
    };
    let (lines, left_out) = merge_operations(fuzzed, &hand);
    let mut ids = HashSet::new();
    if let Some(duplicate) = lines.iter().find(|line| !ids.insert(line.id.as_str())) {
        return Err(ReplayError::Corpus {
            path: out.join(OPERATIONS),
            message: format!("id `{}` is used twice", duplicate.id),
        });
    }

    let sdl_dir = out.join("subgraphs");
    std::fs::create_dir_all(&sdl_dir).map_err(|e| ReplayError::io(&sdl_dir, e))?;
    for (name, text) in &sdl {
        write(&sdl_dir.join(format!("{name}.graphql")), text)?;
    }
    write(
        &out.join("supergraph.graphql"),
        &read(&recordings.join("supergraph.graphql"))?,
    )?;
    let mut data_text = serde_json::to_string_pretty(&data).expect("JSON serializes");
    data_text.push('\n');
    write(&out.join(DATA), &data_text)?;
    let mut operations_text = String::new();
    for line in &lines {
        operations_text.push_str(&serde_json::to_string(line).expect("JSON serializes"));
        operations_text.push('\n');
    }
    write(&out.join(OPERATIONS), &operations_text)?;

    Ok(BuildReport {
        recordings: stats,
        entities: data.values().map(|d| d.entities.len()).sum(),
        reference: lines
            .iter()
            .filter(|l| l.source == Source::Reference)
            .count(),
        hand: lines.iter().filter(|l| l.source == Source::Hand).count(),
        left_out,
        replayed_as_recorded: check.0,
        replayed_otherwise: check.1,
    })
}

/// Every recording's request answered by the replay subgraph built from `data`: how
/// many answers equal the recorded one (as the corpus compares answers), and the
/// first few that do not.
fn self_check(
    sdl: &BTreeMap<String, String>,
    data: &Data,
    recordings: &Path,
) -> Result<(usize, Vec<String>), ReplayError> {
    let subgraphs = sdl
        .iter()
        .map(|(name, text)| {
            let data = data.get(name).cloned().unwrap_or_default();
            Ok((name.clone(), ReplaySubgraph::new(name, text.clone(), data)?))
        })
        .collect::<Result<BTreeMap<_, _>, ReplayError>>()?;
    let mut same = 0;
    let mut otherwise = Vec::new();
    for recording in read_lines::<Recording>(recordings)? {
        let Some(subgraph) = subgraphs.get(&recording.subgraph) else {
            continue;
        };
        let request = serde_json::to_value(&recording.request).expect("JSON serializes");
        let answer = |body| Answer { status: 200, body };
        let found = differences(
            &answer(recording.response.clone()),
            &answer(subgraph.answer(&request)),
            Order::Ignored,
        );
        if found.is_empty() {
            same += 1;
        } else {
            otherwise.push(format!(
                "{}: {}: {}",
                recording.subgraph,
                recording
                    .request
                    .query
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                found.join("; ")
            ));
        }
    }
    Ok((same, otherwise))
}

/// The fuzzer's lines where ours and the reference agreed, each replaced by the hand
/// line of its id; then the hand lines of other ids. Also how many lines were left out.
fn merge_operations(fuzzed: Vec<FuzzLine>, hand: &[Operation]) -> (Vec<Operation>, usize) {
    let mut lines = Vec::new();
    let mut left_out = 0;
    let mut used = HashSet::new();
    for line in fuzzed {
        if let Some(by_hand) = hand.iter().find(|h| h.id == line.id) {
            used.insert(by_hand.id.clone());
            lines.push(by_hand.clone());
        } else if line.equal {
            lines.push(Operation {
                id: line.id,
                query: line.query,
                variables: line
                    .variables
                    .filter(|v| v.as_object().is_some_and(|vars| !vars.is_empty())),
                expected: line.reference,
                source: Source::Reference,
                why: None,
            });
        } else {
            left_out += 1;
        }
    }
    lines.extend(hand.iter().filter(|h| !used.contains(&h.id)).cloned());
    (lines, left_out)
}

fn read(path: &Path) -> Result<String, ReplayError> {
    std::fs::read_to_string(path).map_err(|e| ReplayError::io(path, e))
}

fn write(path: &Path, text: &str) -> Result<(), ReplayError> {
    std::fs::write(path, text).map_err(|e| ReplayError::io(path, e))
}

/// `<name>.graphql` files of `dir`, by name.
fn read_subgraphs(dir: &Path) -> Result<BTreeMap<String, String>, ReplayError> {
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(|e| ReplayError::io(dir, e))? {
        let path = entry.map_err(|e| ReplayError::io(dir, e))?.path();
        if path.extension().is_some_and(|e| e == "graphql")
            && let Some(name) = path.file_stem()
        {
            found.insert(name.to_string_lossy().into_owned(), read(&path)?);
        }
    }
    Ok(found)
}

/// The JSON lines of `path` (blank lines skipped).
pub fn read_lines<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, ReplayError> {
    read(path)?
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line).map_err(|e| ReplayError::json(path, Some(n + 1), e))
        })
        .collect()
}

impl ReplaySubgraph {
    /// Every subgraph of `suite` (those without data answer `REPLAY_MISSING`).
    pub fn all_of(suite: &Suite) -> Result<Vec<Self>, ReplayError> {
        suite
            .subgraphs
            .iter()
            .map(|(name, sdl)| {
                let data = suite.data.get(name).cloned().unwrap_or_default();
                Self::new(name, sdl.clone(), data)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fuzz(id: &str, equal: bool) -> FuzzLine {
        serde_json::from_value(json!({
            "id": id, "query": "{ a }", "ours": {"status": 200, "body": {}},
            "reference": {"status": 200, "body": {"data": {"a": 1}}}, "equal": equal, "class": null
        }))
        .expect("a fuzzer line")
    }

    #[test]
    fn reference_answers_where_equal_and_hand_lines_win() {
        let hand: Operation = serde_json::from_value(json!({
            "id": "2", "query": "{ a }", "expected": {"status": 200, "body": {"data": {"a": 2}}},
            "source": "hand", "why": "the spec's CollectFields"
        }))
        .expect("a hand line");
        let extra = Operation {
            id: "h1".into(),
            ..hand.clone()
        };
        let (lines, left_out) = merge_operations(
            vec![fuzz("1", true), fuzz("2", false), fuzz("3", false)],
            &[hand.clone(), extra],
        );
        assert_eq!(
            lines
                .iter()
                .map(|l| (l.id.as_str(), l.source))
                .collect::<Vec<_>>(),
            [
                ("1", Source::Reference),
                ("2", Source::Hand),
                ("h1", Source::Hand)
            ]
        );
        assert_eq!(left_out, 1);
        assert_eq!(lines[1], hand);
    }
}
