//! Request variables (`pipeline::variables`): any JSON object as the variables of an
//! operation whose variables take every kind of input type (scalars, enums, lists of
//! lists, input objects with defaults and nesting, a `@oneOf` input, custom scalars).
//! apollo-compiler's coercion decides; the explanation the client reads
//! (`variables::explain`) must name a problem for the first variable that fails on its
//! own, and none for a value that coerces.

use std::sync::LazyLock;

use apollo_compiler::{
    ExecutableDocument, Schema,
    executable::Operation,
    request::coerce_variable_values,
    response::{JsonMap, JsonValue},
    validation::Valid,
};
use tessera_router::pipeline::variables;

const SCHEMA: &str = r#"
directive @oneOf on INPUT_OBJECT
scalar DateTime
scalar JSON
enum Level { LOW MEDIUM HIGH }
input Range { from: Int!, to: Int = 10, unit: Level = LOW }
input Filter {
  text: String
  levels: [Level!]
  range: Range
  nested: [Filter!]
  at: DateTime
  id: ID
  weight: Float! = 1.0
}
input One @oneOf { byId: ID, bySlug: String, range: Range }
type Query {
  f(a: Int, b: Float, c: String, d: Boolean, e: ID, l: Level, r: Range, filter: Filter,
    one: One, m: [[Int]!], j: JSON, t: DateTime, n: [Int!]): Int
}
"#;

const OPERATION: &str = r#"
query(
  $a: Int, $a2: Int!, $b: Float = 1.5, $c: String!, $d: Boolean, $e: ID, $l: Level!,
  $r: Range, $filter: Filter = {text: "x"}, $one: One, $m: [[Int]!], $j: JSON,
  $t: DateTime, $n: [Int!]!, $r2: Range!, $one2: One!
) {
  x: f(a: $a, b: $b, c: $c, d: $d, e: $e, l: $l, r: $r, filter: $filter, one: $one,
       m: $m, j: $j, t: $t, n: $n)
  y: f(a: $a2, r: $r2, one: $one2)
}
"#;

struct Fixture {
    schema: Valid<Schema>,
    document: Valid<ExecutableDocument>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let schema = Schema::parse_and_validate(SCHEMA, "variables.graphql")
        .expect("the target's schema is valid");
    let document = ExecutableDocument::parse_and_validate(&schema, OPERATION, "op.graphql")
        .expect("the target's operation is valid");
    Fixture { schema, document }
});

/// Runs the target on `input`.
pub fn run(input: &[u8]) {
    let Ok(raw) = serde_json::from_slice::<JsonMap>(input) else {
        return;
    };
    let Fixture { schema, document } = &*FIXTURE;
    let operation = document.operations.get(None).expect("one operation");
    let coerced = variables::coerce(schema, document, operation, &raw);
    let alone = |index: usize| -> bool {
        let one = Operation {
            variables: vec![operation.variables[index].clone()],
            ..(**operation).clone()
        };
        coerce_variable_values(schema, &one, &raw).is_ok()
    };
    match coerced {
        Ok(values) => {
            for definition in &operation.variables {
                let value = raw.get(definition.name.as_str());
                assert_eq!(
                    variables::explain(schema, definition, value),
                    None,
                    "${} = {value:?} coerces, yet the explanation finds a problem",
                    definition.name
                );
            }
            // What coerced is of the operation's variables only, each of its type.
            for (name, _) in values.iter() {
                assert!(
                    operation
                        .variables
                        .iter()
                        .any(|d| d.name.as_str() == name.as_str()),
                    "coerced a variable the operation does not declare: {name:?}"
                );
            }
        }
        Err(error) => {
            let json = serde_json::to_value(error.into_errors()).expect("errors serialise");
            let first = &json[0];
            assert_eq!(
                first["extensions"]["code"], "BAD_USER_INPUT",
                "the refusal's code: {json}"
            );
            assert!(
                first["locations"].as_array().is_some_and(|l| !l.is_empty()),
                "the refusal is located: {json}"
            );
            let offending = (0..operation.variables.len()).find(|&i| !alone(i));
            if let Some(i) = offending {
                let definition = &operation.variables[i];
                let value = raw.get(definition.name.as_str());
                let why = variables::explain(schema, definition, value).unwrap_or_else(|| {
                    panic!(
                        "${} = {} fails to coerce, yet the explanation finds nothing",
                        definition.name,
                        value.map_or("(none)".to_owned(), JsonValue::to_string)
                    )
                });
                assert_eq!(
                    first["message"],
                    why.as_str(),
                    "the message is the explanation"
                );
            }
        }
    }
}
