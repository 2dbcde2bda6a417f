//! Argument values: the pool of scalars harvested from earlier answers, and literals of
//! any input type built from it. Ids the subgraphs really hold make arguments reach
//! entities, where constants mostly reach `null`.

use std::collections::HashMap;

use apollo_compiler::{ast::Type, schema::ExtendedType};
use serde_json::Value;

use super::{
    operation::{Operation, Selection},
    rng::Rng,
    schema::Model,
};

/// How many distinct values are kept per key: enough variety, bounded memory.
const PER_KEY: usize = 32;
/// Longer strings are not worth sending back as arguments.
const LONGEST: usize = 80;

/// Scalars seen in answers, by `(parent type, field)`, by field name and by scalar type.
#[derive(Debug, Clone, Default)]
pub struct Pool {
    by_field: HashMap<(String, String), Vec<Value>>,
    by_name: HashMap<String, Vec<Value>>,
    by_scalar: HashMap<String, Vec<Value>>,
}

impl Pool {
    /// Records the scalars of an answer's `data` to the operation that asked for it.
    pub fn harvest(&mut self, model: &Model, operation: &Operation, data: &Value) {
        self.walk(
            model,
            operation,
            model.query.as_str(),
            &operation.selections,
            data,
        );
    }

    /// How many values it holds.
    pub fn len(&self) -> usize {
        self.by_scalar.values().map(Vec::len).sum()
    }

    /// Whether it holds nothing yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a value of `parent.field`, of scalar type `scalar`.
    pub fn record(&mut self, parent: &str, field: &str, scalar: &str, value: &Value) {
        match value {
            Value::String(s) if s.len() <= LONGEST => {}
            Value::Number(_) | Value::Bool(_) => {}
            _ => return,
        }
        push(
            self.by_field
                .entry((parent.to_owned(), field.to_owned()))
                .or_default(),
            value,
        );
        push(self.by_name.entry(field.to_owned()).or_default(), value);
        push(self.by_scalar.entry(scalar.to_owned()).or_default(), value);
    }

    fn walk(
        &mut self,
        model: &Model,
        operation: &Operation,
        parent: &str,
        selections: &[Selection],
        value: &Value,
    ) {
        let Value::Object(object) = value else {
            return;
        };
        for selection in selections {
            match selection {
                Selection::Field(field) => {
                    let (Some(found), Some(definition)) = (
                        object.get(field.response_key()),
                        model.field(parent, &field.name),
                    ) else {
                        continue;
                    };
                    let ty = definition.ty.inner_named_type().as_str();
                    let mut items = Vec::new();
                    flatten(found, &mut items);
                    if model.is_composite(ty) {
                        for item in items {
                            self.walk(model, operation, ty, &field.selections, item);
                        }
                    } else if field.name != "__typename" && is_scalar(model, ty) {
                        for item in items {
                            self.record(parent, &field.name, ty, item);
                        }
                    }
                }
                Selection::Inline(inline) => {
                    let on = inline.on.as_deref().unwrap_or(parent);
                    self.walk(model, operation, on, &inline.selections, value);
                }
                Selection::Spread(spread) => {
                    if let Some(fragment) = operation.fragment(&spread.fragment) {
                        self.walk(model, operation, &fragment.on, &fragment.selections, value);
                    }
                }
            }
        }
    }

    /// Harvested values for argument `argument` of a field returning `owner`, of
    /// scalar type `scalar`: the closest match first.
    fn candidates(&self, owner: &str, argument: &str, scalar: &str) -> Vec<&Value> {
        let exact = self.by_field.get(&(owner.to_owned(), argument.to_owned()));
        let named = self.by_name.get(argument);
        let typed = self.by_scalar.get(scalar);
        for list in [exact, named, typed].into_iter().flatten() {
            if !list.is_empty() {
                return list.iter().collect();
            }
        }
        Vec::new()
    }
}

fn push(list: &mut Vec<Value>, value: &Value) {
    if list.len() < PER_KEY && !list.contains(value) {
        list.push(value.clone());
    }
}

fn flatten<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
    match value {
        Value::Array(items) => items.iter().for_each(|item| flatten(item, out)),
        Value::Null => {}
        other => out.push(other),
    }
}

fn is_scalar(model: &Model, name: &str) -> bool {
    matches!(model.schema.types.get(name), Some(ExtendedType::Scalar(_)))
}

/// Where an argument value goes: argument `argument` of a field whose type is `owner`
/// (`product(id:)` → `("Product", "id")`, so `Product.id` values come first).
#[derive(Debug, Clone, Copy)]
pub struct ArgumentSite<'a> {
    /// The named type of the field that takes the argument.
    pub owner: &'a str,
    /// The argument's (or input field's) name.
    pub argument: &'a str,
}

/// A literal of type `ty`.
pub fn literal(
    model: &Model,
    pool: &Pool,
    rng: &mut Rng,
    ty: &Type,
    site: ArgumentSite<'_>,
    depth: usize,
) -> String {
    match ty {
        Type::List(item) | Type::NonNullList(item) => {
            if depth > 2 {
                return "[]".to_owned();
            }
            match rng.below(4) {
                // A single value where a list is expected is coerced to a list of one.
                0 => literal(model, pool, rng, item, site, depth + 1),
                1 => "[]".to_owned(),
                _ => {
                    let n = rng.between(1, 2);
                    let items: Vec<String> = (0..n)
                        .map(|_| literal(model, pool, rng, item, site, depth + 1))
                        .collect();
                    format!("[{}]", items.join(", "))
                }
            }
        }
        Type::Named(name) | Type::NonNullNamed(name) => {
            match model.schema.types.get(name.as_str()) {
                Some(ExtendedType::Enum(e)) => {
                    let values: Vec<_> = e.values.keys().collect();
                    rng.pick(&values)
                        .map_or_else(|| "null".to_owned(), ToString::to_string)
                }
                Some(ExtendedType::InputObject(input)) => {
                    let one_of = input.directives.get("oneOf").is_some();
                    let mut fields = Vec::new();
                    let chosen_one = rng.below(input.fields.len().max(1));
                    for (i, (field_name, field)) in input.fields.iter().enumerate() {
                        let required = field.ty.is_non_null() && field.default_value.is_none();
                        let wanted = if one_of {
                            i == chosen_one
                        } else {
                            required || (depth < 2 && rng.chance(0.3))
                        };
                        if wanted {
                            let site = ArgumentSite {
                                owner: site.owner,
                                argument: field_name.as_str(),
                            };
                            let value = literal(model, pool, rng, &field.ty, site, depth + 1);
                            fields.push(format!("{field_name}: {value}"));
                        }
                    }
                    format!("{{{}}}", fields.join(", "))
                }
                _ => scalar(pool, rng, name.as_str(), site),
            }
        }
    }
}

fn scalar(pool: &Pool, rng: &mut Rng, scalar: &str, site: ArgumentSite<'_>) -> String {
    let harvested: Vec<String> = pool
        .candidates(site.owner, site.argument, scalar)
        .into_iter()
        .filter_map(|value| literal_of(scalar, value))
        .collect();
    if !harvested.is_empty()
        && rng.chance(0.85)
        && let Some(value) = rng.pick(&harvested)
    {
        return value.clone();
    }
    let constants: &[&str] = match scalar {
        "Int" => &["0", "1", "2", "3", "-1", "100"],
        "Float" => &["0", "1.5", "-2.25", "100"],
        "String" => &["\"\"", "\"a\"", "\"1\"", "\"p1\""],
        "ID" => &["\"1\"", "\"2\"", "1", "\"p1\"", "\"u1\""],
        "Boolean" => &["true", "false"],
        _ => &["\"x\"", "\"1\"", "1"],
    };
    rng.pick(constants)
        .map_or_else(|| "null".to_owned(), |c| (*c).to_owned())
}

/// A harvested JSON value as a literal of a scalar type, if it is one.
fn literal_of(scalar: &str, value: &Value) -> Option<String> {
    let string = || serde_json::to_string(value).ok();
    match (scalar, value) {
        ("Int", Value::Number(n)) => n
            .as_i64()
            .filter(|i| i32::try_from(*i).is_ok())
            .map(|i| i.to_string()),
        ("Float", Value::Number(n)) => Some(n.to_string()),
        ("String", Value::String(_)) => string(),
        ("ID", Value::String(_)) => string(),
        ("ID", Value::Number(n)) => n.as_i64().map(|i| i.to_string()),
        ("Boolean", Value::Bool(b)) => Some(b.to_string()),
        ("Int" | "Float" | "String" | "ID" | "Boolean", _) => None,
        (_, Value::String(_) | Value::Number(_) | Value::Bool(_)) => string(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn harvested_values_keep_to_their_scalar_type() {
        assert_eq!(literal_of("Int", &json!(3)), Some("3".to_owned()));
        assert_eq!(literal_of("Int", &json!(5_000_000_000_i64)), None);
        assert_eq!(literal_of("Int", &json!("3")), None);
        assert_eq!(literal_of("ID", &json!(3)), Some("3".to_owned()));
        assert_eq!(
            literal_of("ID", &json!("p\"1")),
            Some("\"p\\\"1\"".to_owned())
        );
        assert_eq!(literal_of("String", &json!(1.5)), None);
        assert_eq!(
            literal_of("Url", &json!("https://x")),
            Some("\"https://x\"".to_owned())
        );
    }

    #[test]
    fn the_closest_site_comes_first() {
        let mut pool = Pool::default();
        pool.record("Product", "id", "ID", &json!("p1"));
        pool.record("User", "id", "ID", &json!("u1"));
        pool.record("User", "name", "String", &json!("Ada"));
        let product: Vec<_> = pool.candidates("Product", "id", "ID");
        assert_eq!(product, vec![&json!("p1")]);
        let any_id: Vec<_> = pool.candidates("Review", "id", "ID");
        assert_eq!(any_id, vec![&json!("p1"), &json!("u1")]);
        let by_type: Vec<_> = pool.candidates("Review", "title", "String");
        assert_eq!(by_type, vec![&json!("Ada")]);
    }
}
