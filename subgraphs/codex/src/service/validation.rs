//! Input checks: each normalises a value or names the field it rejects.

use tessera_kit::{catalogue, error::ServiceError};

use crate::entity::entry::Kind;

/// Longest title.
pub const TITLE_MAX: usize = 160;
/// Longest body, in characters.
pub const BODY_MAX: usize = 50_000;
/// Most tags per entry.
pub const TAGS_MAX: usize = 10;
/// Most search terms used from a query.
pub const TERMS_MAX: usize = 8;
/// Longest practice, in minutes.
pub const MINUTES_MAX: i32 = 240;
/// Most steps of a practice.
pub const STEPS_MAX: usize = 30;
/// Longest instruction of a step, in characters.
pub const INSTRUCTION_MAX: usize = 500;

/// A step of a practice as written: what to do, and the slug of the catalogue exercise
/// it is, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What to do.
    pub instruction: String,
    /// A catalogue exercise's slug.
    pub exercise_slug: Option<String>,
}

/// A title: 1–160 characters, no control characters.
pub fn title(raw: &str) -> Result<String, ServiceError> {
    let title = raw.trim();
    if title.is_empty() || title.chars().count() > TITLE_MAX {
        return Err(ServiceError::invalid(
            "title",
            "title must be 1 to 160 characters long",
        ));
    }
    if title.chars().any(char::is_control) {
        return Err(ServiceError::invalid(
            "title",
            "title must not contain control characters",
        ));
    }
    Ok(title.to_owned())
}

/// The minutes of an entry of `kind`: 1–240 for a practice (required), none for an
/// article. Named `durationMinutes`, as clients spell it.
pub fn minutes(kind: Kind, minutes: Option<i32>) -> Result<Option<i32>, ServiceError> {
    const FIELD: &str = "durationMinutes";
    match (kind, minutes) {
        (Kind::Article, None) => Ok(None),
        (Kind::Article, Some(_)) => Err(ServiceError::invalid(
            FIELD,
            "only a practice takes minutes; an article has none",
        )),
        (Kind::Practice, Some(m)) if (1..=MINUTES_MAX).contains(&m) => Ok(Some(m)),
        (Kind::Practice, _) => Err(ServiceError::invalid(
            FIELD,
            format!("a practice takes 1 to {MINUTES_MAX} minutes"),
        )),
    }
}

/// The steps of an entry of `kind`, in order: at most 30 for a practice, none for an
/// article; each an instruction of 1–500 characters without control characters (line
/// breaks and tabs allowed; a Windows or old Mac line break, `\r\n` or `\r`, is kept as
/// `\n`) and, if given, the slug of a catalogue exercise (any letter case).
/// An error names the step as clients index it (`steps[2].exerciseSlug`).
pub fn steps(kind: Kind, raw: &[Step]) -> Result<Vec<Step>, ServiceError> {
    if kind == Kind::Article && !raw.is_empty() {
        return Err(ServiceError::invalid(
            "steps",
            "only a practice has steps; an article has none",
        ));
    }
    if raw.len() > STEPS_MAX {
        return Err(ServiceError::invalid(
            "steps",
            format!("a practice has at most {STEPS_MAX} steps"),
        ));
    }
    raw.iter()
        .enumerate()
        .map(|(i, step)| {
            let instruction = step.instruction.replace("\r\n", "\n").replace('\r', "\n");
            let instruction = instruction.trim();
            if instruction.is_empty() || instruction.chars().count() > INSTRUCTION_MAX {
                return Err(ServiceError::invalid(
                    format!("steps[{i}].instruction"),
                    format!("an instruction must be 1 to {INSTRUCTION_MAX} characters long"),
                ));
            }
            if instruction
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
            {
                return Err(ServiceError::invalid(
                    format!("steps[{i}].instruction"),
                    "an instruction must not contain control characters other than line breaks and tabs",
                ));
            }
            let exercise_slug = step
                .exercise_slug
                .as_deref()
                .map(|raw| {
                    let slug = raw.trim().to_lowercase();
                    catalogue::by_slug(&slug)
                        .map(|(_, e)| e.slug.to_owned())
                        .ok_or_else(|| {
                            ServiceError::invalid(
                                format!("steps[{i}].exerciseSlug"),
                                format!("`{}` is not an exercise of the catalogue", raw.trim()),
                            )
                        })
                })
                .transpose()?;
            Ok(Step {
                instruction: instruction.to_owned(),
                exercise_slug,
            })
        })
        .collect()
}

/// A Markdown body: 1–50 000 characters.
pub fn body(raw: &str) -> Result<String, ServiceError> {
    let body = raw.trim();
    if body.is_empty() || body.chars().count() > BODY_MAX {
        return Err(ServiceError::invalid(
            "body",
            "body must be 1 to 50000 characters long",
        ));
    }
    Ok(body.to_owned())
}

/// Tags: each 1–32 of `a-z`, `0-9`, `-`; at most 10; deduplicated, order kept.
pub fn tags(raw: &[String]) -> Result<Vec<String>, ServiceError> {
    let mut tags: Vec<String> = Vec::new();
    for t in raw {
        let tag = t.trim().to_lowercase();
        let ok = !tag.is_empty()
            && tag.len() <= 32
            && tag
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(ServiceError::invalid(
                "tags",
                format!(
                    "`{}` is not a tag: use 1–32 letters, digits or `-`",
                    t.trim()
                ),
            ));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > TAGS_MAX {
        return Err(ServiceError::invalid(
            "tags",
            format!("an entry may have at most {TAGS_MAX} tags"),
        ));
    }
    Ok(tags)
}

/// The stored form of tags: between commas.
pub fn stored_tags(tags: &[String]) -> String {
    if tags.is_empty() {
        ",".to_owned()
    } else {
        format!(",{},", tags.join(","))
    }
}

/// Search terms: the query's runs of letters and digits, lowercase, deduplicated, at
/// most 8 of at most 32 characters. Nothing else reaches the search syntax of either
/// backend.
pub fn terms(query: &str) -> Result<Vec<String>, ServiceError> {
    let mut terms: Vec<String> = Vec::new();
    for word in query
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word: String = word.to_ascii_lowercase().chars().take(32).collect();
        if !terms.contains(&word) {
            terms.push(word);
        }
    }
    if terms.is_empty() {
        return Err(ServiceError::invalid(
            "query",
            "search for at least one word of letters or digits",
        ));
    }
    terms.truncate(TERMS_MAX);
    Ok(terms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_become_plain_terms() {
        assert_eq!(
            terms("Sleep & recovery: \"sleep\" OR NEAR(x)").expect("terms"),
            vec!["sleep", "recovery", "or", "near", "x"]
        );
        assert!(matches!(
            terms(" *:& ").expect_err("nothing"),
            ServiceError::Invalid { field, .. } if field == "query"
        ));
        assert_eq!(terms(&"a ".repeat(20)).expect("terms").len(), 1);
        assert_eq!(stored_tags(&[]), ",");
        let step = |instruction: &str, slug: Option<&str>| Step {
            instruction: instruction.into(),
            exercise_slug: slug.map(Into::into),
        };
        assert_eq!(
            steps(
                Kind::Practice,
                &[
                    step(" Squat \n slowly ", Some(" Back-Squat ")),
                    step("Breathe", None),
                    step("Brace\r\n\tthen lift\rand hold\r\n", None),
                ]
            )
            .expect("steps"),
            vec![
                step("Squat \n slowly", Some("back-squat")),
                step("Breathe", None),
                step("Brace\n\tthen lift\nand hold", None),
            ]
        );
        let refused = |kind, list: &[Step]| match steps(kind, list) {
            Err(ServiceError::Invalid { field, message }) => (field, message),
            other => panic!("refused, got {other:?}"),
        };
        assert_eq!(
            refused(Kind::Article, &[step("Read", None)]),
            (
                "steps".into(),
                "only a practice has steps; an article has none".into()
            )
        );
        assert_eq!(
            refused(Kind::Practice, &vec![step("Go", None); 31]).0,
            "steps"
        );
        assert_eq!(
            refused(Kind::Practice, &[step("Go", None), step("  ", None)]).0,
            "steps[1].instruction"
        );
        assert_eq!(
            refused(Kind::Practice, &[step("Go\u{7}", None)]),
            (
                "steps[0].instruction".into(),
                "an instruction must not contain control characters other than line breaks and tabs".into()
            )
        );
        assert_eq!(
            refused(Kind::Practice, &[step("Go", Some("moon-walk"))]),
            (
                "steps[0].exerciseSlug".into(),
                "`moon-walk` is not an exercise of the catalogue".into()
            )
        );
        assert_eq!(
            tags(&["Sleep".into(), "sleep".into(), "deep-work".into()]).expect("tags"),
            vec!["sleep", "deep-work"]
        );
    }
}
