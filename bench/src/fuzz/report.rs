//! What a run leaves behind: the markdown report (totals, then each class with its
//! minimal case and both answers to it) and the corpus lines (every operation sent,
//! both answers, its class).

use std::{collections::BTreeMap, fmt::Write as _, time::Duration};

use serde_json::{Value, json};

use super::{
    compare::{Answer, Finding, Kind, Verdict, compare},
    minimize::Minimized,
    operation::Operation,
};

/// How much of each answer the report shows.
const ANSWER_CHARS: usize = 1500;
/// How many example operation ids each class lists.
const EXAMPLES: usize = 3;

/// The counts of a run.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    /// Operations generated.
    pub generated: usize,
    /// Generated operations apollo-compiler refused (not sent).
    pub invalid: usize,
    /// Operations sent to both routers.
    pub sent: usize,
    /// Those answered alike.
    pub equal: usize,
    /// Those answered differently.
    pub different: usize,
    /// Time spent sending them (minimization aside).
    pub sending: Duration,
    /// The tie-breaker's verdicts on the different ones, when there is one.
    pub verdicts: BTreeMap<Verdict, usize>,
}

impl Totals {
    /// Operations sent per second (each to both routers).
    pub fn rate(&self) -> f64 {
        self.sent as f64 / self.sending.as_secs_f64().max(1e-9)
    }
}

/// A class of differences.
#[derive(Debug, Clone)]
pub struct Class {
    /// `C1`, `C2`… in order of first sighting.
    pub id: String,
    /// Its signature (see `classify`).
    pub signature: String,
    /// The kind of its operations' first finding.
    pub kind: Kind,
    /// Operations in it.
    pub count: usize,
    /// The first few operations' ids.
    pub examples: Vec<String>,
    /// The smallest operation seen in it, with its answers; after minimization, the
    /// minimal case.
    pub case: Minimized,
    /// The tie-breaker's verdicts on its operations.
    pub verdicts: BTreeMap<Verdict, usize>,
    /// The first few operations where ours stands alone.
    pub alone: Vec<String>,
}

/// The classes of a run, by signature.
#[derive(Debug, Default)]
pub struct Classes {
    /// In order of first sighting.
    pub list: Vec<Class>,
}

impl Classes {
    /// Counts an operation in its class (a new one for a new signature); returns the
    /// class id.
    pub fn add(
        &mut self,
        signature: String,
        kind: Kind,
        id: &str,
        operation: &Operation,
        ours: &Answer,
        reference: &Answer,
    ) -> String {
        let case = || Minimized {
            operation: operation.clone(),
            ours: ours.clone(),
            reference: reference.clone(),
            resends: 0,
        };
        if let Some(class) = self.list.iter_mut().find(|c| c.signature == signature) {
            class.count += 1;
            if class.examples.len() < EXAMPLES {
                class.examples.push(id.to_owned());
            }
            if operation.size() < class.case.operation.size() {
                class.case = case();
            }
            return class.id.clone();
        }
        let class_id = format!("C{}", self.list.len() + 1);
        self.list.push(Class {
            id: class_id.clone(),
            signature,
            kind,
            count: 1,
            examples: vec![id.to_owned()],
            case: case(),
            verdicts: BTreeMap::new(),
            alone: Vec::new(),
        });
        class_id
    }
}

impl Classes {
    /// Counts the tie-breaker's verdict on operation `id` of class `class_id`.
    pub fn judge(&mut self, class_id: &str, id: &str, verdict: Verdict) {
        if let Some(class) = self.list.iter_mut().find(|c| c.id == class_id) {
            *class.verdicts.entry(verdict).or_default() += 1;
            if verdict == Verdict::OursAlone && class.alone.len() < EXAMPLES {
                class.alone.push(id.to_owned());
            }
        }
    }
}

/// One corpus line (without the newline).
pub fn corpus_line(
    id: &str,
    operation_text: &str,
    variables: &Value,
    ours: &Answer,
    reference: &Answer,
    class: Option<&str>,
    tiebreak: Option<(&Answer, Verdict)>,
) -> String {
    let mut line = json!({
        "id": id,
        "query": operation_text,
        "variables": variables,
        "ours": {"status": ours.status, "body": ours.body},
        "reference": {"status": reference.status, "body": reference.body},
        "equal": class.is_none(),
        "class": class,
    });
    if let (Some((answer, verdict)), Some(map)) = (tiebreak, line.as_object_mut()) {
        map.insert(
            "tiebreak".to_owned(),
            json!({"status": answer.status, "body": answer.body}),
        );
        map.insert("verdict".to_owned(), json!(verdict.as_str()));
    }
    line.to_string()
}

/// What the report says about the run besides totals and classes.
#[derive(Debug, Clone)]
pub struct RunInfo<'a> {
    /// The suite's name.
    pub suite: &'a str,
    /// Our router's URL.
    pub ours: &'a str,
    /// The reference router's URL.
    pub reference: &'a str,
    /// The tie-breaker's URL, when there is one.
    pub tiebreak: Option<&'a str>,
    /// The seed.
    pub seed: u64,
    /// The depth limit.
    pub max_depth: usize,
    /// Re-sends allowed per class.
    pub budget: usize,
}

/// The markdown report.
pub fn render(
    info: &RunInfo<'_>,
    totals: &Totals,
    classes: &Classes,
    invalid_examples: &[(String, String)],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Differential fuzz: {}\n", info.suite);
    let _ = writeln!(
        out,
        "Ours `{}`, reference `{}`; seed {}, max depth {}, at most {} re-sends to minimize \
         each class.\n",
        info.ours, info.reference, info.seed, info.max_depth, info.budget
    );
    let _ = writeln!(out, "| | operations |\n|---|---:|");
    for (what, n) in [
        ("generated", totals.generated),
        ("invalid, discarded", totals.invalid),
        ("sent", totals.sent),
        ("equal", totals.equal),
        ("different", totals.different),
    ] {
        let _ = writeln!(out, "| {what} | {n} |");
    }
    let _ = writeln!(
        out,
        "\n{} classes; {:.0} operations/s sent (each to both routers).\n",
        classes.list.len(),
        totals.rate()
    );
    if let Some(url) = info.tiebreak {
        let _ = writeln!(
            out,
            "Tie-break by `{url}` on every different operation, by `data` (values and key \
             order):\n\n| verdict | meaning | operations |\n|---|---|---:|"
        );
        for (verdict, n) in &totals.verdicts {
            let _ = writeln!(out, "| {verdict} | {} | {n} |", verdict.meaning());
        }
        out.push('\n');
    }
    if !classes.list.is_empty() {
        let alone = info.tiebreak.is_some();
        let _ = writeln!(
            out,
            "| class | kind | operations |{} signature |\n|---|---|---:|{}---|",
            if alone { " ours alone |" } else { "" },
            if alone { "---:|" } else { "" }
        );
        for class in &classes.list {
            let column = if alone {
                format!(
                    " {} |",
                    class
                        .verdicts
                        .get(&Verdict::OursAlone)
                        .copied()
                        .unwrap_or(0)
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} |{column} {} |",
                class.id,
                class.kind,
                class.count,
                class.signature.replace('|', "\\|")
            );
        }
        out.push('\n');
    }
    for class in &classes.list {
        render_class(&mut out, class);
    }
    if !invalid_examples.is_empty() {
        let _ = writeln!(
            out,
            "## Invalid operations (the generator's mistakes)\n\nThe first {}:\n",
            invalid_examples.len()
        );
        for (text, errors) in invalid_examples {
            let _ = writeln!(
                out,
                "```graphql\n{}```\n\n```\n{}\n```\n",
                text,
                errors.trim()
            );
        }
    }
    out
}

fn render_class(out: &mut String, class: &Class) {
    let case = &class.case;
    let _ = writeln!(
        out,
        "## {}: {} ({} operations)\n\n{}\n\nExamples: {}.\n",
        class.id,
        class.kind,
        class.count,
        class.signature,
        class
            .examples
            .iter()
            .map(|id| format!("`{id}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !class.verdicts.is_empty() {
        let verdicts: Vec<String> = class
            .verdicts
            .iter()
            .map(|(verdict, n)| format!("{verdict} {n}"))
            .collect();
        let _ = writeln!(out, "Tie-break: {}.\n", verdicts.join(", "));
        if !class.alone.is_empty() {
            let ids: Vec<String> = class.alone.iter().map(|id| format!("`{id}`")).collect();
            let _ = writeln!(out, "Where ours stands alone: {}.\n", ids.join(", "));
        }
    }
    let findings: Vec<Finding> = compare(&case.ours, &case.reference);
    let _ = writeln!(
        out,
        "Minimal case ({} re-sends to minimize):\n\n```graphql\n{}```\n",
        case.resends,
        case.operation.to_text()
    );
    let variables = case.operation.variables_json();
    if variables.as_object().is_some_and(|v| !v.is_empty()) {
        let _ = writeln!(out, "Variables: `{variables}`\n");
    }
    for finding in &findings {
        let _ = writeln!(out, "- {finding}");
    }
    if !findings.is_empty() {
        out.push('\n');
    }
    for (who, answer) in [("Ours", &case.ours), ("Reference", &case.reference)] {
        let _ = writeln!(
            out,
            "{who} (status {}):\n\n```json\n{}\n```\n",
            answer.status,
            truncated(&answer.body)
        );
    }
}

fn truncated(body: &Value) -> String {
    let text = serde_json::to_string_pretty(body).unwrap_or_else(|_| body.to_string());
    match text.char_indices().nth(ANSWER_CHARS) {
        Some((cut, _)) => format!("{}\n… ({} characters in all)", &text[..cut], text.len()),
        None => text,
    }
}
