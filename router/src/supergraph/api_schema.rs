//! The API schema: the supergraph as clients see it, without the `join__*`/`link__*`
//! machinery, without federation directives, and without anything `@inaccessible`; with
//! `@defer`, which the router answers (incremental delivery).

use apollo_compiler::{
    Name, Schema,
    ast::DirectiveList,
    schema::{DirectiveList as SchemaDirectiveList, ExtendedType},
    validation::Valid,
};

use super::SupergraphError;

/// Directives of the supergraph that are machinery, not API.
pub(super) fn is_machinery(name: &str) -> bool {
    name.starts_with("join__")
        || name.starts_with("link__")
        || matches!(
            name,
            "link"
                | "inaccessible"
                | "tag"
                | "authenticated"
                | "requiresScopes"
                | "policy"
                | "cost"
                | "listSize"
                | "context"
                | "fromContext"
        )
        || name.starts_with("requiresScopes__")
        || name.starts_with("policy__")
}

fn inaccessible(directives: &SchemaDirectiveList) -> bool {
    directives.get("inaccessible").is_some()
}

fn strip(directives: &mut SchemaDirectiveList) {
    directives.0.retain(|d| !is_machinery(&d.name));
}

fn strip_ast(directives: &mut DirectiveList) {
    directives.0.retain(|d| !is_machinery(&d.name));
}

/// `@defer` as the incremental delivery proposal defines it.
const DEFER: &str =
    "directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT";

/// Derives the API schema from a supergraph schema.
pub fn derive(supergraph: &Valid<Schema>) -> Result<Valid<Schema>, SupergraphError> {
    let mut schema: Schema = supergraph.as_ref().clone();
    schema
        .directive_definitions
        .retain(|name, _| !is_machinery(name));
    strip(&mut schema.schema_definition.make_mut().directives);

    let hidden: Vec<Name> = schema
        .types
        .iter()
        .filter(|(name, ty)| is_machinery(name) || inaccessible(ty.directives()))
        .map(|(name, _)| name.clone())
        .collect();
    for name in &hidden {
        schema.types.shift_remove(name);
    }
    let is_hidden = |name: &str| hidden.iter().any(|h| h == name);
    // A variant may hide a whole root type (a partner variant without mutations).
    let root = schema.schema_definition.make_mut();
    if root.mutation.as_ref().is_some_and(|m| is_hidden(&m.name)) {
        root.mutation = None;
    }
    if root
        .subscription
        .as_ref()
        .is_some_and(|s| is_hidden(&s.name))
    {
        root.subscription = None;
    }

    for ty in schema.types.values_mut() {
        match ty {
            ExtendedType::Object(o) => {
                let o = o.make_mut();
                strip(&mut o.directives);
                o.implements_interfaces.retain(|i| !is_hidden(&i.name));
                o.fields.retain(|_, f| {
                    !inaccessible_ast(&f.directives) && !is_hidden(f.ty.inner_named_type())
                });
                for f in o.fields.values_mut() {
                    let f = f.make_mut();
                    strip_ast(&mut f.directives);
                    f.arguments.retain(|a| !inaccessible_ast(&a.directives));
                    for a in &mut f.arguments {
                        strip_ast(&mut a.make_mut().directives);
                    }
                }
            }
            ExtendedType::Interface(i) => {
                let i = i.make_mut();
                strip(&mut i.directives);
                i.implements_interfaces.retain(|x| !is_hidden(&x.name));
                i.fields.retain(|_, f| {
                    !inaccessible_ast(&f.directives) && !is_hidden(f.ty.inner_named_type())
                });
                for f in i.fields.values_mut() {
                    let f = f.make_mut();
                    strip_ast(&mut f.directives);
                    f.arguments.retain(|a| !inaccessible_ast(&a.directives));
                    for a in &mut f.arguments {
                        strip_ast(&mut a.make_mut().directives);
                    }
                }
            }
            ExtendedType::Union(u) => {
                let u = u.make_mut();
                strip(&mut u.directives);
                u.members.retain(|m| !is_hidden(&m.name));
            }
            ExtendedType::Enum(e) => {
                let e = e.make_mut();
                strip(&mut e.directives);
                e.values.retain(|_, v| !inaccessible_ast(&v.directives));
                for v in e.values.values_mut() {
                    strip_ast(&mut v.make_mut().directives);
                }
            }
            ExtendedType::InputObject(i) => {
                let i = i.make_mut();
                strip(&mut i.directives);
                i.fields.retain(|_, f| !inaccessible_ast(&f.directives));
                for f in i.fields.values_mut() {
                    strip_ast(&mut f.make_mut().directives);
                }
            }
            ExtendedType::Scalar(s) => strip(&mut s.make_mut().directives),
        }
    }
    if !schema.directive_definitions.contains_key("defer") {
        let defer = apollo_compiler::ast::Document::parse(DEFER, "defer.graphql")
            .ok()
            .and_then(|doc| {
                doc.definitions.into_iter().find_map(|d| match d {
                    apollo_compiler::ast::Definition::DirectiveDefinition(d) => Some(d),
                    _ => None,
                })
            });
        if let Some(defer) = defer {
            schema
                .directive_definitions
                .insert(defer.name.clone(), defer);
        }
    }
    schema
        .validate()
        .map_err(|e| SupergraphError::Invalid(format!("derived API schema: {}", e.errors)))
}

fn inaccessible_ast(directives: &DirectiveList) -> bool {
    directives.get("inaccessible").is_some()
}

/// The API schema for the executor's shaping, where it differs: each interface that no
/// object type implements, and no interface extends, written as an object type of the
/// same name and fields. An `@interfaceObject` answers such a value with the
/// interface's own name and no object type can stand for it, yet the client asked for
/// it and the subgraph gave it; shaped as itself (as the projector shapes it), its
/// `__typename` is the interface's name. `None` when there is no such interface.
/// Introspection never reads this schema (the type would show as an object).
pub fn shaping(api: &Valid<Schema>) -> Option<Valid<Schema>> {
    let implemented: std::collections::HashSet<&Name> = api
        .types
        .values()
        .flat_map(|ty| match ty {
            ExtendedType::Object(o) => o.implements_interfaces.iter().map(|i| &i.name).collect(),
            ExtendedType::Interface(i) => i.implements_interfaces.iter().map(|i| &i.name).collect(),
            _ => Vec::new(),
        })
        .collect();
    let lonely: Vec<Name> = api
        .types
        .iter()
        .filter(|(name, ty)| ty.is_interface() && !implemented.contains(name))
        .map(|(name, _)| name.clone())
        .collect();
    if lonely.is_empty() {
        return None;
    }
    let mut schema: Schema = api.as_ref().clone();
    for name in lonely {
        let Some(ExtendedType::Interface(def)) = schema.types.get(&name) else {
            continue;
        };
        let object = apollo_compiler::schema::ObjectType {
            description: def.description.clone(),
            name: def.name.clone(),
            directives: def.directives.clone(),
            fields: def.fields.clone(),
            implements_interfaces: def.implements_interfaces.clone(),
        };
        schema.types.insert(
            name,
            ExtendedType::Object(apollo_compiler::Node::new(object)),
        );
    }
    schema.validate().ok()
}
