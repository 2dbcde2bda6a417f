//! Does a router's answer match the expected one? The status must be equal; `data`
//! equal as JSON *and* in member order (clients see the order, and the operation fixes
//! it), numbers by value (`0` and `0.0` are one Float: graphql-js writes the first,
//! serde the second); errors equal in number and, as a set, in `path` and
//! `extensions.code`. Messages are not compared: they are each router's own words.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::load::first_difference;

/// An HTTP answer: status and JSON body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Value,
}

/// Whether the member order of `data` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// It does (a router's answer).
    Counts,
    /// It does not (a subgraph's answer: graphql-js sometimes puts a field that
    /// completed early first; the router orders by the operation anyway).
    Ignored,
}

/// How `got` differs from `expected`, one line a difference; empty when it matches.
pub fn differences(expected: &Answer, got: &Answer, order: Order) -> Vec<String> {
    let mut found = Vec::new();
    if expected.status != got.status {
        found.push(format!(
            "status: expected {}, got {}",
            expected.status, got.status
        ));
    }
    let want = expected.body.get("data").unwrap_or(&Value::Null);
    let have = got.body.get("data").unwrap_or(&Value::Null);
    if !same(want, have, order) {
        match first_difference(want, have) {
            Some(difference) => found.push(format!(
                "data differs at {}: expected {}, got {}",
                difference.path.replacen('$', "$.data", 1),
                difference.expected,
                difference.got
            )),
            None => found.push("data: the same values, in another member order".to_owned()),
        }
    }
    let want = error_keys(&expected.body);
    let have = error_keys(&got.body);
    if want != have {
        found.push(format!(
            "errors (path, code): expected {}, got {}",
            show(&want),
            show(&have)
        ));
    }
    found
}

/// Equal values (members in the same order where `order` counts), numbers compared
/// by value.
fn same(a: &Value, b: &Value, order: Order) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && match order {
                    Order::Counts => a
                        .iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka == kb && same(va, vb, order)),
                    Order::Ignored => a
                        .iter()
                        .all(|(key, va)| b.get(key).is_some_and(|vb| same(va, vb, order))),
                }
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b, order))
        }
        (Value::Number(a), Value::Number(b)) => a == b || a.as_f64() == b.as_f64(),
        _ => a == b,
    }
}

/// The errors' paths and codes, sorted.
fn error_keys(body: &Value) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = body
        .get("errors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|error| {
            let path = error.get("path").map(Value::to_string).unwrap_or_default();
            let code = error
                .pointer("/extensions/code")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            (path, code)
        })
        .collect();
    keys.sort();
    keys
}

fn show(keys: &[(String, String)]) -> String {
    let items: Vec<String> = keys
        .iter()
        .map(|(path, code)| {
            let path = if path.is_empty() { "-" } else { path };
            let code = if code.is_empty() { "-" } else { code };
            format!("{path} {code}")
        })
        .collect();
    format!("[{}]", items.join("; "))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: serde_json::from_str(body).expect("JSON"),
        }
    }

    #[test]
    fn member_order_counts_and_messages_do_not() {
        let expected = answer(
            200,
            r#"{"data":{"a":1,"b":2},"errors":[{"message":"x","path":["c"],"extensions":{"code":"E"}}]}"#,
        );
        let reworded = answer(
            200,
            r#"{"errors":[{"message":"other words","path":["c"],"extensions":{"code":"E"}}],"data":{"a":1,"b":2}}"#,
        );
        assert!(differences(&expected, &reworded, Order::Counts).is_empty());
        let float = answer(200, r#"{"data":{"a":1.0,"b":2}}"#);
        assert!(
            differences(
                &answer(200, r#"{"data":{"a":1,"b":2}}"#),
                &float,
                Order::Counts
            )
            .is_empty()
        );
        let reordered = answer(
            200,
            r#"{"data":{"b":2,"a":1},"errors":[{"message":"x","path":["c"],"extensions":{"code":"E"}}]}"#,
        );
        assert_eq!(
            differences(&expected, &reordered, Order::Counts),
            ["data: the same values, in another member order"]
        );
        assert!(differences(&expected, &reordered, Order::Ignored).is_empty());
        let wrong = Answer {
            status: 500,
            body: json!({"data": {"a": 1, "b": 3}}),
        };
        assert_eq!(
            differences(&expected, &wrong, Order::Counts),
            [
                "status: expected 200, got 500",
                "data differs at $.data.b: expected 2, got 3",
                r#"errors (path, code): expected [["c"] E], got []"#,
            ]
        );
    }
}
