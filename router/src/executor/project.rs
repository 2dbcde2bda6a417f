//! The fast path of shaping: the client's operation walked straight over the data
//! tree, without apollo-compiler's resolver machinery (no argument coercion per object,
//! no boxed resolvers, no maps built per object to group fields).
//!
//! It follows the same rules as apollo-compiler's executor (field grouping by response
//! key in first-seen order, `@skip`/`@include`, fragments by type condition, result
//! coercion of leaves) but only for data that needs no error: at the first value that
//! would give one (a null in a non-null position, a value of the wrong kind, a type it
//! cannot tell), at introspection, or at an argument whose coercion could fail, it gives
//! up and [`super::shape`] runs the full executor instead, so errors, their paths and
//! null propagation stay exactly the executor's.

use std::{cell::RefCell, rc::Rc};

use apollo_compiler::{
    ExecutableDocument, Name, Schema,
    ast::{OperationType, Type, Value},
    collections::{IndexMap, IndexSet},
    executable::{Field, Operation, Selection},
    response::{JsonMap, JsonValue},
    schema::{Component, ComponentName, ExtendedType, FieldDefinition, ObjectType},
    validation::Valid,
};

use super::tree::{Map, Value as Data};

/// Gave up: the full executor decides.
struct Bail;

type Projected<T> = Result<T, Bail>;

struct Ctx<'a> {
    schema: &'a Valid<Schema>,
    document: &'a Valid<ExecutableDocument>,
    variables: &'a Valid<JsonMap>,
}

/// The response's `data` for `operation` over `data`, or `None` when the full executor
/// must shape it (errors, introspection, subscriptions).
pub fn project(
    schema: &Valid<Schema>,
    document: &Valid<ExecutableDocument>,
    operation: &Operation,
    variables: &Valid<JsonMap>,
    data: &Data<'_>,
) -> Option<JsonMap> {
    let mut tree = Tree::default();
    walk(schema, document, operation, variables, data, &mut tree)?;
    match tree.done {
        Some(JsonValue::Object(map)) => Some(map),
        _ => None,
    }
}

/// [`project`], written as JSON text while the data tree is walked (no response tree
/// is built): the bytes `serde_json` would write for [`project`]'s map, appended to
/// `out` (the start of a response body, say: the text is written in place, never
/// copied).
pub fn project_text(
    schema: &Valid<Schema>,
    document: &Valid<ExecutableDocument>,
    operation: &Operation,
    variables: &Valid<JsonMap>,
    data: &Data<'_>,
    out: Vec<u8>,
) -> Option<Vec<u8>> {
    let mut text = Text {
        out,
        ..Text::default()
    };
    walk(schema, document, operation, variables, data, &mut text)?;
    Some(text.out)
}

fn walk(
    schema: &Valid<Schema>,
    document: &Valid<ExecutableDocument>,
    operation: &Operation,
    variables: &Valid<JsonMap>,
    data: &Data<'_>,
    out: &mut impl Emit,
) -> Option<()> {
    if operation.operation_type == OperationType::Subscription {
        return None;
    }
    let root = Shape::object(schema.get_object(operation.object_type())?);
    let ctx = Ctx {
        schema,
        document,
        variables,
    };
    let prepared = ctx
        .prepare(root, operation.selection_set.selections.iter())
        .ok()?;
    ctx.object(root, data.as_object(), &prepared, out).ok()
}

/// Where a projection goes, as events in response order: a data tree ([`Tree`]) or
/// JSON text ([`Text`]). After a [`Bail`] the output is incomplete and dropped.
trait Emit {
    fn begin_object(&mut self, len: usize);
    /// The next member's key; `json` is the key as JSON text with its colon
    /// (`"key":`).
    fn key(&mut self, key: &str, json: &[u8]);
    fn end_object(&mut self);
    fn begin_list(&mut self, len: usize);
    fn end_list(&mut self);
    fn value(&mut self, value: &Data<'_>);
    /// A type's name (the value of `__typename`).
    fn type_name(&mut self, name: &str);
}

/// Builds the response tree.
#[derive(Default)]
struct Tree {
    open: Vec<Open>,
    keys: Vec<String>,
    done: Option<JsonValue>,
}

enum Open {
    Object(JsonMap),
    List(Vec<JsonValue>),
}

impl Tree {
    fn push(&mut self, value: JsonValue) {
        match self.open.last_mut() {
            Some(Open::Object(map)) => {
                let key = self.keys.pop().unwrap_or_default();
                map.insert(key, value);
            }
            Some(Open::List(items)) => items.push(value),
            None => self.done = Some(value),
        }
    }
}

impl Emit for Tree {
    fn begin_object(&mut self, len: usize) {
        self.open.push(Open::Object(JsonMap::with_capacity(len)));
    }
    fn key(&mut self, key: &str, _: &[u8]) {
        self.keys.push(key.to_owned());
    }
    fn end_object(&mut self) {
        if let Some(Open::Object(map)) = self.open.pop() {
            self.push(JsonValue::Object(map));
        }
    }
    fn begin_list(&mut self, len: usize) {
        self.open.push(Open::List(Vec::with_capacity(len)));
    }
    fn end_list(&mut self) {
        if let Some(Open::List(items)) = self.open.pop() {
            self.push(JsonValue::Array(items));
        }
    }
    fn value(&mut self, value: &Data<'_>) {
        self.push(value.to_json());
    }
    fn type_name(&mut self, name: &str) {
        self.push(JsonValue::String(name.into()));
    }
}

/// Writes compact JSON text, as `serde_json::to_vec` would for the tree.
#[derive(Default)]
struct Text {
    out: Vec<u8>,
    /// Per open container: whether nothing is in it yet.
    empty: Vec<bool>,
    /// A key was just written: the value follows without a comma.
    after_key: bool,
}

impl Text {
    fn separate(&mut self) {
        if std::mem::take(&mut self.after_key) {
            return;
        }
        if let Some(empty) = self.empty.last_mut()
            && !std::mem::take(empty)
        {
            self.out.push(b',');
        }
    }
}

impl Emit for Text {
    fn begin_object(&mut self, _: usize) {
        self.separate();
        self.out.push(b'{');
        self.empty.push(true);
    }
    fn key(&mut self, _: &str, json: &[u8]) {
        self.separate();
        self.out.extend_from_slice(json);
        self.after_key = true;
    }
    fn end_object(&mut self) {
        self.empty.pop();
        self.out.push(b'}');
    }
    fn begin_list(&mut self, _: usize) {
        self.separate();
        self.out.push(b'[');
        self.empty.push(true);
    }
    fn end_list(&mut self) {
        self.empty.pop();
        self.out.push(b']');
    }
    fn value(&mut self, value: &Data<'_>) {
        self.separate();
        value.write(&mut self.out);
    }
    fn type_name(&mut self, name: &str) {
        self.separate();
        crate::json::write_name(&mut self.out, name);
    }
}

/// The type an object is shaped as: an object type, or an interface without any
/// implementation in the API schema (an `@interfaceObject` answers with the interface's
/// name; the executor has no object type to stand for it and would fail).
#[derive(Clone, Copy)]
struct Shape<'a> {
    name: &'a Name,
    fields: &'a IndexMap<Name, Component<FieldDefinition>>,
    implements: &'a IndexSet<ComponentName>,
    interface: bool,
}

impl<'a> Shape<'a> {
    fn object(def: &'a ObjectType) -> Self {
        Self {
            name: &def.name,
            fields: &def.fields,
            implements: &def.implements_interfaces,
            interface: false,
        }
    }
}

/// Fields of one response key: the first, and any more merged with it, with what the
/// walk needs of them worked out once per request (see [`Prepared`]).
struct Group<'a> {
    key: &'a Name,
    /// `"key":`, as JSON text.
    json_key: Box<[u8]>,
    first: &'a Field,
    more: Vec<&'a Field>,
    /// The named type of the field (`None` for `__typename`).
    named: Option<&'a ExtendedType>,
    /// How a leaf of that type is coerced.
    scalar: Scalar,
    /// The sub-selection prepared for each object type met under this key.
    nested: RefCell<Vec<(Shape<'a>, Rc<Prepared<'a>>)>>,
}

impl<'a> Group<'a> {
    fn new(key: &'a Name, first: &'a Field) -> Self {
        let mut json_key = Vec::with_capacity(key.len() + 3);
        crate::json::write_name(&mut json_key, key.as_str());
        json_key.push(b':');
        Self {
            key,
            json_key: json_key.into_boxed_slice(),
            first,
            more: Vec::new(),
            named: None,
            scalar: Scalar::Other,
            nested: RefCell::new(Vec::new()),
        }
    }

    fn fields(&self) -> impl Iterator<Item = &'a Field> + '_ {
        std::iter::once(self.first).chain(self.more.iter().copied())
    }

    /// The sub-selection already prepared for the object type `name`, with the type.
    fn prepared_for(&self, name: &str) -> Option<(Shape<'a>, Rc<Prepared<'a>>)> {
        self.nested
            .borrow()
            .iter()
            .find(|(shape, _)| shape.name.as_str() == name)
            .map(|(shape, prepared)| (*shape, prepared.clone()))
    }
}

/// A selection set collected for one object type: its groups in response order, each
/// field's definition found and its arguments checked. Every object of that type under
/// the same selection (the items of a list, say) is walked with the same preparation,
/// so fragments, `@skip`/`@include` and the schema are consulted once per request,
/// not once per object.
struct Prepared<'a> {
    groups: Vec<Group<'a>>,
}

impl<'a> Ctx<'a> {
    /// The groups of `selections` on `object_type`, ready to walk.
    fn prepare(
        &self,
        object_type: Shape<'a>,
        selections: impl Iterator<Item = &'a Selection>,
    ) -> Projected<Rc<Prepared<'a>>> {
        let mut groups: Vec<Group<'a>> = Vec::new();
        let mut visited: Vec<&'a Name> = Vec::new();
        self.collect(object_type, selections, &mut visited, &mut groups);
        for group in &mut groups {
            let field = group.first;
            if field.name == "__typename" {
                continue;
            }
            if field.name.starts_with("__") {
                return Err(Bail); // introspection
            }
            let definition = object_type.fields.get(&field.name).ok_or(Bail)?;
            self.check_arguments(field, &definition.arguments)?;
            group.named = Some(
                self.schema
                    .types
                    .get(field.ty().inner_named_type())
                    .ok_or(Bail)?,
            );
            group.scalar = Scalar::of(field.ty().inner_named_type());
        }
        Ok(Rc::new(Prepared { groups }))
    }

    fn object(
        &self,
        object_type: Shape<'a>,
        map: Option<&Map<'_>>,
        prepared: &Prepared<'a>,
        out: &mut impl Emit,
    ) -> Projected<()> {
        out.begin_object(prepared.groups.len());
        for group in &prepared.groups {
            let Some(named) = group.named else {
                out.key(group.key.as_str(), &group.json_key);
                out.type_name(object_type.name.as_str());
                continue;
            };
            out.key(group.key.as_str(), &group.json_key);
            // The executor completes with the selected field's own type (an
            // interface's, when selected through one), as here.
            self.complete(
                group.first.ty(),
                named,
                map.and_then(|m| m.get(group.key.as_str())),
                group,
                out,
            )?;
        }
        out.end_object();
        Ok(())
    }

    /// apollo-compiler's `collect_fields`.
    fn collect(
        &self,
        object_type: Shape<'a>,
        selections: impl Iterator<Item = &'a Selection>,
        visited: &mut Vec<&'a Name>,
        groups: &mut Vec<Group<'a>>,
    ) {
        for selection in selections {
            if self.if_arg(selection, "skip").unwrap_or(false)
                || !self.if_arg(selection, "include").unwrap_or(true)
            {
                continue;
            }
            match selection {
                Selection::Field(field) => {
                    let key = field.response_key();
                    match groups.iter_mut().find(|g| g.key == key) {
                        Some(group) => group.more.push(field),
                        None => groups.push(Group::new(key, field)),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if visited.contains(&&spread.fragment_name) {
                        continue;
                    }
                    visited.push(&spread.fragment_name);
                    let Some(fragment) = self.document.fragments.get(&spread.fragment_name) else {
                        continue;
                    };
                    if !self.applies(object_type, fragment.type_condition()) {
                        continue;
                    }
                    self.collect(
                        object_type,
                        fragment.selection_set.selections.iter(),
                        visited,
                        groups,
                    );
                }
                Selection::InlineFragment(inline) => {
                    if let Some(condition) = &inline.type_condition
                        && !self.applies(object_type, condition)
                    {
                        continue;
                    }
                    self.collect(
                        object_type,
                        inline.selection_set.selections.iter(),
                        visited,
                        groups,
                    );
                }
            }
        }
    }

    fn applies(&self, object_type: Shape<'_>, condition: &Name) -> bool {
        match self.schema.types.get(condition) {
            Some(ExtendedType::Object(_)) => condition == object_type.name,
            Some(ExtendedType::Interface(_)) => {
                object_type.implements.contains(condition)
                    || (object_type.interface && condition == object_type.name)
            }
            Some(ExtendedType::Union(def)) => def.members.contains(object_type.name),
            _ => false,
        }
    }

    fn if_arg(&self, selection: &Selection, directive: &str) -> Option<bool> {
        match selection
            .directives()
            .get(directive)?
            .specified_argument_by_name("if")?
            .as_ref()
        {
            Value::Boolean(value) => Some(*value),
            Value::Variable(var) => self.variables.get(var.as_str())?.as_bool(),
            _ => None,
        }
    }

    /// Gives up where the executor's argument coercion could fail: a variable that is
    /// null or absent in a non-null argument, or a variable nested in a literal.
    fn check_arguments(
        &self,
        field: &Field,
        definitions: &[apollo_compiler::Node<apollo_compiler::schema::InputValueDefinition>],
    ) -> Projected<()> {
        for argument in &field.arguments {
            match argument.value.as_ref() {
                Value::Variable(var) => {
                    let definition = definitions
                        .iter()
                        .find(|d| d.name == argument.name)
                        .ok_or(Bail)?;
                    let value = self.variables.get(var.as_str());
                    if definition.ty.is_non_null() && value.is_none_or(JsonValue::is_null) {
                        return Err(Bail);
                    }
                }
                Value::List(_) | Value::Object(_) if has_variable(&argument.value) => {
                    return Err(Bail);
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// apollo-compiler's `complete_value`, over the data tree (see `shape::resolve`).
    fn complete(
        &self,
        ty: &'a Type,
        named: &'a ExtendedType,
        value: Option<&Data<'_>>,
        group: &Group<'a>,
        out: &mut impl Emit,
    ) -> Projected<()> {
        let value = match value {
            None | Some(Data::Null) if ty.is_non_null() => return Err(Bail),
            None | Some(Data::Null) => {
                out.value(&Data::Null);
                return Ok(());
            }
            Some(v) => v,
        };
        match ty {
            Type::List(inner) | Type::NonNullList(inner) => {
                let Data::Array(items) = value else {
                    return Err(Bail);
                };
                out.begin_list(items.len());
                for item in items {
                    self.complete(inner, named, Some(item), group, out)?;
                }
                out.end_list();
                Ok(())
            }
            Type::Named(name) | Type::NonNullNamed(name) => {
                match named {
                    ExtendedType::Object(def) => {
                        let Data::Object(map) = value else {
                            return Err(Bail);
                        };
                        self.nested(Shape::object(def), map, group, out)
                    }
                    ExtendedType::Interface(def)
                        if map_typename(value) == Some(name.as_str())
                            && !self
                                .schema
                                .types
                                .values()
                                .any(|t| t.is_object() && implements(t, name)) =>
                    {
                        let Data::Object(map) = value else {
                            return Err(Bail);
                        };
                        let shape = Shape {
                            name,
                            fields: &def.fields,
                            implements: &def.implements_interfaces,
                            interface: true,
                        };
                        self.nested(shape, map, group, out)
                    }
                    ExtendedType::Interface(_) | ExtendedType::Union(_) => {
                        let Data::Object(map) = value else {
                            return Err(Bail);
                        };
                        let typename = map.get("__typename").and_then(Data::as_str).ok_or(Bail)?;
                        if let Some((shape, prepared)) = group.prepared_for(typename) {
                            // A member of the abstract type: checked when prepared.
                            return self.object(shape, Some(map), &prepared, out);
                        }
                        let concrete = match self.schema.get_object(typename) {
                            Some(concrete) => concrete,
                            // An `@interfaceObject` answers with the interface's name:
                            // an implementation stands for it, as in the executor.
                            None if typename == name.as_str() => {
                                stand_in(self.schema, name).ok_or(Bail)?
                            }
                            None => return Err(Bail),
                        };
                        let belongs = match named {
                            ExtendedType::Union(def) => def.members.contains(&concrete.name),
                            _ => concrete.implements_interfaces.contains(name),
                        };
                        if !belongs {
                            return Err(Bail);
                        }
                        self.nested(Shape::object(concrete), map, group, out)
                    }
                    ExtendedType::Enum(def) => match value.as_str() {
                        Some(text) if def.values.contains_key(text) => {
                            out.value(value);
                            Ok(())
                        }
                        _ => Err(Bail),
                    },
                    ExtendedType::Scalar(_) => {
                        let coerced = leaf(group.scalar, value)?;
                        out.value(coerced.as_ref().unwrap_or(value));
                        Ok(())
                    }
                    ExtendedType::InputObject(_) => Err(Bail),
                }
            }
        }
    }

    /// `map` as `object_type` under `group`'s sub-selection, prepared on first use.
    fn nested(
        &self,
        object_type: Shape<'a>,
        map: &Map<'_>,
        group: &Group<'a>,
        out: &mut impl Emit,
    ) -> Projected<()> {
        let prepared = match group.prepared_for(object_type.name) {
            Some((_, prepared)) => prepared,
            None => {
                let selections = group
                    .fields()
                    .flat_map(|field| field.selection_set.selections.iter());
                let prepared = self.prepare(object_type, selections)?;
                group
                    .nested
                    .borrow_mut()
                    .push((object_type, prepared.clone()));
                prepared
            }
        };
        self.object(object_type, Some(map), &prepared, out)
    }
}

/// A scalar type, as far as result coercion tells them apart (worked out once per
/// field, not per value).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scalar {
    Int,
    Float,
    String,
    Boolean,
    Id,
    /// A custom scalar: any value stands.
    Other,
}

impl Scalar {
    fn of(name: &str) -> Self {
        match name {
            "Int" => Scalar::Int,
            "Float" => Scalar::Float,
            "String" => Scalar::String,
            "Boolean" => Scalar::Boolean,
            "ID" => Scalar::Id,
            _ => Scalar::Other,
        }
    }
}

/// Result coercion of a scalar, as the executor does it after `shape::resolve` (which
/// turns an integer for a Float into a float): `None` when the value stands as it is.
fn leaf(scalar: Scalar, value: &Data<'_>) -> Projected<Option<Data<'static>>> {
    let ok = match scalar {
        Scalar::Int => value.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
        Scalar::Float if value.is_i64() => {
            let float = serde_json::Number::from_f64(value.as_f64().unwrap_or_default());
            return float.map(|n| Some(Data::Number(n))).ok_or(Bail);
        }
        Scalar::Float => value.is_f64(),
        Scalar::String => value.is_string(),
        Scalar::Boolean => value.is_boolean(),
        Scalar::Id => value.is_string() || value.is_i64(),
        Scalar::Other => true,
    };
    if ok { Ok(None) } else { Err(Bail) }
}

fn map_typename<'v>(value: &'v Data<'_>) -> Option<&'v str> {
    value.as_object()?.get("__typename")?.as_str()
}

fn implements(ty: &ExtendedType, interface: &Name) -> bool {
    match ty {
        ExtendedType::Object(o) => o.implements_interfaces.contains(interface),
        _ => false,
    }
}

fn has_variable(value: &Value) -> bool {
    match value {
        Value::Variable(_) => true,
        Value::List(items) => items.iter().any(|v| has_variable(v)),
        Value::Object(fields) => fields.iter().any(|(_, v)| has_variable(v)),
        _ => false,
    }
}

/// The object type that stands for a value an `@interfaceObject` gave with the
/// interface's own name (the planner leaves it so only when nothing type-specific was
/// asked, so any implementation shapes the same fields): the first implementation.
/// Rare, so the implementers are found here, not kept.
pub(super) fn stand_in<'s>(
    schema: &'s Schema,
    interface: &Name,
) -> Option<&'s apollo_compiler::Node<ObjectType>> {
    schema
        .implementers_map()
        .get(interface.as_str())
        .and_then(|i| i.objects.iter().next())
        .and_then(|object| schema.get_object(object))
}
