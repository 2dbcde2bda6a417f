//! Stage: variables. The request's variable values coerced to the operation's
//! variables, defaults applied, or the client's error: why the first value that does
//! not fit its type does not, in the words graphql-js (and so most GraphQL servers and
//! client tooling) uses: the variable, where in its value, what is wrong and what was
//! expected. apollo-compiler coerces the values and says *that* one does not fit; this
//! says *why* (on the error path only).

use apollo_compiler::{
    ExecutableDocument, Node, Schema,
    ast::{Type, VariableDefinition},
    executable::Operation,
    request::coerce_variable_values,
    response::{JsonMap, JsonValue},
    schema::ExtendedType,
    validation::Valid,
};
use tessera_codes::ErrorCode;

use crate::error::{GraphqlError, Location, PipelineError};

/// `raw` coerced to `operation`'s variables, or the client's error, located at the
/// offending variable's definition when apollo-compiler gives no location.
pub fn coerce(
    schema: &Valid<Schema>,
    document: &Valid<ExecutableDocument>,
    operation: &Operation,
    raw: &JsonMap,
) -> Result<Valid<JsonMap>, PipelineError> {
    coerce_variable_values(schema, operation, raw).map_err(|err| {
        let mut error = GraphqlError::from_compiler(
            err.to_graphql_error(&document.sources),
            Some(ErrorCode::BadUserInput),
        );
        let offending = offending_variable(schema, operation, raw);
        if let Some(why) = offending
            .and_then(|definition| explain(schema, definition, raw.get(definition.name.as_str())))
        {
            error.message = why;
        }
        if error.locations.is_empty() {
            error.locations.extend(
                offending
                    .and_then(|definition| definition.location())
                    .and_then(|at| at.line_column(&document.sources))
                    .map(|at| Location {
                        line: at.line,
                        column: at.column,
                    }),
            );
        }
        PipelineError::Client {
            code: ErrorCode::BadUserInput,
            errors: vec![error],
        }
    })
}

/// The first of `operation`'s variables whose value in `values` does not coerce on
/// its own (the error path only: it coerces them one by one).
fn offending_variable<'o>(
    schema: &Valid<Schema>,
    operation: &'o Operation,
    values: &JsonMap,
) -> Option<&'o Node<VariableDefinition>> {
    operation.variables.iter().find(|definition| {
        let alone = Operation {
            variables: vec![(*definition).clone()],
            ..operation.clone()
        };
        coerce_variable_values(schema, &alone, values).is_err()
    })
}

/// The most of a value a message shows.
const SHOWN: usize = 120;

/// Why `value` (none: not given) does not fit `definition`'s type; none when it does.
pub fn explain(
    schema: &Schema,
    definition: &VariableDefinition,
    value: Option<&JsonValue>,
) -> Option<String> {
    let name = &definition.name;
    let Some(value) = value else {
        return (definition.ty.is_non_null() && definition.default_value.is_none()).then(|| {
            format!(
                "Variable \"${name}\" of required type \"{}\" was not provided.",
                definition.ty
            )
        });
    };
    let mut at = Vec::new();
    let why = problem(schema, &definition.ty, value, &mut at)?;
    Some(if at.is_empty() {
        format!(
            "Variable \"${name}\" got invalid value {}; {why}",
            shown(value)
        )
    } else {
        let inner = at
            .iter()
            .try_fold(value, |v, step| match (v, step) {
                (JsonValue::Object(o), Step::Field(f)) => o.get(f.as_str()),
                (JsonValue::Array(items), Step::Index(i)) => items.get(*i),
                _ => None,
            })
            .map_or_else(String::new, |v| format!("{} ", shown(v)));
        let path: String = at
            .iter()
            .map(|step| match step {
                Step::Field(f) => format!(".{f}"),
                Step::Index(i) => format!("[{i}]"),
            })
            .collect();
        format!("Variable \"${name}\" got invalid value {inner}at \"{name}{path}\"; {why}")
    })
}

/// A step into a value: an input object's field or a list's item.
enum Step {
    Field(String),
    Index(usize),
}

/// The first thing in `value` that does not fit `ty`, with where it is (`at`).
fn problem(schema: &Schema, ty: &Type, value: &JsonValue, at: &mut Vec<Step>) -> Option<String> {
    if value.is_null() {
        return ty
            .is_non_null()
            .then(|| format!("Expected non-nullable type \"{ty}\" not to be null."));
    }
    match ty {
        Type::List(inner) | Type::NonNullList(inner) => match value {
            JsonValue::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
                at.push(Step::Index(i));
                let found = problem(schema, inner, item, at);
                if found.is_none() {
                    at.pop();
                }
                found
            }),
            // A single value stands for a list of one.
            single => problem(schema, inner, single, at),
        },
        Type::Named(name) | Type::NonNullNamed(name) => match schema.types.get(name)? {
            ExtendedType::Scalar(_) => scalar(name.as_str(), value),
            ExtendedType::Enum(e) => match value {
                JsonValue::String(s) if e.values.contains_key(s.as_str()) => None,
                JsonValue::String(s) => Some(format!(
                    "Value \"{}\" does not exist in \"{name}\" enum.",
                    s.as_str()
                )),
                other => Some(format!(
                    "Enum \"{name}\" cannot represent non-string value: {}.",
                    shown(other)
                )),
            },
            ExtendedType::InputObject(input) => {
                let JsonValue::Object(fields) = value else {
                    return Some(format!("Expected type \"{name}\" to be an object."));
                };
                if let Some(unknown) = fields
                    .keys()
                    .find(|k| !input.fields.contains_key(k.as_str()))
                {
                    return Some(format!(
                        "Field \"{}\" is not defined by type \"{name}\".",
                        unknown.as_str()
                    ));
                }
                input.fields.iter().find_map(|(field, definition)| {
                    match fields.get(field.as_str()) {
                        None => (definition.ty.is_non_null() && definition.default_value.is_none())
                            .then(|| {
                                format!(
                                    "Field \"{field}\" of required type \"{}\" was not provided.",
                                    definition.ty
                                )
                            }),
                        Some(inner) => {
                            at.push(Step::Field(field.to_string()));
                            let found = problem(schema, &definition.ty, inner, at);
                            if found.is_none() {
                                at.pop();
                            }
                            found
                        }
                    }
                })
            }
            _ => None,
        },
    }
}

/// Why `value` is not a value of the built-in scalar `name` (custom scalars take any).
fn scalar(name: &str, value: &JsonValue) -> Option<String> {
    // As apollo-compiler coerces (`resolvers::input_coercion`): a Float given as an
    // integer only within ±2^53, where every integer has its own float; an ID given as
    // a number only within i64.
    let fits = match name {
        "Int" => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        "Float" => value.is_f64() || value.as_f64().is_some_and(|f| f.abs() < SAFE_INTEGER_LIMIT),
        "String" => value.is_string(),
        "Boolean" => value.is_boolean(),
        "ID" => value.is_string() || value.is_i64(),
        _ => true,
    };
    if fits {
        return None;
    }
    let shown = shown(value);
    Some(match name {
        "Int" if value.is_number() && value.as_f64().is_some_and(|f| f.fract() == 0.0) => {
            format!("Int cannot represent non 32-bit signed integer value: {shown}")
        }
        "Int" if value.is_number() => format!("Int cannot represent non-integer value: {shown}"),
        "Int" => format!("Int cannot represent non-integer value: {shown}"),
        "Float" if value.is_number() => format!(
            "Float cannot represent an integer beyond ±2^53 exactly: {shown} (send it as a float, e.g. {shown}.0)"
        ),
        "Float" => format!("Float cannot represent non numeric value: {shown}"),
        "String" => format!("String cannot represent a non string value: {shown}"),
        "Boolean" => format!("Boolean cannot represent a non boolean value: {shown}"),
        _ => format!("ID cannot represent value: {shown}"),
    })
}

/// 2^53: from here on, not every integer is a distinct float.
const SAFE_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;

/// `value` as JSON, cut at [`SHOWN`] characters.
fn shown(value: &JsonValue) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use apollo_compiler::{ExecutableDocument, Schema};
    use serde_json::json;

    use super::*;

    const SCHEMA: &str = r#"
        type Query { f(a: Int, b: [Float!], c: ID, d: Role, e: NewPlan, s: String, t: Boolean, when: DateTime): Int }
        enum Role { ATHLETE COACH }
        scalar DateTime
        input NewPlan { title: String! weeks: Int! = 4 sessions: [NewSession!]! }
        input NewSession { day: Int! }
    "#;

    /// The explanation for variable `$v` of type `ty` given `value` (JSON; `None`: not
    /// given).
    fn why(ty: &str, value: Option<serde_json::Value>) -> Option<String> {
        let schema = Schema::parse_and_validate(SCHEMA, "s.graphql").expect("schema");
        let query = format!("query($v: {ty}) {{ __typename }}");
        let doc = ExecutableDocument::parse(&schema, query, "q.graphql").expect("parses");
        let op = doc.operations.get(None).expect("op");
        let value: Option<JsonValue> = value.map(|v| serde_json::from_value(v).expect("JSON"));
        explain(&schema, &op.variables[0], value.as_ref())
    }

    #[test]
    fn each_kind_of_misfit_is_named_with_where_it_is() {
        let cases: &[(&str, Option<serde_json::Value>, &str)] = &[
            (
                "Int!",
                None,
                r#"Variable "$v" of required type "Int!" was not provided."#,
            ),
            (
                "Int!",
                Some(json!(null)),
                r#"Variable "$v" got invalid value null; Expected non-nullable type "Int!" not to be null."#,
            ),
            (
                "Int",
                Some(json!(1.5)),
                r#"Variable "$v" got invalid value 1.5; Int cannot represent non-integer value: 1.5"#,
            ),
            (
                "Int",
                Some(json!(3_000_000_000_i64)),
                r#"Variable "$v" got invalid value 3000000000; Int cannot represent non 32-bit signed integer value: 3000000000"#,
            ),
            (
                "Int",
                Some(json!("7")),
                r#"Variable "$v" got invalid value "7"; Int cannot represent non-integer value: "7""#,
            ),
            (
                "ID",
                Some(json!(5.5)),
                r#"Variable "$v" got invalid value 5.5; ID cannot represent value: 5.5"#,
            ),
            // Found by the `variables` fuzz target (fuzz/regressions/variables/): these
            // two were refused with no explanation, since apollo-compiler takes neither.
            (
                "ID",
                Some(json!(18_000_000_000_000_000_000_u64)),
                r#"Variable "$v" got invalid value 18000000000000000000; ID cannot represent value: 18000000000000000000"#,
            ),
            (
                "[Float!]",
                Some(json!([4_444_444_444_444_444_444_i64])),
                r#"Variable "$v" got invalid value 4444444444444444444 at "v[0]"; Float cannot represent an integer beyond ±2^53 exactly: 4444444444444444444 (send it as a float, e.g. 4444444444444444444.0)"#,
            ),
            (
                "String",
                Some(json!(["ada"])),
                r#"Variable "$v" got invalid value ["ada"]; String cannot represent a non string value: ["ada"]"#,
            ),
            (
                "Boolean",
                Some(json!("yes")),
                r#"Variable "$v" got invalid value "yes"; Boolean cannot represent a non boolean value: "yes""#,
            ),
            (
                "[Float!]",
                Some(json!([1, null])),
                r#"Variable "$v" got invalid value null at "v[1]"; Expected non-nullable type "Float!" not to be null."#,
            ),
            (
                "[Float!]",
                Some(json!([1, "x"])),
                r#"Variable "$v" got invalid value "x" at "v[1]"; Float cannot represent non numeric value: "x""#,
            ),
            (
                "Role",
                Some(json!("ADMIN")),
                r#"Variable "$v" got invalid value "ADMIN"; Value "ADMIN" does not exist in "Role" enum."#,
            ),
            (
                "Role",
                Some(json!(1)),
                r#"Variable "$v" got invalid value 1; Enum "Role" cannot represent non-string value: 1."#,
            ),
            (
                "NewPlan",
                Some(json!("plan")),
                r#"Variable "$v" got invalid value "plan"; Expected type "NewPlan" to be an object."#,
            ),
            (
                "NewPlan",
                Some(json!({ "sessions": [] })),
                r#"Variable "$v" got invalid value {"sessions":[]}; Field "title" of required type "String!" was not provided."#,
            ),
            (
                "NewPlan",
                Some(json!({ "nope": 1, "sessions": [], "title": "T" })),
                r#"Variable "$v" got invalid value {"nope":1,"sessions":[],"title":"T"}; Field "nope" is not defined by type "NewPlan"."#,
            ),
            (
                "NewPlan",
                Some(json!({ "title": "T", "sessions": [{ "day": 1 }, { "day": "two" }] })),
                r#"Variable "$v" got invalid value "two" at "v.sessions[1].day"; Int cannot represent non-integer value: "two""#,
            ),
        ];
        for (ty, value, expected) in cases {
            assert_eq!(
                why(ty, value.clone()).as_deref(),
                Some(*expected),
                "{ty} {value:?}"
            );
        }
    }

    #[test]
    fn a_value_that_fits_has_no_explanation() {
        for (ty, value) in [
            ("Int", Some(json!(7))),
            ("Int", None),
            ("ID", Some(json!(7))),
            ("[Float!]", Some(json!(2))),
            ("[Float!]", Some(json!([9_007_199_254_740_991_i64, 4.4e18]))),
            ("DateTime", Some(json!({ "anything": true }))),
            (
                "NewPlan",
                Some(json!({ "title": "T", "sessions": [{ "day": 1 }] })),
            ),
        ] {
            assert_eq!(why(ty, value.clone()), None, "{ty} {value:?}");
        }
    }

    #[test]
    fn a_long_value_is_cut() {
        let long = "x".repeat(500);
        let message = why("Int", Some(json!(long))).expect("a misfit");
        assert!(message.len() < 2 * SHOWN + 120, "{message}");
        assert!(message.contains('…'), "{message}");
    }
}
