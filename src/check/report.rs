//! The report `tessera check` prints and the contract tests show on failure: the
//! composition, the schema changes grouped by class, the persisted operations, and
//! what to do.

use std::{fmt, path::PathBuf};

use super::{BASELINE_FILE, Change, Class, HOW_TO_ACCEPT};

/// The outcome of [`super::run`].
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// Committed schema files that differ from a fresh composition.
    pub stale: Vec<PathBuf>,
    /// Every change from the baseline to the fresh API schema, breaking first.
    pub changes: Vec<Change>,
    /// How many trusted documents were validated.
    pub operations: usize,
    /// The trusted documents that no longer validate, one line each.
    pub broken_operations: Vec<String>,
}

impl CheckReport {
    /// The breaking changes.
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.class == Class::Breaking)
    }

    /// Whether every check passed: nothing stale, nothing breaking, every operation valid.
    pub fn passed(&self) -> bool {
        self.stale.is_empty()
            && self.breaking().next().is_none()
            && self.broken_operations.is_empty()
    }
}

/// The changes grouped by class (breaking, dangerous, safe), one line each:
/// `  - <message>  [<coordinate>]`. Empty classes are left out.
pub fn changes_report(changes: &[Change]) -> String {
    let mut out = String::new();
    for class in [Class::Breaking, Class::Dangerous, Class::Safe] {
        let of_class: Vec<&Change> = changes.iter().filter(|c| c.class == class).collect();
        if of_class.is_empty() {
            continue;
        }
        out.push_str(&format!("{class} ({}):\n", of_class.len()));
        for change in of_class {
            out.push_str(&format!(
                "  - {}  [{}]\n",
                change.message, change.coordinate
            ));
        }
    }
    out
}

fn count(changes: &[Change], class: Class) -> usize {
    changes.iter().filter(|c| c.class == class).count()
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.stale.is_empty() {
            writeln!(f, "composition: the committed schema files are up to date")?;
        } else {
            let files: Vec<String> = self.stale.iter().map(|p| p.display().to_string()).collect();
            writeln!(
                f,
                "composition: STALE {} (run `cargo run -- compose` and commit the result)",
                files.join(", ")
            )?;
        }
        if self.changes.is_empty() {
            writeln!(
                f,
                "API schema: no change since the baseline {BASELINE_FILE}"
            )?;
        } else {
            writeln!(
                f,
                "API schema against the baseline {BASELINE_FILE}: {} breaking, {} dangerous, {} safe",
                count(&self.changes, Class::Breaking),
                count(&self.changes, Class::Dangerous),
                count(&self.changes, Class::Safe),
            )?;
            f.write_str(&changes_report(&self.changes))?;
        }
        if self.broken_operations.is_empty() {
            writeln!(
                f,
                "persisted operations: all {} validate against the API schema",
                self.operations
            )?;
        } else {
            writeln!(
                f,
                "persisted operations: {} of {} no longer validate:",
                self.broken_operations.len(),
                self.operations
            )?;
            for failure in &self.broken_operations {
                // apollo-compiler's diagnostics span several lines: keep them under
                // their item.
                writeln!(f, "  - {}", failure.trim_end().replace('\n', "\n    "))?;
            }
        }
        if self.passed() {
            if !self.changes.is_empty() {
                // Only what the baseline holds is protected: a field added since, then
                // removed, would go unnoticed.
                writeln!(
                    f,
                    "note: the baseline does not record these changes yet; `cargo run -- check --update-baseline` records them"
                )?;
            }
            writeln!(f, "check passed")
        } else {
            writeln!(f, "check FAILED")?;
            if self.breaking().next().is_some() {
                writeln!(f, "{HOW_TO_ACCEPT}")?;
            }
            Ok(())
        }
    }
}
