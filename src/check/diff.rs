//! The rules: what changed between two API schemas, and what each change means for
//! clients already in the field.
//!
//! The classes follow graphql-inspector and Apollo's schema checks. A change is
//! *breaking* when an operation that was valid (or a response a client could read)
//! before may now fail; *dangerous* when valid operations still validate but a client
//! may meet something it was not written for (a new enum value in an exhaustive
//! `switch`, a new union member); *safe* otherwise.
//!
//! Nullability runs opposite ways on the two sides of a field: an output made stricter
//! (`String` → `String!`) is safe (clients that handled `null` still work), an input made
//! stricter is breaking (clients that omitted it or sent `null` now fail), and the
//! reverse for looser types.

use std::fmt;

use apollo_compiler::{
    Name, Node, Schema,
    ast::{DirectiveList, FieldDefinition, InputValueDefinition, Type, Value},
    collections::{IndexMap, IndexSet},
    schema::{Component, ComponentName, ExtendedType},
};

/// What a change means for existing clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Valid operations may fail, or responses no longer match what clients read.
    Breaking,
    /// Valid operations still validate, but clients may meet something unexpected.
    Dangerous,
    /// No existing client is affected.
    Safe,
}

impl Class {
    /// The upper-case label used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Self::Breaking => "BREAKING",
            Self::Dangerous => "DANGEROUS",
            Self::Safe => "SAFE",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One change between the baseline and the new schema.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// What it means for clients.
    pub class: Class,
    /// The schema coordinate it is about: `Type`, `Type.field`, `Type.field(arg:)`,
    /// `Enum.VALUE`, `Input.field`, `@directive`.
    pub coordinate: String,
    /// A sentence for people, e.g. ``Field `User.email` was removed``.
    pub message: String,
}

impl Change {
    fn new(class: Class, coordinate: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            class,
            coordinate: coordinate.into(),
            message: message.into(),
        }
    }
}

/// Every change from `old` to `new`, sorted by class (breaking first), then coordinate.
pub fn diff(old: &Schema, new: &Schema) -> Vec<Change> {
    let mut changes = Vec::new();
    root_types(old, new, &mut changes);
    for (name, old_ty) in &old.types {
        if old_ty.is_built_in() {
            continue;
        }
        match new.types.get(name) {
            None => changes.push(Change::new(
                Class::Breaking,
                name.as_str(),
                format!("{} `{name}` was removed", kind(old_ty)),
            )),
            Some(new_ty) => type_changes(old_ty, new_ty, &mut changes),
        }
    }
    for (name, new_ty) in &new.types {
        if !new_ty.is_built_in() && !old.types.contains_key(name) {
            changes.push(Change::new(
                Class::Safe,
                name.as_str(),
                format!("{} `{name}` was added", kind(new_ty)),
            ));
        }
    }
    directives(old, new, &mut changes);
    changes.sort();
    changes
}

/// The kind of a type, capitalised, as the start of a sentence.
fn kind(ty: &ExtendedType) -> &'static str {
    match ty {
        ExtendedType::Scalar(_) => "Scalar",
        ExtendedType::Object(_) => "Object type",
        ExtendedType::Interface(_) => "Interface",
        ExtendedType::Union(_) => "Union",
        ExtendedType::Enum(_) => "Enum",
        ExtendedType::InputObject(_) => "Input object type",
    }
}

fn root_types(old: &Schema, new: &Schema, changes: &mut Vec<Change>) {
    let roots = |schema: &Schema| {
        let def = &schema.schema_definition;
        [
            ("query", def.query.as_ref().map(|n| n.name.clone())),
            ("mutation", def.mutation.as_ref().map(|n| n.name.clone())),
            (
                "subscription",
                def.subscription.as_ref().map(|n| n.name.clone()),
            ),
        ]
    };
    for ((operation, before), (_, after)) in roots(old).into_iter().zip(roots(new)) {
        match (before, after) {
            (Some(before), Some(after)) if before != after => changes.push(Change::new(
                Class::Breaking,
                before.as_str(),
                format!("The {operation} root type changed from `{before}` to `{after}`"),
            )),
            (Some(before), None) => changes.push(Change::new(
                Class::Breaking,
                before.as_str(),
                format!("The schema no longer has a {operation} root type (was `{before}`)"),
            )),
            (None, Some(after)) => changes.push(Change::new(
                Class::Safe,
                after.as_str(),
                format!("The schema now has a {operation} root type, `{after}`"),
            )),
            _ => {}
        }
    }
}

fn type_changes(old: &ExtendedType, new: &ExtendedType, changes: &mut Vec<Change>) {
    let name = old.name();
    if std::mem::discriminant(old) != std::mem::discriminant(new) {
        changes.push(Change::new(
            Class::Breaking,
            name.as_str(),
            format!(
                "`{name}` changed kind from {} to {}",
                kind(old).to_lowercase(),
                kind(new).to_lowercase()
            ),
        ));
        return;
    }
    description(
        name.as_str(),
        &format!("type `{name}`"),
        old.description().map(|d| &**d),
        new.description().map(|d| &**d),
        changes,
    );
    match (old, new) {
        (ExtendedType::Object(old), ExtendedType::Object(new)) => {
            implementations(
                name,
                &old.implements_interfaces,
                &new.implements_interfaces,
                changes,
            );
            output_fields(name, &old.fields, &new.fields, changes);
        }
        (ExtendedType::Interface(old), ExtendedType::Interface(new)) => {
            implementations(
                name,
                &old.implements_interfaces,
                &new.implements_interfaces,
                changes,
            );
            output_fields(name, &old.fields, &new.fields, changes);
        }
        (ExtendedType::Union(old), ExtendedType::Union(new)) => {
            members(name, &old.members, &new.members, changes);
        }
        (ExtendedType::Enum(old), ExtendedType::Enum(new)) => {
            for (value, old_value) in &old.values {
                let coordinate = format!("{name}.{value}");
                let Some(new_value) = new.values.get(value) else {
                    changes.push(Change::new(
                        Class::Breaking,
                        &coordinate,
                        format!("Enum value `{coordinate}` was removed"),
                    ));
                    continue;
                };
                let what = format!("enum value `{coordinate}`");
                description(
                    &coordinate,
                    &what,
                    old_value.description.as_deref(),
                    new_value.description.as_deref(),
                    changes,
                );
                deprecation(
                    &coordinate,
                    &what,
                    &old_value.directives,
                    &new_value.directives,
                    changes,
                );
            }
            for value in new.values.keys() {
                if !old.values.contains_key(value) {
                    changes.push(Change::new(
                        Class::Dangerous,
                        format!("{name}.{value}"),
                        format!(
                            "Enum value `{name}.{value}` was added (clients with an exhaustive switch over `{name}` may not handle it)"
                        ),
                    ));
                }
            }
        }
        (ExtendedType::InputObject(old), ExtendedType::InputObject(new)) => {
            for (field, old_field) in &old.fields {
                let coordinate = format!("{name}.{field}");
                match new.fields.get(field) {
                    None => changes.push(Change::new(
                        Class::Breaking,
                        &coordinate,
                        format!("Input field `{coordinate}` was removed"),
                    )),
                    Some(new_field) => input_value(
                        &coordinate,
                        &format!("input field `{coordinate}`"),
                        old_field,
                        new_field,
                        changes,
                    ),
                }
            }
            for (field, new_field) in &new.fields {
                if !old.fields.contains_key(field) {
                    added_input_value(
                        &format!("{name}.{field}"),
                        "Input field",
                        new_field,
                        changes,
                    );
                }
            }
        }
        // Scalars: only their description, handled above.
        _ => {}
    }
}

fn implementations(
    name: &str,
    old: &IndexSet<ComponentName>,
    new: &IndexSet<ComponentName>,
    changes: &mut Vec<Change>,
) {
    set_changes(name, old, new, changes, |interface, removed| {
        if removed {
            format!("`{name}` no longer implements interface `{interface}`")
        } else {
            format!(
                "`{name}` now implements interface `{interface}` (clients may meet a new type where they expect `{interface}`)"
            )
        }
    });
}

fn members(
    name: &str,
    old: &IndexSet<ComponentName>,
    new: &IndexSet<ComponentName>,
    changes: &mut Vec<Change>,
) {
    set_changes(name, old, new, changes, |member, removed| {
        if removed {
            format!("`{member}` was removed from union `{name}`")
        } else {
            format!(
                "`{member}` was added to union `{name}` (clients may not handle the new member)"
            )
        }
    });
}

/// A set of names on `name` (interfaces, union members): each removed one is breaking,
/// each added one dangerous, worded by `say(item, removed)`.
fn set_changes(
    name: &str,
    old: &IndexSet<ComponentName>,
    new: &IndexSet<ComponentName>,
    changes: &mut Vec<Change>,
    say: impl Fn(&ComponentName, bool) -> String,
) {
    for item in old.difference(new) {
        changes.push(Change::new(Class::Breaking, name, say(item, true)));
    }
    for item in new.difference(old) {
        changes.push(Change::new(Class::Dangerous, name, say(item, false)));
    }
}

fn output_fields(
    type_name: &str,
    old: &IndexMap<Name, Component<FieldDefinition>>,
    new: &IndexMap<Name, Component<FieldDefinition>>,
    changes: &mut Vec<Change>,
) {
    for (field, old_field) in old {
        let coordinate = format!("{type_name}.{field}");
        let Some(new_field) = new.get(field) else {
            changes.push(Change::new(
                Class::Breaking,
                &coordinate,
                format!("Field `{coordinate}` was removed"),
            ));
            continue;
        };
        let what = format!("field `{coordinate}`");
        description(
            &coordinate,
            &what,
            old_field.description.as_deref(),
            new_field.description.as_deref(),
            changes,
        );
        deprecation(
            &coordinate,
            &what,
            &old_field.directives,
            &new_field.directives,
            changes,
        );
        if old_field.ty != new_field.ty {
            let class = if output_safe(&old_field.ty, &new_field.ty) {
                Class::Safe
            } else {
                Class::Breaking
            };
            changes.push(Change::new(
                class,
                &coordinate,
                format!(
                    "Field `{coordinate}` changed type from `{}` to `{}`",
                    old_field.ty, new_field.ty
                ),
            ));
        }
        arguments(
            &coordinate,
            &old_field.arguments,
            &new_field.arguments,
            changes,
        );
    }
    for field in new.keys() {
        if !old.contains_key(field) {
            changes.push(Change::new(
                Class::Safe,
                format!("{type_name}.{field}"),
                format!("Field `{type_name}.{field}` was added"),
            ));
        }
    }
}

/// Arguments of the field or directive at `owner` (`Type.field` or `@directive`).
fn arguments(
    owner: &str,
    old: &[Node<InputValueDefinition>],
    new: &[Node<InputValueDefinition>],
    changes: &mut Vec<Change>,
) {
    for old_arg in old {
        let coordinate = format!("{owner}({}:)", old_arg.name);
        match new.iter().find(|a| a.name == old_arg.name) {
            None => changes.push(Change::new(
                Class::Breaking,
                &coordinate,
                format!("Argument `{coordinate}` was removed"),
            )),
            Some(new_arg) => input_value(
                &coordinate,
                &format!("argument `{coordinate}`"),
                old_arg,
                new_arg,
                changes,
            ),
        }
    }
    for new_arg in new {
        if !old.iter().any(|a| a.name == new_arg.name) {
            added_input_value(
                &format!("{owner}({}:)", new_arg.name),
                "Argument",
                new_arg,
                changes,
            );
        }
    }
}

/// An argument or input field that exists on both sides.
fn input_value(
    coordinate: &str,
    what: &str,
    old: &InputValueDefinition,
    new: &InputValueDefinition,
    changes: &mut Vec<Change>,
) {
    description(
        coordinate,
        what,
        old.description.as_deref(),
        new.description.as_deref(),
        changes,
    );
    deprecation(coordinate, what, &old.directives, &new.directives, changes);
    let what_capitalised = capitalise(what);
    if old.ty != new.ty {
        let class = if input_safe(&old.ty, &new.ty) {
            Class::Safe
        } else {
            Class::Breaking
        };
        changes.push(Change::new(
            class,
            coordinate,
            format!(
                "{what_capitalised} changed type from `{}` to `{}`",
                old.ty, new.ty
            ),
        ));
    }
    let shown = |value: &Option<Node<Value>>| {
        value
            .as_ref()
            .map_or_else(|| "none".to_owned(), |v| format!("`{v}`"))
    };
    if old.default_value != new.default_value {
        // Removing the default of a non-null input makes it required: clients that
        // omitted it now fail validation.
        let (class, message) = if new.default_value.is_none() && new.ty.is_non_null() {
            (
                Class::Breaking,
                format!(
                    "{what_capitalised} lost its default value {} and is now required",
                    shown(&old.default_value)
                ),
            )
        } else {
            (
                Class::Dangerous,
                format!(
                    "Default value of {what} changed from {} to {}",
                    shown(&old.default_value),
                    shown(&new.default_value)
                ),
            )
        };
        changes.push(Change::new(class, coordinate, message));
    }
}

/// A new argument or input field: breaking when required (non-null, no default).
fn added_input_value(
    coordinate: &str,
    kind: &str,
    new: &InputValueDefinition,
    changes: &mut Vec<Change>,
) {
    if new.ty.is_non_null() && new.default_value.is_none() {
        changes.push(Change::new(
            Class::Breaking,
            coordinate,
            format!(
                "Required {} `{coordinate}` of type `{}` was added",
                kind.to_lowercase(),
                new.ty
            ),
        ));
    } else {
        changes.push(Change::new(
            Class::Safe,
            coordinate,
            format!("Optional {} `{coordinate}` was added", kind.to_lowercase()),
        ));
    }
}

/// Whether an output may change from `old` to `new` without breaking clients: the same
/// type, with `null` possibly ruled out at any level.
pub fn output_safe(old: &Type, new: &Type) -> bool {
    match (old, new) {
        (Type::Named(a) | Type::NonNullNamed(a), Type::NonNullNamed(b)) => a == b,
        (Type::Named(a), Type::Named(b)) => a == b,
        (Type::List(a) | Type::NonNullList(a), Type::NonNullList(b)) => output_safe(a, b),
        (Type::List(a), Type::List(b)) => output_safe(a, b),
        _ => false,
    }
}

/// Whether an input may change from `old` to `new` without breaking clients: the same
/// type, with `null` possibly newly allowed at any level.
pub fn input_safe(old: &Type, new: &Type) -> bool {
    output_safe(new, old)
}

/// The `@deprecated` reason, if deprecated (`No longer supported` when none is given).
fn deprecation_reason(directives: &DirectiveList) -> Option<String> {
    let directive = directives.get("deprecated")?;
    Some(
        directive
            .specified_argument_by_name("reason")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "No longer supported".to_owned()),
    )
}

fn deprecation(
    coordinate: &str,
    what: &str,
    old: &DirectiveList,
    new: &DirectiveList,
    changes: &mut Vec<Change>,
) {
    let what = capitalise(what);
    let message = match (deprecation_reason(old), deprecation_reason(new)) {
        (None, Some(reason)) => format!("{what} was deprecated (\"{reason}\")"),
        (Some(_), None) => format!("{what} is no longer deprecated"),
        (Some(before), Some(after)) if before != after => {
            format!("{what}'s deprecation reason changed from \"{before}\" to \"{after}\"")
        }
        _ => return,
    };
    changes.push(Change::new(Class::Safe, coordinate, message));
}

fn description(
    coordinate: &str,
    what: &str,
    old: Option<&str>,
    new: Option<&str>,
    changes: &mut Vec<Change>,
) {
    let message = match (old, new) {
        (None, Some(_)) => format!("Description of {what} was added"),
        (Some(_), None) => format!("Description of {what} was removed"),
        (Some(a), Some(b)) if a != b => format!("Description of {what} changed"),
        _ => return,
    };
    changes.push(Change::new(Class::Safe, coordinate, message));
}

fn directives(old: &Schema, new: &Schema, changes: &mut Vec<Change>) {
    for (name, old_def) in &old.directive_definitions {
        if old_def.is_built_in() {
            continue;
        }
        let coordinate = format!("@{name}");
        let Some(new_def) = new.directive_definitions.get(name) else {
            changes.push(Change::new(
                Class::Breaking,
                &coordinate,
                format!("Directive `{coordinate}` was removed"),
            ));
            continue;
        };
        for location in &old_def.locations {
            if !new_def.locations.contains(location) {
                changes.push(Change::new(
                    Class::Breaking,
                    &coordinate,
                    format!("Directive `{coordinate}` can no longer be used on {location}"),
                ));
            }
        }
        arguments(&coordinate, &old_def.arguments, &new_def.arguments, changes);
    }
    for (name, new_def) in &new.directive_definitions {
        if !new_def.is_built_in() && !old.directive_definitions.contains_key(name) {
            changes.push(Change::new(
                Class::Safe,
                format!("@{name}"),
                format!("Directive `@{name}` was added"),
            ));
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
