//! Judging answers: a success is a `200` whose body is a GraphQL response (or batch of
//! them) with data and without errors; with a reference body, one byte for byte equal
//! to it. And, for the first answer, where it differs from the expected JSON.

use hyper::StatusCode;
use serde::{Deserialize, de::IgnoredAny};
use serde_json::Value;

/// What one answer was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// `200`, data, no errors (and equal to the reference, when there is one).
    Success,
    /// Another HTTP status.
    Status(u16),
    /// A GraphQL response with errors or without data.
    Graphql,
    /// Not a GraphQL response: not JSON, or not the shape of one.
    InvalidBody(String),
    /// A good GraphQL response, but not the reference one.
    Mismatch,
}

/// Judges answers, optionally against a reference body.
#[derive(Debug, Clone, Default)]
pub struct Check {
    reference: Option<Vec<u8>>,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Option<IgnoredAny>,
    #[serde(default)]
    errors: Option<Vec<IgnoredAny>>,
}

impl Envelope {
    fn is_success(&self) -> bool {
        self.data.is_some() && self.errors.as_ref().is_none_or(Vec::is_empty)
    }
}

impl Check {
    /// Judges by status and shape only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also requires every body to equal `reference` byte for byte. Cheap (a
    /// comparison instead of a parse), and it catches a router that answers
    /// differently under load than it did the first time.
    pub fn with_reference(reference: Vec<u8>) -> Self {
        Self {
            reference: Some(reference),
        }
    }

    /// The verdict on one answer.
    pub fn judge(&self, status: StatusCode, body: &[u8]) -> Verdict {
        if status != StatusCode::OK {
            return Verdict::Status(status.as_u16());
        }
        if self.reference.as_deref() == Some(body) {
            return Verdict::Success;
        }
        match graphql_success(body) {
            Err(reason) => Verdict::InvalidBody(reason),
            Ok(false) => Verdict::Graphql,
            Ok(true) if self.reference.is_some() => Verdict::Mismatch,
            Ok(true) => Verdict::Success,
        }
    }
}

/// Whether `body` is a GraphQL response (or a non-empty batch) with data and no errors.
fn graphql_success(body: &[u8]) -> Result<bool, String> {
    let batch = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    if batch {
        let responses: Vec<Envelope> =
            serde_json::from_slice(body).map_err(|err| err.to_string())?;
        Ok(!responses.is_empty() && responses.iter().all(Envelope::is_success))
    } else {
        let response: Envelope = serde_json::from_slice(body).map_err(|err| err.to_string())?;
        Ok(response.is_success())
    }
}

/// Where two JSON values first differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// A JSONPath-like location, `$.data.users[0].name`.
    pub path: String,
    /// What was expected there (shortened).
    pub expected: String,
    /// What was there (shortened).
    pub got: String,
}

/// The first place, in document order, where `got` differs from `expected`; `None`
/// when they are equal (objects compare by members, not by member order).
pub fn first_difference(expected: &Value, got: &Value) -> Option<Difference> {
    difference_at("$".to_owned(), expected, got)
}

fn difference_at(path: String, expected: &Value, got: &Value) -> Option<Difference> {
    match (expected, got) {
        (Value::Object(want), Value::Object(have)) => {
            for (key, value) in want {
                let inner = format!("{path}.{key}");
                match have.get(key) {
                    Some(other) => {
                        if let Some(difference) = difference_at(inner, value, other) {
                            return Some(difference);
                        }
                    }
                    None => return Some(differ(inner, Some(value), None)),
                }
            }
            have.iter()
                .find(|(key, _)| !want.contains_key(*key))
                .map(|(key, value)| differ(format!("{path}.{key}"), None, Some(value)))
        }
        (Value::Array(want), Value::Array(have)) => {
            for (index, (value, other)) in want.iter().zip(have).enumerate() {
                if let Some(difference) = difference_at(format!("{path}[{index}]"), value, other) {
                    return Some(difference);
                }
            }
            (want.len() != have.len()).then(|| Difference {
                path: format!("{path}.length"),
                expected: want.len().to_string(),
                got: have.len().to_string(),
            })
        }
        _ if expected == got => None,
        _ => Some(differ(path, Some(expected), Some(got))),
    }
}

fn differ(path: String, expected: Option<&Value>, got: Option<&Value>) -> Difference {
    Difference {
        path,
        expected: expected.map_or_else(|| "(nothing)".to_owned(), shorten),
        got: got.map_or_else(|| "(nothing)".to_owned(), shorten),
    }
}

fn shorten(value: &Value) -> String {
    const MAX: usize = 120;
    let text = value.to_string();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn verdicts() {
        let check = Check::new();
        let ok = StatusCode::OK;
        assert_eq!(check.judge(ok, br#"{"data":{"a":1}}"#), Verdict::Success);
        assert_eq!(
            check.judge(ok, br#"{"data":{"a":1},"errors":[]}"#),
            Verdict::Success
        );
        assert_eq!(
            check.judge(ok, br#"{"data":{"a":null},"errors":[{"message":"x"}]}"#),
            Verdict::Graphql
        );
        assert_eq!(
            check.judge(ok, br#"{"errors":[{"message":"x"}]}"#),
            Verdict::Graphql
        );
        assert_eq!(check.judge(ok, br#"{"data":null}"#), Verdict::Graphql);
        assert_eq!(
            check.judge(ok, br#" [{"data":{}},{"data":{}}]"#),
            Verdict::Success
        );
        assert_eq!(
            check.judge(ok, br#"[{"data":{}},{"errors":[{}]}]"#),
            Verdict::Graphql
        );
        assert!(matches!(
            check.judge(ok, br#"{"data":{"#),
            Verdict::InvalidBody(_)
        ));
        assert!(matches!(check.judge(ok, b"\"x\""), Verdict::InvalidBody(_)));
        assert_eq!(
            check.judge(StatusCode::BAD_REQUEST, br#"{"data":{}}"#),
            Verdict::Status(400)
        );
    }

    #[test]
    fn a_reference_body_must_be_matched_exactly() {
        let check = Check::with_reference(br#"{"data":{"a":1}}"#.to_vec());
        let ok = StatusCode::OK;
        assert_eq!(check.judge(ok, br#"{"data":{"a":1}}"#), Verdict::Success);
        assert_eq!(check.judge(ok, br#"{"data":{"a":2}}"#), Verdict::Mismatch);
        assert_eq!(
            check.judge(ok, br#"{"errors":[{"message":"x"}]}"#),
            Verdict::Graphql
        );
    }

    #[test]
    fn differences_name_their_path() {
        let want = json!({"data": {"users": [{"id": "1", "name": "A"}, {"id": "2"}]}});
        assert_eq!(first_difference(&want, &want), None);
        let got = json!({"data": {"users": [{"id": "1", "name": "B"}, {"id": "2"}]}});
        assert_eq!(
            first_difference(&want, &got),
            Some(Difference {
                path: "$.data.users[0].name".to_owned(),
                expected: r#""A""#.to_owned(),
                got: r#""B""#.to_owned(),
            })
        );
        let got = json!({"data": {"users": [{"id": "1", "name": "A"}]}});
        assert_eq!(
            first_difference(&want, &got).map(|d| d.path),
            Some("$.data.users.length".to_owned())
        );
        let got = json!({"data": {"users": [{"id": "1", "name": "A"}, {"id": "2"}]}, "errors": []});
        assert_eq!(
            first_difference(&want, &got).map(|d| (d.path, d.expected)),
            Some(("$.errors".to_owned(), "(nothing)".to_owned()))
        );
    }
}
