//! Classes of differences: a signature per differing operation, the same for
//! operations that most likely hit the same bug. It is built from the first finding's
//! kind, the shapes of both values where `data` first differs and what kind of field
//! sits there, and each side's first error (code and message with names, quoted text
//! and numbers stripped); for key order, whether `__typename` is what moved. Field
//! names, aliases and ids stay out, so one bug met through many fields stays one
//! class.

use serde_json::Value;

use super::{
    compare::{Answer, Finding, Kind, error_code, errors},
    operation::{Field, Operation, Selection},
    schema::Model,
};

/// The longest normalized message kept in a signature.
const MESSAGE_CHARS: usize = 120;

/// The class signature of an operation's findings; `None` when there are none.
pub fn signature(
    model: &Model,
    operation: &Operation,
    findings: &[Finding],
    ours: &Answer,
    reference: &Answer,
) -> Option<String> {
    let first = findings.first()?;
    let errors = || {
        format!(
            "ours {}; reference {}",
            first_error(model, ours),
            first_error(model, reference)
        )
    };
    Some(match first.kind {
        Kind::Status => format!("status {} vs {}; {}", first.ours, first.reference, errors()),
        Kind::DataValue => {
            let shapes = if first.ours.starts_with("list") && first.reference.starts_with("list") {
                "list lengths".to_owned()
            } else {
                format!("{} vs {}", coarse(&first.ours), coarse(&first.reference))
            };
            let site = site(model, operation, &first.path);
            format!("data-value {shapes} at {site}; {}", errors())
        }
        Kind::ErrorCount => {
            let more = first.ours.parse::<usize>().unwrap_or(0)
                > first.reference.parse::<usize>().unwrap_or(0);
            let which = if more { "more" } else { "fewer" };
            format!("error-count {which} errors in ours; {}", errors())
        }
        Kind::ErrorPath => format!("error-path; {}", errors()),
        Kind::DataKeyOrder => {
            let (ours_key, reference_key) = first_swap(&first.ours, &first.reference);
            let what = |key: &str| {
                let mut path = first.path.clone();
                path.push(Value::String(key.to_owned()));
                match fields_at(model, operation, &path).first() {
                    Some((_, field)) if field.name == "__typename" => "__typename",
                    _ => "a field",
                }
            };
            format!(
                "data-key-order: ours has {} where the reference has {}",
                what(ours_key),
                what(reference_key)
            )
        }
        Kind::ErrorCode => format!(
            "error-code ours {} reference {}",
            codes(ours),
            codes(reference)
        ),
    })
}

fn coarse(shape: &str) -> &str {
    if shape.starts_with("list") {
        "list"
    } else {
        shape
    }
}

fn codes(answer: &Answer) -> String {
    let mut codes: Vec<String> = errors(&answer.body).iter().map(|e| error_code(e)).collect();
    codes.sort();
    codes.dedup();
    codes.join(",")
}

fn first_error(model: &Model, answer: &Answer) -> String {
    match errors(&answer.body).first() {
        Some(error) => {
            let message = error.get("message").and_then(Value::as_str).unwrap_or("");
            format!("[{}] {}", error_code(error), normalize(model, message))
        }
        None if answer.body.is_object() => "no errors".to_owned(),
        None => "a body that is not a GraphQL response".to_owned(),
    }
}

/// A message with quoted text, numbers, schema names and the generator's names
/// (`a3`, `v0`, `F1`) replaced, so that the same error about other fields reads the
/// same.
pub fn normalize(model: &Model, message: &str) -> String {
    let mut unquoted = String::with_capacity(message.len());
    let chars: Vec<char> = message.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let opens =
            matches!(c, '"' | '`') || (c == '\'' && (i == 0 || !chars[i - 1].is_alphanumeric()));
        if opens && let Some(len) = chars[i + 1..].iter().take(200).position(|&d| d == c) {
            unquoted.push('_');
            i += len + 2;
            continue;
        }
        unquoted.push(c);
        i += 1;
    }
    let mut out = String::with_capacity(unquoted.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let generated = word.len() > 1
            && matches!(word.as_bytes()[0], b'a' | b'v' | b'F')
            && word[1..].bytes().all(|b| b.is_ascii_digit());
        if word.bytes().all(|b| b.is_ascii_digit()) {
            out.push('N');
        } else if generated || model.is_name(word) {
            out.push('X');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in unquoted.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    let out = out.trim();
    match out.char_indices().nth(MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &out[..cut]),
        None => out.to_owned(),
    }
}

/// The fields of the operation that answer at a `data` path (all of them where
/// fragments select the same key), with the type each is selected on.
pub fn fields_at<'o>(
    model: &Model,
    operation: &'o Operation,
    path: &[Value],
) -> Vec<(String, &'o Field)> {
    let mut level: Vec<(String, &'o [Selection])> =
        vec![(model.query.to_string(), &operation.selections)];
    let mut found = Vec::new();
    for item in path {
        let Value::String(key) = item else {
            continue;
        };
        found.clear();
        for (parent, selections) in &level {
            collect(operation, parent, selections, &mut |parent, field| {
                if field.response_key() == key {
                    found.push((parent.to_owned(), field));
                }
            });
        }
        level = found
            .iter()
            .filter_map(|(parent, field)| {
                let definition = model.field(parent, &field.name)?;
                Some((
                    definition.ty.inner_named_type().to_string(),
                    field.selections.as_slice(),
                ))
            })
            .collect();
    }
    found
}

/// Calls `f` with every field of a selection set, through fragments, with the type
/// it is selected on.
fn collect<'o>(
    operation: &'o Operation,
    parent: &str,
    selections: &'o [Selection],
    f: &mut impl FnMut(&str, &'o Field),
) {
    for selection in selections {
        match selection {
            Selection::Field(field) => f(parent, field),
            Selection::Inline(inline) => {
                let on = inline.on.as_deref().unwrap_or(parent);
                collect(operation, on, &inline.selections, f);
            }
            Selection::Spread(spread) => {
                if let Some(fragment) = operation.fragment(&spread.fragment) {
                    collect(operation, &fragment.on, &fragment.selections, f);
                }
            }
        }
    }
}

/// What kind of field answers at a path: `the root`, `__typename`, a leaf, an object
/// or an abstract type (interface or union).
fn site(model: &Model, operation: &Operation, path: &[Value]) -> &'static str {
    if path.is_empty() {
        return "the root";
    }
    let fields = fields_at(model, operation, path);
    let Some((parent, field)) = fields.first() else {
        return "a key the operation does not select";
    };
    if field.name == "__typename" {
        return "__typename";
    }
    let Some(definition) = model.field(parent, &field.name) else {
        return "an unknown field";
    };
    let ty = definition.ty.inner_named_type();
    if model.is_abstract(ty) {
        "an abstract-typed field"
    } else if model.is_composite(ty) {
        "an object field"
    } else {
        "a leaf field"
    }
}

/// The first keys that differ in two comma-separated key lists.
fn first_swap<'a>(ours: &'a str, reference: &'a str) -> (&'a str, &'a str) {
    ours.split(',')
        .zip(reference.split(','))
        .find(|(a, b)| a != b)
        .unwrap_or(("", ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Model {
        Model::parse(
            "type Query { product(id: ID!): Product } type Product { id: ID! inStock: Boolean }",
        )
        .expect("the test schema is valid")
    }

    #[test]
    fn messages_lose_names_quotes_and_numbers() {
        let model = model();
        assert_eq!(
            normalize(
                &model,
                "Cannot query field \"upc\" on type \"Product\" at 3:14"
            ),
            "Cannot query field _ on type _ at N:N"
        );
        assert_eq!(
            normalize(&model, "cannot plan Product.inStock: no key for a3 in `x`"),
            "cannot plan X.X: no key for X in _"
        );
        assert_eq!(normalize(&model, "can't resolve"), "can't resolve");
    }
}
