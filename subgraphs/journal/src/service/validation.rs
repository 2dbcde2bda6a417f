//! Entry input: each check normalises a value or names the field it rejects.

use tessera_kit::error::ServiceError;
use uuid::Uuid;

/// Longest title.
pub const TITLE_MAX: usize = 120;
/// Longest body, in characters.
pub const BODY_MAX: usize = 20_000;
/// Most tags on one entry.
pub const TAGS_MAX: usize = 10;
/// Longest tag.
pub const TAG_MAX: usize = 32;

/// A title: 1–120 characters after trimming, no control characters.
pub fn title(raw: &str) -> Result<String, ServiceError> {
    let title = raw.trim();
    let invalid = |m: &str| ServiceError::invalid("title", m);
    if title.is_empty() {
        return Err(invalid("title must not be empty"));
    }
    if title.chars().count() > TITLE_MAX {
        return Err(invalid("title must be at most 120 characters long"));
    }
    if title.chars().any(char::is_control) {
        return Err(invalid("title must not contain control characters"));
    }
    Ok(title.to_owned())
}

/// A Markdown body: at most 20 000 characters (may be empty).
pub fn body(raw: &str) -> Result<String, ServiceError> {
    if raw.chars().count() > BODY_MAX {
        return Err(ServiceError::invalid(
            "body",
            "body must be at most 20000 characters long",
        ));
    }
    Ok(raw.trim_end().to_owned())
}

/// Energy on a 1–5 scale.
pub fn energy(value: i32) -> Result<i32, ServiceError> {
    if (1..=5).contains(&value) {
        Ok(value)
    } else {
        Err(ServiceError::invalid(
            "energy",
            format!("energy must be between 1 and 5 (got {value})"),
        ))
    }
}

/// One tag: lowercase letters, digits and `-`, 1–32 characters.
pub fn tag(raw: &str) -> Result<String, ServiceError> {
    let tag = raw.trim().to_lowercase();
    let ok = !tag.is_empty()
        && tag.chars().count() <= TAG_MAX
        && tag
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(tag)
    } else {
        Err(ServiceError::invalid(
            "tags",
            format!(
                "`{}` is not a tag: use 1–32 letters, digits or `-`",
                raw.trim()
            ),
        ))
    }
}

/// The stored form of a tag list: normalised, without duplicates, between commas.
pub fn tags(raw: &[String]) -> Result<String, ServiceError> {
    let mut tags: Vec<String> = Vec::new();
    for t in raw {
        let t = tag(t)?;
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    if tags.len() > TAGS_MAX {
        return Err(ServiceError::invalid(
            "tags",
            format!("an entry may have at most {TAGS_MAX} tags"),
        ));
    }
    Ok(format!(",{},", tags.join(",")).replace(",,", ","))
}

/// The coach to share with: not the author themself.
pub fn coach(author: Uuid, coach: Uuid) -> Result<Uuid, ServiceError> {
    if coach == author {
        return Err(ServiceError::invalid(
            "shareWithCoachId",
            "share with your coach, not with yourself",
        ));
    }
    Ok(coach)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(err: ServiceError) -> String {
        match err {
            ServiceError::Invalid { field, .. } => field,
            other => panic!("expected an input error, got {other:?}"),
        }
    }

    #[test]
    fn tags_are_normalised_deduplicated_and_checked() {
        let raw = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            tags(&raw(&[" Sleep", "recovery", "sleep"])).expect("valid"),
            ",sleep,recovery,"
        );
        assert_eq!(tags(&[]).expect("none"), ",");
        assert_eq!(
            field(tags(&raw(&["has space"])).expect_err("space")),
            "tags"
        );
        assert_eq!(field(tags(&raw(&["a,b"])).expect_err("comma")), "tags");
        let many: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert_eq!(field(tags(&many).expect_err("too many")), "tags");
    }

    #[test]
    fn other_fields_name_themselves() {
        assert_eq!(title("  Long run ").expect("valid"), "Long run");
        assert_eq!(field(title("").expect_err("empty")), "title");
        assert_eq!(field(body(&"x".repeat(20_001)).expect_err("long")), "body");
        assert_eq!(field(energy(0).expect_err("low")), "energy");
        let me = Uuid::now_v7();
        assert_eq!(field(coach(me, me).expect_err("self")), "shareWithCoachId");
    }
}
