//! The projector (`executor::project`, the fast path of response shaping) against
//! apollo-compiler's executor (`executor::shape::execute`): for a random operation
//! (as [`super::planner`] makes them) over random data shaped like its answer — mostly
//! well typed, with nulls, wrong kinds, bad enum values, missing or wrong `__typename`
//! now and then — whenever the projector answers, the executor gives the same data,
//! key for key and in the same order, with no error; and `project_text` writes exactly
//! what `project` builds.

use apollo_compiler::{
    Schema,
    ast::Type,
    executable::{ExecutableDocument, Selection, SelectionSet},
    schema::ExtendedType,
};
use arbitrary::Unstructured;
use serde_json::{Map, Value, json};
use tessera_router::executor::{project, shape, tree};

use super::planner::{Generated, generated};

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
    let api = &graph.supergraph.api;
    let operation = document.operations.get(None).expect("one operation");
    let mut u = Unstructured::new(input.get(11..).unwrap_or_default());
    let mut data = Map::new();
    let root = Data {
        schema: api,
        document: &document,
    };
    root.fill(
        &mut data,
        operation.object_type().as_str(),
        &operation.selection_set,
        &mut u,
        0,
    );
    let data_text = serde_json::to_vec(&Value::Object(data)).expect("data serialises");
    let tree = tree::from_slice(&data_text).expect("the data parses");
    let projected = project::project(api, &document, operation, &variables, &tree);
    let written = project::project_text(api, &document, operation, &variables, &tree, Vec::new());
    let Some(projected) = projected else {
        assert!(
            written.is_none(),
            "project_text answers where project gives up\n{text}"
        );
        return;
    };
    let written = written.expect("project_text answers where project does");
    let expected = serde_json::to_vec(&projected).expect("the projection serialises");
    assert_eq!(
        String::from_utf8_lossy(&written),
        String::from_utf8_lossy(&expected),
        "project_text and project\n{text}"
    );
    let shaping = graph.supergraph.shaping.as_ref().unwrap_or(api);
    let executed = shape::execute(shaping, &document, operation, &variables, &tree.to_json())
        .unwrap_or_else(|err| panic!("the executor runs a valid operation: {err:?}\n{text}"));
    let data = String::from_utf8_lossy(&data_text);
    assert!(
        executed.errors.is_empty(),
        "the projector answered where the executor finds errors: {:?}\n{text}\nover {data}",
        executed.errors
    );
    let by_executor = serde_json::to_string(&executed.data).expect("serialises");
    assert_eq!(
        String::from_utf8_lossy(&expected),
        by_executor,
        "the projector and the executor disagree\n{text}\nover {data}"
    );
}

/// Deepest data made (the generator's operations are shallower).
const DEEPEST: usize = 12;

struct Data<'a> {
    schema: &'a Schema,
    document: &'a ExecutableDocument,
}

impl Data<'_> {
    /// Fills `object`, of type `type_name`, with values for `selections`.
    fn fill(
        &self,
        object: &mut Map<String, Value>,
        type_name: &str,
        selections: &SelectionSet,
        u: &mut Unstructured<'_>,
        depth: usize,
    ) {
        for selection in &selections.selections {
            match selection {
                Selection::Field(field) => {
                    let key = field.response_key().as_str();
                    if field.name == "__typename" {
                        let value = match u.int_in_range(0..=15u8).unwrap_or(0) {
                            14 => Value::Null,
                            15 => json!("NotAType"),
                            _ => json!(type_name),
                        };
                        object.entry(key).or_insert(value);
                        continue;
                    }
                    let value = self.value(&field.definition.ty, &field.selection_set, u, depth);
                    match (object.get_mut(key), value) {
                        (Some(Value::Object(old)), Value::Object(new)) => {
                            for (k, v) in new {
                                old.entry(k).or_insert(v);
                            }
                        }
                        (Some(_), _) => {}
                        (None, value) => {
                            object.insert(key.to_owned(), value);
                        }
                    }
                }
                Selection::InlineFragment(inline) => {
                    let applies = inline
                        .type_condition
                        .as_ref()
                        .is_none_or(|on| self.applies(on.as_str(), type_name));
                    if applies {
                        self.fill(object, type_name, &inline.selection_set, u, depth);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = self.document.fragments.get(&spread.fragment_name)
                        && self.applies(fragment.type_condition().as_str(), type_name)
                    {
                        self.fill(object, type_name, &fragment.selection_set, u, depth);
                    }
                }
            }
        }
    }

    fn applies(&self, condition: &str, type_name: &str) -> bool {
        condition == type_name || self.schema.is_subtype(condition, type_name)
    }

    /// A value of type `ty` (an object's for `selections`).
    fn value(
        &self,
        ty: &Type,
        selections: &SelectionSet,
        u: &mut Unstructured<'_>,
        depth: usize,
    ) -> Value {
        // Now and then a null (an error where the type is non-null) or a value of the
        // wrong kind (an input run out of bytes gives well-typed data).
        match u.int_in_range(0..=31u8).unwrap_or(0) {
            31 => return Value::Null,
            30 => return json!("wrong kind"),
            29 => return json!([]),
            _ => {}
        }
        if depth > DEEPEST {
            return Value::Null;
        }
        match ty {
            Type::List(item) | Type::NonNullList(item) => {
                let n = u.int_in_range(0..=3u8).unwrap_or(0);
                Value::Array(
                    (0..n)
                        .map(|_| self.value(item, selections, u, depth + 1))
                        .collect(),
                )
            }
            Type::Named(name) | Type::NonNullNamed(name) => {
                self.named(name.as_str(), selections, u, depth)
            }
        }
    }

    fn named(
        &self,
        name: &str,
        selections: &SelectionSet,
        u: &mut Unstructured<'_>,
        depth: usize,
    ) -> Value {
        match self.schema.types.get(name) {
            Some(ExtendedType::Object(_)) => {
                let mut object = Map::new();
                self.fill(&mut object, name, selections, u, depth + 1);
                Value::Object(object)
            }
            Some(ExtendedType::Interface(_) | ExtendedType::Union(_)) => {
                let mut possible: Vec<&str> = self
                    .schema
                    .types
                    .iter()
                    .filter(|(n, t)| t.is_object() && self.schema.is_subtype(name, n.as_str()))
                    .map(|(n, _)| n.as_str())
                    .collect();
                possible.sort_unstable();
                let Ok(concrete) = u.choose(&possible) else {
                    return Value::Null;
                };
                let mut object = Map::new();
                if u.int_in_range(0..=7u8).unwrap_or(0) != 7 {
                    object.insert("__typename".to_owned(), json!(concrete));
                }
                self.fill(&mut object, concrete, selections, u, depth + 1);
                Value::Object(object)
            }
            Some(ExtendedType::Enum(e)) => {
                let values: Vec<&str> = e.values.keys().map(|v| v.as_str()).collect();
                match u.choose(&values) {
                    Ok(value) if u.int_in_range(0..=15u8).unwrap_or(0) != 15 => json!(value),
                    _ => json!("NOT_A_VALUE"),
                }
            }
            _ => scalar(name, u),
        }
    }
}

/// A value of scalar `name`: mostly of its kind, now and then not quite.
fn scalar(name: &str, u: &mut Unstructured<'_>) -> Value {
    let odd = u.int_in_range(0..=15u8).unwrap_or(0) == 15;
    match (name, odd) {
        ("Int", false) => json!(u.arbitrary::<i32>().unwrap_or(7)),
        ("Int", true) => json!(u.arbitrary::<i64>().unwrap_or(1 << 40)),
        ("Float", false) => json!(f64::from(u.arbitrary::<i32>().unwrap_or(3)) / 8.0),
        ("Float", true) => json!(u.arbitrary::<i64>().unwrap_or(5)),
        ("Boolean", false) => json!(u.arbitrary::<bool>().unwrap_or(true)),
        ("Boolean", true) => json!(1),
        ("ID", true) => json!(u.arbitrary::<i64>().unwrap_or(12)),
        (_, true) => json!({"any": [1, "two", null]}),
        _ => json!(u.arbitrary::<String>().unwrap_or_else(|_| "s".to_owned())),
    }
}
