//! Comparing two routers' answers to one operation: the HTTP status, `data` as values
//! (numbers by value: `5.0` is `5`) and in key order, and errors by count, by `path`
//! and by `extensions.code`. Error messages are never compared: every router words
//! them its own way.
//!
//! Key order needs `serde_json`'s `preserve_order` (bench/Cargo.toml turns it on);
//! a test below fails without it.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// One router's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// The HTTP status; 0 when no answer came (the body then says why).
    pub status: u16,
    /// The body as JSON, or as a JSON string when it is not JSON.
    pub body: Value,
}

/// What differs. The order is the priority: an operation's class is named after its
/// first finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// The HTTP statuses.
    Status,
    /// `data` as values (key order aside).
    DataValue,
    /// How many errors.
    ErrorCount,
    /// The errors' paths (as a multiset).
    ErrorPath,
    /// `data`'s keys in another order.
    DataKeyOrder,
    /// The errors' `extensions.code` (as a multiset of path and code).
    ErrorCode,
}

impl Kind {
    /// The kind's name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Status => "status",
            Kind::DataValue => "data-value",
            Kind::ErrorCount => "error-count",
            Kind::ErrorPath => "error-path",
            Kind::DataKeyOrder => "data-key-order",
            Kind::ErrorCode => "error-code",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One difference between the answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// What differs.
    pub kind: Kind,
    /// Where in `data` (keys and indexes), for the data kinds.
    pub path: Vec<Value>,
    /// Ours at that point, in short (`null`, `object`, `list of 2`, `500`, the keys…).
    pub ours: String,
    /// The reference's, likewise.
    pub reference: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if matches!(self.kind, Kind::DataValue | Kind::DataKeyOrder) {
            write!(f, " at {}", path_text(&self.path))?;
        }
        write!(f, ": ours {}, reference {}", self.ours, self.reference)
    }
}

/// `data.a.0.b` for a path.
pub fn path_text(path: &[Value]) -> String {
    let mut out = String::from("data");
    for item in path {
        match item {
            Value::String(s) => {
                out.push('.');
                out.push_str(s);
            }
            other => {
                out.push('.');
                out.push_str(&other.to_string());
            }
        }
    }
    out
}

/// Every kind of difference between two answers, in priority order; empty when they
/// agree.
pub fn compare(ours: &Answer, reference: &Answer) -> Vec<Finding> {
    let mut findings = Vec::new();
    if ours.status != reference.status {
        findings.push(Finding {
            kind: Kind::Status,
            path: Vec::new(),
            ours: ours.status.to_string(),
            reference: reference.status.to_string(),
        });
    }
    let (a, b) = (ours.body.get("data"), reference.body.get("data"));
    let mut path = Vec::new();
    if let Some((at, x, y)) = value_difference(a, b, &mut path) {
        findings.push(Finding {
            kind: Kind::DataValue,
            path: at,
            ours: shape(x),
            reference: shape(y),
        });
    } else if let (Some(a), Some(b)) = (a, b)
        && let Some((at, x, y)) = order_difference(a, b, &mut path)
    {
        findings.push(Finding {
            kind: Kind::DataKeyOrder,
            path: at,
            ours: x.join(","),
            reference: y.join(","),
        });
    }
    let (x, y) = (errors(&ours.body), errors(&reference.body));
    if x.len() != y.len() {
        findings.push(Finding {
            kind: Kind::ErrorCount,
            path: Vec::new(),
            ours: x.len().to_string(),
            reference: y.len().to_string(),
        });
    } else {
        let paths = |errors: &[&Value]| sorted(errors.iter().map(|e| error_path(e)));
        let (px, py) = (paths(&x), paths(&y));
        if px != py {
            findings.push(Finding {
                kind: Kind::ErrorPath,
                path: Vec::new(),
                ours: px.join(" "),
                reference: py.join(" "),
            });
        } else {
            let codes = |errors: &[&Value]| {
                sorted(
                    errors
                        .iter()
                        .map(|e| format!("{}={}", error_path(e), error_code(e))),
                )
            };
            let (cx, cy) = (codes(&x), codes(&y));
            if cx != cy {
                findings.push(Finding {
                    kind: Kind::ErrorCode,
                    path: Vec::new(),
                    ours: cx.join(" "),
                    reference: cy.join(" "),
                });
            }
        }
    }
    findings.sort_by_key(|f| f.kind);
    findings
}

/// Where ours and the reference differ, whose `data` a third router (the tie-breaker)
/// gives: values and key order, as [`compare`] reads them. A tie-break is a vote, not
/// the spec: each case where ours stands alone still wants reading against the spec
/// (docs/correctness.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Ours and the reference have the same `data`; they differ in status or errors.
    SameData,
    /// The tie-breaker's `data` is ours.
    WithOurs,
    /// The tie-breaker's `data` is the reference's, and both of them have errors
    /// where ours has none.
    OursAloneAnswers,
    /// The tie-breaker's `data` is the reference's: ours stands alone.
    OursAlone,
    /// All three differ.
    NoneAgree,
}

impl Verdict {
    /// The verdict's name in reports and corpora.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::SameData => "same-data",
            Verdict::WithOurs => "with-ours",
            Verdict::OursAloneAnswers => "ours-alone-answers",
            Verdict::OursAlone => "ours-alone",
            Verdict::NoneAgree => "none-agree",
        }
    }

    /// What the name means, for the report.
    pub fn meaning(self) -> &'static str {
        match self {
            Verdict::SameData => {
                "ours and the reference have the same data (errors or status differ)"
            }
            Verdict::WithOurs => "the tie-breaker's data is ours",
            Verdict::OursAloneAnswers => {
                "the tie-breaker's data is the reference's, both with errors where ours has none"
            }
            Verdict::OursAlone => "the tie-breaker's data is the reference's: ours stands alone",
            Verdict::NoneAgree => "all three differ",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verdict of `tiebreak` on a difference between `ours` and `reference`.
pub fn verdict(ours: &Answer, reference: &Answer, tiebreak: &Answer) -> Verdict {
    let same = |a: &Answer, b: &Answer| {
        let (x, y) = (a.body.get("data"), b.body.get("data"));
        let mut path = Vec::new();
        value_difference(x, y, &mut path).is_none()
            && match (x, y) {
                (Some(x), Some(y)) => order_difference(x, y, &mut path).is_none(),
                _ => true,
            }
    };
    if same(ours, reference) {
        Verdict::SameData
    } else if same(ours, tiebreak) {
        Verdict::WithOurs
    } else if same(reference, tiebreak) {
        let erred = |a: &Answer| !errors(&a.body).is_empty();
        if !erred(ours) && erred(reference) && erred(tiebreak) {
            Verdict::OursAloneAnswers
        } else {
            Verdict::OursAlone
        }
    } else {
        Verdict::NoneAgree
    }
}

/// The errors of a body (none when it is not a GraphQL response).
pub fn errors(body: &Value) -> Vec<&Value> {
    body.get("errors")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// An error's `path` as JSON text, `-` without one.
pub fn error_path(error: &Value) -> String {
    error
        .get("path")
        .map_or_else(|| "-".to_owned(), ToString::to_string)
}

/// An error's `extensions.code`, `-` without one.
pub fn error_code(error: &Value) -> String {
    match error.pointer("/extensions/code") {
        Some(Value::String(code)) => code.clone(),
        Some(other) => other.to_string(),
        None => "-".to_owned(),
    }
}

fn sorted(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut items: Vec<String> = items.collect();
    items.sort();
    items
}

/// `missing`, `null`, `object`, `list of n`, `string`, `number`, `boolean`.
pub fn shape(value: Option<&Value>) -> String {
    match value {
        None => "missing".to_owned(),
        Some(Value::Null) => "null".to_owned(),
        Some(Value::Object(_)) => "object".to_owned(),
        Some(Value::Array(items)) => format!("list of {}", items.len()),
        Some(Value::String(_)) => "string".to_owned(),
        Some(Value::Number(_)) => "number".to_owned(),
        Some(Value::Bool(_)) => "boolean".to_owned(),
    }
}

type ValueDifference<'a> = (Vec<Value>, Option<&'a Value>, Option<&'a Value>);

/// The first place where the values differ, walking the reference's keys in order
/// first, then keys only ours has.
fn value_difference<'a>(
    a: Option<&'a Value>,
    b: Option<&'a Value>,
    path: &mut Vec<Value>,
) -> Option<ValueDifference<'a>> {
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            for (key, yv) in y {
                path.push(Value::String(key.clone()));
                if let Some(d) = value_difference(x.get(key), Some(yv), path) {
                    return Some(d);
                }
                path.pop();
            }
            x.iter()
                .find(|(key, _)| !y.contains_key(*key))
                .map(|(key, xv)| {
                    let mut at = path.clone();
                    at.push(Value::String(key.clone()));
                    (at, Some(xv), None)
                })
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) if x.len() == y.len() => {
            for (i, (xv, yv)) in x.iter().zip(y).enumerate() {
                path.push(Value::from(i));
                if let Some(d) = value_difference(Some(xv), Some(yv), path) {
                    return Some(d);
                }
                path.pop();
            }
            None
        }
        (Some(Value::Number(x)), Some(Value::Number(y))) if same_number(x, y) => None,
        _ if a == b => None,
        _ => Some((path.clone(), a, b)),
    }
}

/// Numbers are compared by value: `5.0` and `5` are the same JSON number (a Float
/// field's `5.0` is often written `5`), however serde_json stores them.
fn same_number(x: &serde_json::Number, y: &serde_json::Number) -> bool {
    match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
        (Some(a), Some(b), _, _) => a == b,
        (_, _, Some(a), Some(b)) => a == b,
        _ => x.as_f64() == y.as_f64(),
    }
}

type OrderDifference = (Vec<Value>, Vec<String>, Vec<String>);

/// The first object whose keys come in another order (the values being equal).
fn order_difference(a: &Value, b: &Value, path: &mut Vec<Value>) -> Option<OrderDifference> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            if !x.keys().eq(y.keys()) {
                return Some((
                    path.clone(),
                    x.keys().cloned().collect(),
                    y.keys().cloned().collect(),
                ));
            }
            for ((key, xv), yv) in x.iter().zip(y.values()) {
                path.push(Value::String(key.clone()));
                if let Some(d) = order_difference(xv, yv, path) {
                    return Some(d);
                }
                path.pop();
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (xv, yv)) in x.iter().zip(y).enumerate() {
                path.push(Value::from(i));
                if let Some(d) = order_difference(xv, yv, path) {
                    return Some(d);
                }
                path.pop();
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer(text: &str) -> Answer {
        Answer {
            status: 200,
            body: serde_json::from_str(text).expect("test JSON"),
        }
    }

    #[test]
    fn parsing_keeps_key_order() {
        let value: Value = serde_json::from_str(r#"{"b":1,"a":2}"#).expect("test JSON");
        let keys: Vec<&String> = value.as_object().expect("an object").keys().collect();
        assert_eq!(keys, ["b", "a"], "serde_json's preserve_order is off");
    }

    #[test]
    fn equal_answers_have_no_findings() {
        let a = answer(r#"{"data":{"a":[{"b":1,"c":"x"}]}}"#);
        assert!(compare(&a, &a.clone()).is_empty());
    }

    #[test]
    fn key_order_is_a_difference_of_its_own() {
        let ours = answer(r#"{"data":{"me":{"id":"1","name":"Ada"},"x":1}}"#);
        let reference = answer(r#"{"data":{"me":{"name":"Ada","id":"1"},"x":1}}"#);
        let findings = compare(&ours, &reference);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].kind, Kind::DataKeyOrder);
        assert_eq!(findings[0].path, vec![json!("me")]);
        assert_eq!(findings[0].ours, "id,name");
        assert_eq!(findings[0].reference, "name,id");
    }

    #[test]
    fn the_first_differing_value_is_located() {
        let ours = answer(r#"{"data":{"products":[{"inStock":null},{"inStock":null}]}}"#);
        let reference = answer(r#"{"data":{"products":[{"inStock":true},{"inStock":false}]}}"#);
        let findings = compare(&ours, &reference);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].kind, Kind::DataValue);
        assert_eq!(path_text(&findings[0].path), "data.products.0.inStock");
        assert_eq!(
            (findings[0].ours.as_str(), findings[0].reference.as_str()),
            ("null", "boolean")
        );
        let missing = compare(&answer(r#"{"data":{}}"#), &answer(r#"{"data":{"a":1}}"#));
        assert_eq!(missing[0].ours, "missing");
        let float = compare(
            &answer(r#"{"data":{"a":5.0}}"#),
            &answer(r#"{"data":{"a":5}}"#),
        );
        assert!(float.is_empty(), "{float:?}");
        let other = compare(
            &answer(r#"{"data":{"a":5.5}}"#),
            &answer(r#"{"data":{"a":5}}"#),
        );
        assert_eq!(other[0].kind, Kind::DataValue);
    }

    #[test]
    fn errors_are_compared_by_path_and_code_not_message() {
        let ours = answer(
            r#"{"data":{"a":null},"errors":[{"message":"ours says","path":["a"],"extensions":{"code":"X"}}]}"#,
        );
        let same = answer(
            r#"{"data":{"a":null},"errors":[{"message":"hive says otherwise","path":["a"],"extensions":{"code":"X"}}]}"#,
        );
        assert!(compare(&ours, &same).is_empty());
        let other_path = answer(
            r#"{"data":{"a":null},"errors":[{"message":"ours says","path":["b"],"extensions":{"code":"X"}}]}"#,
        );
        assert_eq!(compare(&ours, &other_path)[0].kind, Kind::ErrorPath);
        let other_code = answer(
            r#"{"data":{"a":null},"errors":[{"message":"ours says","path":["a"],"extensions":{"code":"Y"}}]}"#,
        );
        assert_eq!(compare(&ours, &other_code)[0].kind, Kind::ErrorCode);
        let none = answer(r#"{"data":{"a":null}}"#);
        let findings = compare(&ours, &none);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].kind, Kind::ErrorCount);
    }

    #[test]
    fn findings_come_in_priority_order() {
        let ours = Answer {
            status: 500,
            body: json!({"errors": [{"message": "no"}]}),
        };
        let reference = answer(r#"{"data":{"a":1}}"#);
        let kinds: Vec<Kind> = compare(&ours, &reference).iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [Kind::Status, Kind::DataValue, Kind::ErrorCount]);
    }

    #[test]
    fn a_tie_break_sides_by_data_in_values_and_key_order() {
        let answer = |body: Value| Answer { status: 200, body };
        let ours = answer(json!({"data": {"a": 1, "b": 2}}));
        let reference = answer(json!({"data": {"b": 2, "a": 1}}));
        // Key order counts: the third's order decides.
        assert_eq!(
            verdict(
                &ours,
                &reference,
                &answer(json!({"data": {"a": 1.0, "b": 2}}))
            ),
            Verdict::WithOurs
        );
        assert_eq!(
            verdict(
                &ours,
                &reference,
                &answer(json!({"data": {"b": 2, "a": 1}}))
            ),
            Verdict::OursAlone
        );
        assert_eq!(
            verdict(&ours, &reference, &answer(json!({"data": {"a": 3}}))),
            Verdict::NoneAgree
        );
        // Same data, other errors: the tie-breaker is not needed.
        let failing = answer(json!({"data": {"a": 1, "b": 2}, "errors": [{"message": "x"}]}));
        assert_eq!(verdict(&ours, &failing, &reference), Verdict::SameData);
        // Ours answers where both others fail.
        let failed = answer(json!({"data": {"a": null, "b": 2}, "errors": [{"message": "x"}]}));
        assert_eq!(
            verdict(&ours, &failed, &failed.clone()),
            Verdict::OursAloneAnswers
        );
    }
}
