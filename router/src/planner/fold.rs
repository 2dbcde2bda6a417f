//! The operation as the planner reads it: every `@skip`/`@include` decided by the
//! request's variables (the selections they exclude removed, the directives dropped) and
//! every named fragment spread written as the inline fragment it stands for.
//!
//! Deciding the conditions before planning keeps them out of subgraph operations
//! altogether: an excluded selection costs no key, no `@requires` and no entity fetch,
//! an included one needs no directive (two `@include` on one field, which a subgraph
//! refuses, cannot happen), and no fetch ever depends on fields a condition left out of
//! the fetch before it. The price is one plan per combination of the condition
//! variables' values, each planned on first use and cached
//! ([`condition_variables`] names them). Inlining named fragments makes them plan
//! exactly as the same fields written inline.

use apollo_compiler::{
    ExecutableDocument, Name, Node,
    ast::{DirectiveList, Value},
    executable::{InlineFragment, Operation, Selection, SelectionSet},
    response::{JsonMap, JsonValue},
};

/// The variables `operation`'s `@skip`/`@include` conditions read (through the
/// fragments it uses), sorted and without repeats; a plan is made per combination of
/// their values.
pub fn condition_variables(document: &ExecutableDocument, operation: &Operation) -> Vec<Name> {
    fn walk(
        document: &ExecutableDocument,
        set: &SelectionSet,
        seen: &mut Vec<Name>,
        fragments: &mut Vec<Name>,
    ) {
        for selection in &set.selections {
            let (directives, inner) = match selection {
                Selection::Field(f) => (&f.directives, Some(&f.selection_set)),
                Selection::InlineFragment(fr) => (&fr.directives, Some(&fr.selection_set)),
                Selection::FragmentSpread(spread) => {
                    let inner = (!fragments.contains(&spread.fragment_name))
                        .then(|| {
                            fragments.push(spread.fragment_name.clone());
                            document.fragments.get(&spread.fragment_name)
                        })
                        .flatten()
                        .map(|def| &def.selection_set);
                    (&spread.directives, inner)
                }
            };
            for directive in directives.iter() {
                if (directive.name == "skip" || directive.name == "include")
                    && let Some(Value::Variable(name)) =
                        directive.specified_argument_by_name("if").map(|v| &**v)
                    && !seen.contains(name)
                {
                    seen.push(name.clone());
                }
            }
            if let Some(inner) = inner {
                walk(document, inner, seen, fragments);
            }
        }
    }
    let mut seen = Vec::new();
    walk(
        document,
        &operation.selection_set,
        &mut seen,
        &mut Vec::new(),
    );
    seen.sort();
    seen
}

/// `operation` with its conditions decided by `variables` (coerced: a condition's
/// variable holds `true` or `false`) and its fragment spreads inlined.
pub fn fold(
    document: &ExecutableDocument,
    operation: &Operation,
    variables: &JsonMap,
) -> Operation {
    Operation {
        selection_set: fold_set(document, &operation.selection_set, variables),
        ..operation.clone()
    }
}

fn fold_set(
    document: &ExecutableDocument,
    set: &SelectionSet,
    variables: &JsonMap,
) -> SelectionSet {
    let folded = set
        .selections
        .iter()
        .filter_map(|selection| match selection {
            Selection::Field(field) => included(&field.directives, variables).then(|| {
                let mut field = field.clone();
                let f = field.make_mut();
                f.directives = unconditioned(&f.directives);
                f.selection_set = fold_set(document, &f.selection_set, variables);
                Selection::Field(field)
            }),
            Selection::InlineFragment(inline) => {
                included(&inline.directives, variables).then(|| {
                    Selection::InlineFragment(Node::new(InlineFragment {
                        type_condition: inline.type_condition.clone(),
                        directives: unconditioned(&inline.directives),
                        selection_set: fold_set(document, &inline.selection_set, variables),
                    }))
                })
            }
            Selection::FragmentSpread(spread) => {
                let definition = document.fragments.get(&spread.fragment_name)?;
                included(&spread.directives, variables).then(|| {
                    Selection::InlineFragment(Node::new(InlineFragment {
                        type_condition: Some(definition.type_condition().clone()),
                        directives: unconditioned(&spread.directives),
                        selection_set: fold_set(document, &definition.selection_set, variables),
                    }))
                })
            }
        })
        .collect::<Vec<_>>();
    // A fragment that always applies here (no condition, or the enclosing type's, and no
    // directive left) is its selections: they are written in place, so every rule of
    // the planner sees them as the fields they are.
    let mut selections = Vec::with_capacity(folded.len());
    for selection in folded {
        match selection {
            Selection::InlineFragment(inline)
                if inline.directives.is_empty()
                    && inline.type_condition.as_ref().is_none_or(|t| *t == set.ty) =>
            {
                selections.extend(inline.selection_set.selections.iter().cloned());
            }
            other => selections.push(other),
        }
    }
    SelectionSet {
        ty: set.ty.clone(),
        selections,
    }
}

/// Whether a selection with these directives is included (CollectFields: `@skip(if:
/// true)` or `@include(if: false)` leaves it out).
fn included(directives: &DirectiveList, variables: &JsonMap) -> bool {
    directives.iter().all(|directive| {
        let condition = || {
            directive
                .specified_argument_by_name("if")
                .is_some_and(|value| holds(value, variables))
        };
        match directive.name.as_str() {
            "skip" => !condition(),
            "include" => condition(),
            _ => true,
        }
    })
}

fn holds(value: &Value, variables: &JsonMap) -> bool {
    match value {
        Value::Boolean(b) => *b,
        Value::Variable(name) => {
            matches!(variables.get(name.as_str()), Some(JsonValue::Bool(true)))
        }
        _ => false,
    }
}

fn unconditioned(directives: &DirectiveList) -> DirectiveList {
    if !directives
        .iter()
        .any(|d| d.name == "skip" || d.name == "include")
    {
        return directives.clone();
    }
    DirectiveList(
        directives
            .iter()
            .filter(|d| d.name != "skip" && d.name != "include")
            .cloned()
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use apollo_compiler::{ExecutableDocument, Schema, request::coerce_variable_values};

    use super::*;

    fn folded(query: &str, variables: serde_json::Value) -> (Vec<String>, String) {
        let schema = Schema::parse_and_validate(
            "type Query { a: A b: Int c: Int } type A { x: Int y: Int a: A }",
            "s.graphql",
        )
        .expect("valid schema");
        let doc = ExecutableDocument::parse_and_validate(&schema, query, "q.graphql")
            .expect("valid operation");
        let operation = doc.operations.get(None).expect("one operation");
        let raw: JsonMap = serde_json::from_value(variables).expect("an object");
        let coerced = coerce_variable_values(&schema, operation, &raw).expect("coerces");
        let names = condition_variables(&doc, operation)
            .iter()
            .map(ToString::to_string)
            .collect();
        let text = fold(&doc, operation, &coerced)
            .serialize()
            .no_indent()
            .to_string();
        (names, text)
    }

    #[test]
    fn conditions_are_decided_and_left_out() {
        let (names, text) = folded(
            "query($s: Boolean!, $i: Boolean = true) { ... @include(if: true) { a @include(if: true) { x y @skip(if: $s) } } b @include(if: $i) c @skip(if: true) }",
            serde_json::json!({ "s": true }),
        );
        assert_eq!(names, ["i", "s"]);
        assert_eq!(
            text,
            "query($s: Boolean!, $i: Boolean = true) { a { x } b }"
        );
        let (_, text) = folded(
            "query($s: Boolean!, $i: Boolean = true) { a { x @skip(if: $s) } b @include(if: $i) }",
            serde_json::json!({ "s": false, "i": false }),
        );
        assert_eq!(text, "query($s: Boolean!, $i: Boolean = true) { a { x } }");
    }

    #[test]
    fn a_selection_whose_fields_are_all_excluded_stays_empty_for_the_planner() {
        let (_, text) = folded("{ a { x @include(if: false) } }", serde_json::json!({}));
        assert_eq!(text, "{ a }");
    }

    #[test]
    fn named_fragments_become_inline_fragments_with_their_conditions_decided() {
        let (names, text) = folded(
            "query($v: Boolean!) { a { ...F ...G @skip(if: $v) } } fragment F on A { x a { ...G } } fragment G on A { y @include(if: $v) }",
            serde_json::json!({ "v": true }),
        );
        assert_eq!(names, ["v"]);
        assert_eq!(text, "query($v: Boolean!) { a { x a { y } } }");
    }
}
