//! The planner over the audit's supergraphs and the platform's: a random valid
//! operation (the differential fuzzer's generator, seeded from the input) always plans,
//! and every fetch of its plan is a valid operation of the subgraph it goes to (the
//! subgraph's own schema, as the replay subgraphs validate requests).

use apollo_compiler::{ExecutableDocument, request::coerce_variable_values, response::JsonMap};
use tessera_router::planner::{self, PlanError};

use super::graphs::{self, Graph};
use crate::fuzz::{Generator, operation::Operation, rng::Rng, values::Pool};

/// Fields no subgraph can be asked for from where the operation reaches them, by
/// suite: refused with `QUERY_PLANNING_FAILED` by design (docs/correctness.md, "Ours
/// refuses, with a clear error").
const KNOWN_UNREACHABLE: [(&str, &str, &str); 1] =
    [("non-resolvable-interface-object", "Node", "field")];

/// A generated operation, validated and with its variables coerced.
pub struct Generated {
    /// The graph it is over.
    pub graph: &'static Graph,
    /// Its text.
    pub text: String,
    /// The document.
    pub document: apollo_compiler::validation::Valid<ExecutableDocument>,
    /// Its variables (the `@skip`/`@include` conditions), coerced.
    pub variables: apollo_compiler::validation::Valid<JsonMap>,
}

/// The operation the input's first eleven bytes describe: the graph, the generator's
/// seed, the depth, and whether arguments are left out where they may be. None for a
/// shorter input, or when the generator made an operation the API schema refuses (the
/// differential fuzzer's concern, not the router's).
pub fn generated(input: &[u8]) -> Option<Generated> {
    let (head, _) = input.split_first_chunk::<11>()?;
    let graph = graphs::pick(head[0]);
    let seed = u64::from_le_bytes(head[1..9].try_into().ok()?);
    let depth = 1 + usize::from(head[9] % 5);
    let operation: Operation = Generator::new(&graph.model, depth).generate(
        Rng::new(seed),
        &Pool::default(),
        head[10] & 1 == 0,
    );
    let text = operation.to_text();
    let document =
        ExecutableDocument::parse_and_validate(&graph.supergraph.api, &text, "op.graphql").ok()?;
    let raw: JsonMap = serde_json::from_value(operation.variables_json()).ok()?;
    let executable = document.operations.get(None).ok()?;
    let variables = coerce_variable_values(&graph.supergraph.api, executable, &raw)
        .unwrap_or_else(|err| panic!("the generator's variables coerce: {err:?}\n{text}"));
    Some(Generated {
        graph,
        text,
        document,
        variables,
    })
}

/// Runs the target on `input`.
pub fn run(input: &[u8]) {
    let Some(Generated {
        graph,
        text,
        document,
        variables,
    }) = generated(input)
    else {
        return;
    };
    let operation = document.operations.get(None).expect("one operation");
    let plan = match planner::plan(&graph.supergraph, &document, operation, &variables) {
        Ok(plan) => plan,
        Err(PlanError::Unreachable {
            type_name, field, ..
        }) if KNOWN_UNREACHABLE.contains(&(
            graph.name.as_str(),
            type_name.as_str(),
            field.as_str(),
        )) =>
        {
            return;
        }
        Err(err) => panic!("a valid operation of {} plans: {err:?}\n{text}", graph.name),
    };
    for fetch in &plan.fetches {
        let subgraph = &graph.subgraphs[fetch.subgraph];
        let name = &graph.supergraph.subgraphs[fetch.subgraph].name;
        if let Err(err) = ExecutableDocument::parse_and_validate(
            &subgraph.schema,
            &fetch.operation,
            "fetch.graphql",
        ) {
            panic!(
                "fetch {} of {} to {name} is not valid there:\n{}\n{}\nfor the operation\n{text}",
                fetch.id, graph.name, err.errors, fetch.operation
            );
        }
    }
}
