//! The client's response, from the data tree: apollo-compiler's executor walks the
//! client's operation against the API schema with resolvers that read the data tree.
//! That gives spec behaviour for aliases, fragments, `@skip`/`@include`, `__typename`,
//! introspection (`__schema`, `__type`) and null propagation in one place.
//!
//! That walk is slow (boxed resolvers, argument coercion and field grouping per
//! object), so [`shape`] first tries [`super::project`], which walks the operation over
//! the data tree directly and gives up, leaving it to the executor, wherever an error,
//! null propagation or introspection is involved.

use apollo_compiler::{
    ExecutableDocument, Schema,
    ast::Type,
    executable::Operation,
    request::RequestError,
    resolvers::{Execution, FieldError, ObjectValue, ResolveInfo, ResolvedValue},
    response::{ExecutionResponse, JsonMap, JsonValue},
    schema::ExtendedType,
    validation::Valid,
};

struct Object<'a> {
    map: Option<&'a JsonMap>,
    type_name: &'a str,
}

impl ObjectValue for Object<'_> {
    fn type_name(&self) -> &str {
        self.type_name
    }

    fn resolve_field<'a>(
        &'a self,
        info: &'a ResolveInfo<'a>,
    ) -> Result<ResolvedValue<'a>, FieldError> {
        let Some(field) = info.field_selections().first() else {
            return Ok(ResolvedValue::null());
        };
        let value = self.map.and_then(|m| m.get(field.response_key().as_str()));
        resolve(info.schema(), &info.field_definition().ty, value)
    }
}

fn resolve<'a>(
    schema: &'a Valid<Schema>,
    ty: &'a Type,
    value: Option<&'a JsonValue>,
) -> Result<ResolvedValue<'a>, FieldError> {
    let value = match value {
        None | Some(JsonValue::Null) => return Ok(ResolvedValue::null()),
        Some(v) => v,
    };
    match ty {
        Type::List(inner) | Type::NonNullList(inner) => match value {
            JsonValue::Array(items) => Ok(ResolvedValue::list(items.iter().map(|item| {
                resolve(schema, inner, Some(item)).unwrap_or_else(|_| ResolvedValue::null())
            }))),
            _ => Err(FieldError {
                message: "a subgraph returned a non-list value for a list field".to_owned(),
            }),
        },
        Type::Named(name) | Type::NonNullNamed(name) => match schema.types.get(name) {
            Some(ExtendedType::Object(_)) => match value {
                JsonValue::Object(map) => Ok(ResolvedValue::object(Object {
                    map: Some(map),
                    type_name: name.as_str(),
                })),
                _ => Err(FieldError {
                    message: format!("a subgraph returned a non-object value for `{name}`"),
                }),
            },
            Some(ExtendedType::Interface(_) | ExtendedType::Union(_)) => match value {
                JsonValue::Object(map) => {
                    let concrete = map.get("__typename").and_then(JsonValue::as_str);
                    match concrete {
                        Some(type_name) if schema.get_object(type_name).is_some() => {
                            Ok(ResolvedValue::object(Object {
                                map: Some(map),
                                type_name,
                            }))
                        }
                        // An `@interfaceObject` answers with the interface's name; the
                        // planner only leaves it so when nothing type-specific was
                        // asked, so any implementation shapes the same fields.
                        Some(type_name) if type_name == name.as_str() => {
                            match super::project::stand_in(schema, name) {
                                Some(object) => Ok(ResolvedValue::object(Object {
                                    map: Some(map),
                                    type_name: object.name.as_str(),
                                })),
                                None => Err(FieldError {
                                    message: format!("`{name}` has no implementation to stand for"),
                                }),
                            }
                        }
                        _ => Err(FieldError {
                            message: format!("cannot tell the concrete type of a `{name}` value"),
                        }),
                    }
                }
                _ => Err(FieldError {
                    message: format!("a subgraph returned a non-object value for `{name}`"),
                }),
            },
            // Result coercion of Float accepts integers (a subgraph may send `10`).
            _ if name == "Float" && value.is_i64() => Ok(ResolvedValue::leaf(JsonValue::from(
                value.as_f64().unwrap_or_default(),
            ))),
            _ => Ok(ResolvedValue::leaf(value.clone())),
        },
    }
}

/// Shapes `data` into the client's response for `operation`: by the projector when
/// nothing needs an error, else by apollo-compiler's executor.
///
/// `shaping` is the API schema as the executor shapes values with it, where it differs
/// (`Supergraph::shaping`); the caller gives none for an operation that introspects,
/// which must read `api` as it is.
pub fn shape(
    (api, shaping): (&Valid<Schema>, Option<&Valid<Schema>>),
    document: &Valid<ExecutableDocument>,
    operation: &Operation,
    variables: &Valid<JsonMap>,
    data: &super::tree::Value<'_>,
) -> Result<ExecutionResponse, RequestError> {
    if let Some(data) = super::project::project(api, document, operation, variables, data) {
        return Ok(ExecutionResponse {
            errors: Vec::new(),
            data: Some(data),
        });
    }
    execute(
        shaping.unwrap_or(api),
        document,
        operation,
        variables,
        &data.to_json(),
    )
}

/// Shapes `data` with apollo-compiler's executor (errors, null propagation,
/// introspection).
pub fn execute(
    api: &Valid<Schema>,
    document: &Valid<ExecutableDocument>,
    operation: &Operation,
    variables: &Valid<JsonMap>,
    data: &JsonValue,
) -> Result<ExecutionResponse, RequestError> {
    let root = Object {
        map: data.as_object(),
        type_name: operation.object_type().as_str(),
    };
    Execution::new(api, document)
        .operation(operation)
        .coerced_variable_values(variables)
        .enable_schema_introspection(true)
        .execute_sync(&root)
}
