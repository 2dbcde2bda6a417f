//! The supergraph: which subgraph resolves which type and field, under which keys,
//! read from the `join__*` directives of a standard Federation v2 supergraph SDL.
//!
//! # Layout
//! - this file: the join metadata model and its queries.
//! - [`api_schema`]: the schema clients see (no join machinery, nothing `@inaccessible`).
//! - [`variant`]: contract variants (`@tag` filtering) as supergraphs with `@inaccessible`.

pub mod api_schema;
pub mod variant;

use std::collections::HashMap;

use apollo_compiler::{
    Name, Schema,
    ast::Value,
    collections::HashMap as AcHashMap,
    executable::{FieldSet, SelectionSet},
    schema::{ExtendedType, Implementers},
    validation::Valid,
};

/// Why a supergraph cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SupergraphError {
    /// The SDL is not a valid schema.
    #[error("the supergraph is not a valid schema:\n{0}")]
    Invalid(String),
    /// It is valid GraphQL but not a Federation v2 supergraph.
    #[error("the supergraph is not a Federation v2 supergraph: {0}")]
    NotFederated(String),
    /// It links a spec for execution or security that this router does not implement:
    /// serving it without would answer wrongly, or let through what it must not.
    #[error("the supergraph links {url} for {purpose}, which this router does not implement")]
    Unsupported {
        /// The spec's URL, version included.
        url: String,
        /// `EXECUTION` or `SECURITY`.
        purpose: String,
    },
    /// A key, requires or provides field set does not parse against its type.
    #[error("invalid field set `{fields}` on `{type_name}` in subgraph `{subgraph}`: {message}")]
    FieldSet {
        /// The subgraph.
        subgraph: String,
        /// The type.
        type_name: String,
        /// The field set.
        fields: String,
        /// What is wrong.
        message: String,
    },
}

/// A subgraph as the supergraph names it.
#[derive(Debug, Clone)]
pub struct Subgraph {
    /// Its name (`join__graph(name:)`).
    pub name: String,
    /// Where to send fetches.
    pub url: String,
}

/// Index of a subgraph in [`Supergraph::subgraphs`].
pub type GraphId = usize;

/// How a type appears in one subgraph.
#[derive(Debug, Clone)]
pub struct TypeInGraph {
    /// The subgraph.
    pub graph: GraphId,
    /// Its keys there (field sets on the type); only resolvable keys can be jumped to.
    pub keys: Vec<Key>,
    /// `@interfaceObject`: the subgraph sees this interface as an object type.
    pub is_interface_object: bool,
}

/// An entity key.
#[derive(Debug, Clone)]
pub struct Key {
    /// The field set, as written.
    pub fields: String,
    /// Parsed against the type.
    pub selection: SelectionSet,
    /// Whether the subgraph resolves entities by this key.
    pub resolvable: bool,
}

/// How a field appears in one subgraph (`@join__field`).
#[derive(Debug, Clone)]
pub struct FieldJoin {
    /// The subgraph.
    pub graph: GraphId,
    /// `@requires`, parsed against the parent type.
    pub requires: Option<SelectionSet>,
    /// `@provides`, parsed against the field's type.
    pub provides: Option<SelectionSet>,
    /// `@external`: the subgraph only references it.
    pub external: bool,
    /// Overridden away from this subgraph but still used (e.g. in a key).
    pub used_overridden: bool,
    /// Progressive override label (`percent(n)` or a name).
    pub override_label: Option<String>,
    /// `@override(from:)`: the subgraph this one takes the field from.
    pub overrides: Option<String>,
    /// The field's named type in this subgraph, when it differs from the supergraph's
    /// (`@join__field(type:)`, e.g. a union member where the supergraph has the union).
    pub named_type: Option<Name>,
    /// The field's full type in this subgraph, as `@join__field(type:)` spells it.
    pub type_in_graph: Option<String>,
}

/// Join metadata of a field.
#[derive(Debug, Clone, Default)]
pub struct FieldInfo {
    /// One entry per `@join__field` with a graph; empty means every subgraph of the type.
    pub joins: Vec<FieldJoin>,
    /// A bare `@join__field` (no graph): no subgraph of the object type resolves it;
    /// it comes from an `@interfaceObject` of one of its interfaces.
    pub via_interface_object: bool,
}

/// Join metadata of a type.
#[derive(Debug, Clone, Default)]
pub struct TypeInfo {
    /// One entry per `@join__type`.
    pub graphs: Vec<TypeInGraph>,
    /// Fields with join metadata.
    pub fields: HashMap<Name, FieldInfo>,
    /// For unions: `(subgraph, member)` per `@join__unionMember`.
    pub union_members: Vec<(GraphId, Name)>,
    /// For objects and interfaces: `(subgraph, interface)` per `@join__implements`.
    pub implements: Vec<(GraphId, Name)>,
}

/// A loaded supergraph.
#[derive(Clone)]
pub struct Supergraph {
    /// The supergraph schema, join directives included.
    pub schema: Valid<Schema>,
    /// The API schema clients see.
    pub api: Valid<Schema>,
    /// The API schema as the executor's fallback shapes with it, where it differs
    /// ([`api_schema::shaping`]: interfaces that nothing implements, as objects).
    pub shaping: Option<Valid<Schema>>,
    /// Implementers of each interface in the API schema.
    pub implementers: AcHashMap<Name, Implementers>,
    /// The subgraphs, in `join__Graph` order.
    pub subgraphs: Vec<Subgraph>,
    types: HashMap<Name, TypeInfo>,
    /// Progressive `@override` labels, sorted.
    override_labels: Vec<String>,
}

impl Supergraph {
    /// Parses and checks a supergraph SDL.
    pub fn parse(sdl: &str) -> Result<Self, SupergraphError> {
        let schema = Schema::parse_and_validate(sdl, "supergraph.graphql")
            .map_err(|e| SupergraphError::Invalid(e.errors.to_string()))?;
        check_links(&schema)?;
        let (subgraphs, by_enum) = read_graphs(&schema)?;
        let mut types = HashMap::new();
        for (name, ty) in &schema.types {
            if name.starts_with("join__") || name.starts_with("link__") {
                continue;
            }
            let info = read_type(&schema, name, ty, &by_enum, &subgraphs)?;
            types.insert(name.clone(), info);
        }
        let api = api_schema::derive(&schema)?;
        let implementers = api.implementers_map();
        let shaping = api_schema::shaping(&api);
        let mut override_labels: Vec<String> = types
            .values()
            .flat_map(|t| t.fields.values())
            .flat_map(|f| f.joins.iter())
            .filter_map(|j| j.override_label.clone())
            .collect();
        override_labels.sort();
        override_labels.dedup();
        Ok(Self {
            schema,
            api,
            shaping,
            implementers,
            subgraphs,
            types,
            override_labels,
        })
    }

    /// The progressive `@override` labels (`percent(n)` or names), sorted; empty when
    /// no override is progressive.
    pub fn override_labels(&self) -> &[String] {
        &self.override_labels
    }

    /// The `configured` labels no `@override` of this supergraph has (misspelt, or for
    /// a supergraph before or after a move).
    pub fn unknown_labels<'c>(
        &self,
        configured: &'c [String],
    ) -> impl Iterator<Item = &'c String> + use<'c, '_> {
        configured
            .iter()
            .filter(|label| !self.override_labels.contains(label))
    }

    /// This supergraph as planning sees it when exactly the `active` labels are on: a
    /// labelled `@override` moves its field to the overriding subgraph while its label
    /// is active, and leaves it with the original one otherwise. The other subgraph
    /// keeps knowing the field (as after a plain `@override` used in a key) but no
    /// longer resolves it.
    pub fn with_active_labels(&self, active: &[String]) -> Self {
        let mut variant = self.clone();
        for info in variant.types.values_mut() {
            for field in info.fields.values_mut() {
                for join in &mut field.joins {
                    let Some(label) = &join.override_label else {
                        continue;
                    };
                    let on = active.contains(label);
                    if on != join.overrides.is_some() {
                        join.used_overridden = true;
                    }
                }
            }
        }
        variant
    }

    /// Join metadata of a type.
    pub fn type_info(&self, name: &str) -> Option<&TypeInfo> {
        self.types.get(name)
    }

    /// How `type_name` appears in `graph`, if it does.
    pub fn type_in_graph(&self, type_name: &str, graph: GraphId) -> Option<&TypeInGraph> {
        self.types
            .get(type_name)?
            .graphs
            .iter()
            .find(|g| g.graph == graph)
    }

    /// Whether `graph` defines `type_name`.
    pub fn graph_has_type(&self, type_name: &str, graph: GraphId) -> bool {
        self.type_in_graph(type_name, graph).is_some()
    }

    /// The join of `type_name.field` in `graph`, when that field has explicit joins.
    pub fn field_join(&self, type_name: &str, field: &str, graph: GraphId) -> Option<&FieldJoin> {
        self.types
            .get(type_name)?
            .fields
            .get(field)?
            .joins
            .iter()
            .find(|j| j.graph == graph)
    }

    /// Whether `graph` resolves `type_name.field` itself (external fields do not count;
    /// `@provides` is the planner's business).
    pub fn resolves(&self, type_name: &str, field: &str, graph: GraphId) -> bool {
        if field.starts_with("__") {
            return self.graph_has_type(type_name, graph) || self.is_root(type_name);
        }
        let Some(info) = self.types.get(type_name) else {
            return false;
        };
        match info.fields.get(field) {
            Some(f) if !f.joins.is_empty() => f
                .joins
                .iter()
                .any(|j| j.graph == graph && !j.external && !j.used_overridden),
            Some(f) if f.via_interface_object => false,
            _ => info.graphs.iter().any(|g| g.graph == graph),
        }
    }

    /// Whether, in `graph`'s own schema, an object of `concrete` can stand where
    /// `abstract_type` is expected (its union members and implementations can differ
    /// from the supergraph's).
    pub fn possible_in_graph(&self, abstract_type: &str, concrete: &str, graph: GraphId) -> bool {
        if abstract_type == concrete {
            return true;
        }
        match self.schema.types.get(abstract_type) {
            Some(ExtendedType::Union(_)) => self.types.get(abstract_type).is_some_and(|t| {
                t.union_members
                    .iter()
                    .any(|(g, m)| *g == graph && m == concrete)
            }),
            Some(ExtendedType::Interface(_)) => {
                let Some(info) = self.types.get(concrete) else {
                    return false;
                };
                // Without @join__implements the supergraph relation holds everywhere.
                if info.implements.is_empty() {
                    return self.schema.is_subtype(abstract_type, concrete);
                }
                info.implements
                    .iter()
                    .any(|(g, i)| *g == graph && i == abstract_type)
            }
            _ => false,
        }
    }

    /// Whether `graph` sees `type_name` (an interface) as an `@interfaceObject`.
    pub fn is_interface_object(&self, type_name: &str, graph: GraphId) -> bool {
        self.type_in_graph(type_name, graph)
            .is_some_and(|t| t.is_interface_object)
    }

    /// An interface of object `type_name` that some subgraph sees as an
    /// `@interfaceObject` and that resolves `field` there: `(interface, subgraph)`.
    pub fn interface_object_for(&self, type_name: &str, field: &str) -> Option<(Name, GraphId)> {
        let object = self.schema.get_object(type_name)?;
        object.implements_interfaces.iter().find_map(|interface| {
            (0..self.subgraphs.len())
                .find(|g| {
                    self.is_interface_object(interface, *g) && self.resolves(interface, field, *g)
                })
                .map(|g| (interface.name.clone(), g))
        })
    }

    /// Whether `graph` knows `type_name.field` at all (external included).
    pub fn knows_field(&self, type_name: &str, field: &str, graph: GraphId) -> bool {
        let Some(info) = self.types.get(type_name) else {
            return false;
        };
        match info.fields.get(field) {
            Some(f) if !f.joins.is_empty() => f.joins.iter().any(|j| j.graph == graph),
            _ => info.graphs.iter().any(|g| g.graph == graph),
        }
    }

    /// Subgraphs that resolve `type_name.field`, in supergraph order.
    pub fn resolvers(&self, type_name: &str, field: &str) -> Vec<GraphId> {
        (0..self.subgraphs.len())
            .filter(|g| self.resolves(type_name, field, *g))
            .collect()
    }

    /// Whether the type is a root operation type.
    pub fn is_root(&self, type_name: &str) -> bool {
        self.schema
            .schema_definition
            .iter_root_operations()
            .any(|(_, name)| name.name == type_name)
    }

    /// The resolvable keys of `type_name` in `graph`.
    pub fn keys(&self, type_name: &str, graph: GraphId) -> impl Iterator<Item = &Key> {
        self.type_in_graph(type_name, graph)
            .into_iter()
            .flat_map(|t| t.keys.iter().filter(|k| k.resolvable))
    }

    /// Whether the supergraph type is a union.
    pub fn is_union(&self, type_name: &str) -> bool {
        matches!(
            self.schema.types.get(type_name),
            Some(ExtendedType::Union(_))
        )
    }

    /// Whether the supergraph type is abstract (interface or union).
    pub fn is_abstract(&self, type_name: &str) -> bool {
        matches!(
            self.schema.types.get(type_name),
            Some(ExtendedType::Interface(_) | ExtendedType::Union(_))
        )
    }

    /// Whether the supergraph type has fields (object, interface) or members (union).
    pub fn is_composite(&self, type_name: &str) -> bool {
        matches!(
            self.schema.types.get(type_name),
            Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_))
        )
    }

    /// Object types that may stand where `type_name` is expected, per the API schema.
    pub fn possible_types(&self, type_name: &str) -> Vec<Name> {
        match self.schema.types.get(type_name) {
            Some(ExtendedType::Object(o)) => vec![o.name.clone()],
            Some(ExtendedType::Union(u)) => u.members.iter().map(|m| m.name.clone()).collect(),
            Some(ExtendedType::Interface(_)) => self
                .schema
                .implementers_map()
                .get(type_name)
                .map(|i| i.objects.iter().cloned().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

/// The join spec's identity (its URL without the version).
const JOIN: &str = "https://specs.apollo.dev/join";

/// The versions of the join spec read here (Federation 2.0 to 2.9 compose to these).
const JOIN_VERSIONS: std::ops::RangeInclusive<u32> = 2..=5;

/// Specs this router implements, by identity: those a supergraph may link
/// `for: EXECUTION` or `for: SECURITY`.
const IMPLEMENTED: [&str; 6] = [
    "https://specs.apollo.dev/link",
    JOIN,
    "https://specs.apollo.dev/inaccessible",
    "https://specs.apollo.dev/authenticated",
    "https://specs.apollo.dev/requiresScopes",
    "https://specs.apollo.dev/policy",
];

/// The supergraph's `@link`s: a Federation 2 join spec of a version read here, and no
/// spec for execution or security that the router does not implement.
fn check_links(schema: &Schema) -> Result<(), SupergraphError> {
    let directives = &schema.schema_definition.directives;
    if directives.get("core").is_some() {
        return Err(SupergraphError::NotFederated(
            "it uses `@core`, as Federation 1 composed; compose it with Federation 2".into(),
        ));
    }
    let links = directives.get_all("link").filter_map(|link| {
        let url = link.specified_argument_by_name("url")?.as_str()?;
        let purpose = match link.specified_argument_by_name("for").map(|v| &**v) {
            Some(Value::Enum(purpose)) => Some(purpose.as_str()),
            _ => None,
        };
        Some((url, purpose))
    });
    let mut join = None;
    for (url, purpose) in links {
        let (identity, version) = url.rsplit_once('/').unwrap_or((url, ""));
        if identity == JOIN {
            join = Some(version);
        }
        if let Some(purpose @ ("EXECUTION" | "SECURITY")) = purpose
            && !IMPLEMENTED.contains(&identity)
        {
            return Err(SupergraphError::Unsupported {
                url: url.to_owned(),
                purpose: purpose.to_owned(),
            });
        }
    }
    let Some(version) = join else {
        return Err(SupergraphError::NotFederated(format!(
            "no `@link` to the join spec ({JOIN}/v0.x) on its schema definition"
        )));
    };
    let minor = version
        .strip_prefix("v0.")
        .and_then(|minor| minor.parse::<u32>().ok());
    match minor {
        Some(minor) if JOIN_VERSIONS.contains(&minor) => Ok(()),
        _ => Err(SupergraphError::NotFederated(format!(
            "it links join {version}; this router reads join v0.{} to v0.{}",
            JOIN_VERSIONS.start(),
            JOIN_VERSIONS.end()
        ))),
    }
}

fn read_graphs(
    schema: &Schema,
) -> Result<(Vec<Subgraph>, HashMap<Name, GraphId>), SupergraphError> {
    let Some(ExtendedType::Enum(graphs)) = schema.types.get("join__Graph") else {
        return Err(SupergraphError::NotFederated(
            "no `enum join__Graph`".into(),
        ));
    };
    let mut subgraphs = Vec::new();
    let mut by_enum = HashMap::new();
    for (value, def) in &graphs.values {
        let directive = def.directives.get("join__graph").ok_or_else(|| {
            SupergraphError::NotFederated(format!("join__Graph.{value} has no @join__graph"))
        })?;
        let arg = |name: &str| {
            directive
                .specified_argument_by_name(name)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let name = arg("name").unwrap_or_else(|| value.to_string().to_lowercase());
        let url = arg("url").unwrap_or_default();
        by_enum.insert(value.clone(), subgraphs.len());
        subgraphs.push(Subgraph { name, url });
    }
    Ok((subgraphs, by_enum))
}

fn enum_graph(
    value: Option<&apollo_compiler::Node<Value>>,
    by_enum: &HashMap<Name, GraphId>,
) -> Option<GraphId> {
    match value.map(|v| &**v) {
        Some(Value::Enum(name)) => by_enum.get(name).copied(),
        _ => None,
    }
}

fn bool_arg(d: &apollo_compiler::ast::Directive, name: &str) -> Option<bool> {
    d.specified_argument_by_name(name).and_then(|v| v.to_bool())
}

fn str_arg(d: &apollo_compiler::ast::Directive, name: &str) -> Option<String> {
    d.specified_argument_by_name(name)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

fn parse_field_set(
    schema: &Valid<Schema>,
    type_name: &Name,
    fields: &str,
    subgraph: &Subgraph,
) -> Result<SelectionSet, SupergraphError> {
    FieldSet::parse_and_validate(schema, type_name.clone(), fields, "field_set.graphql")
        .map(|fs| fs.into_inner().selection_set)
        .map_err(|e| SupergraphError::FieldSet {
            subgraph: subgraph.name.clone(),
            type_name: type_name.to_string(),
            fields: fields.to_owned(),
            message: e.errors.to_string(),
        })
}

fn read_type(
    schema: &Valid<Schema>,
    name: &Name,
    ty: &ExtendedType,
    by_enum: &HashMap<Name, GraphId>,
    subgraphs: &[Subgraph],
) -> Result<TypeInfo, SupergraphError> {
    let mut info = TypeInfo::default();
    for d in ty.directives().get_all("join__type") {
        let Some(graph) = enum_graph(d.specified_argument_by_name("graph"), by_enum) else {
            continue;
        };
        let mut keys = Vec::new();
        if let Some(fields) = str_arg(d, "key") {
            let selection = parse_field_set(schema, name, &fields, &subgraphs[graph])?;
            keys.push(Key {
                fields,
                selection,
                resolvable: bool_arg(d, "resolvable").unwrap_or(true),
            });
        }
        match info.graphs.iter_mut().find(|g| g.graph == graph) {
            Some(existing) => existing.keys.extend(keys),
            None => info.graphs.push(TypeInGraph {
                graph,
                keys,
                is_interface_object: bool_arg(d, "isInterfaceObject").unwrap_or(false),
            }),
        }
    }
    for d in ty.directives().get_all("join__unionMember") {
        if let (Some(graph), Some(member)) = (
            enum_graph(d.specified_argument_by_name("graph"), by_enum),
            str_arg(d, "member"),
        ) {
            info.union_members
                .push((graph, Name::new(&member).unwrap_or_else(|_| name.clone())));
        }
    }
    for d in ty.directives().get_all("join__implements") {
        if let (Some(graph), Some(interface)) = (
            enum_graph(d.specified_argument_by_name("graph"), by_enum),
            str_arg(d, "interface"),
        ) {
            info.implements.push((
                graph,
                Name::new(&interface).unwrap_or_else(|_| name.clone()),
            ));
        }
    }
    let fields = match ty {
        ExtendedType::Object(o) => Some(&o.fields),
        ExtendedType::Interface(i) => Some(&i.fields),
        _ => None,
    };
    for (field_name, field) in fields.into_iter().flatten() {
        let mut joins = Vec::new();
        let mut via_interface_object = false;
        for d in field.directives.get_all("join__field") {
            let Some(graph) = enum_graph(d.specified_argument_by_name("graph"), by_enum) else {
                via_interface_object = true;
                continue;
            };
            let requires = str_arg(d, "requires")
                .map(|f| parse_field_set(schema, name, &f, &subgraphs[graph]))
                .transpose()?;
            let field_type = field.ty.inner_named_type();
            let provides = match str_arg(d, "provides") {
                Some(f) => Some(parse_field_set(schema, field_type, &f, &subgraphs[graph])?),
                None => None,
            };
            joins.push(FieldJoin {
                graph,
                requires,
                provides,
                external: bool_arg(d, "external").unwrap_or(false),
                used_overridden: bool_arg(d, "usedOverridden").unwrap_or(false),
                override_label: str_arg(d, "overrideLabel"),
                overrides: str_arg(d, "override"),
                named_type: str_arg(d, "type")
                    .map(|t| t.trim_matches(|c| matches!(c, '[' | ']' | '!')).to_owned())
                    .and_then(|t| Name::new(&t).ok()),
                type_in_graph: str_arg(d, "type"),
            });
        }
        info.fields.insert(
            field_name.clone(),
            FieldInfo {
                joins,
                via_interface_object,
            },
        );
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELLED: &str = include_str!("../../tests/fixtures/override-labels.graphql");

    /// Why the fixture with `from` replaced by `to` cannot be served.
    fn refused(from: &str, to: &str) -> String {
        assert!(LABELLED.contains(from), "{from}");
        Supergraph::parse(&LABELLED.replacen(from, to, 1))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| panic!("`{to}` is served"))
    }

    #[test]
    fn configured_labels_no_override_has_are_found() {
        let sg = Supergraph::parse(LABELLED).expect("loads");
        let configured = ["new-colour".to_owned(), "new-color".to_owned()];
        let unknown: Vec<&String> = sg.unknown_labels(&configured).collect();
        assert_eq!(unknown, ["new-color"]);
    }

    #[test]
    fn a_supergraph_that_cannot_be_served_is_refused_saying_why() {
        Supergraph::parse(LABELLED).expect("the fixture itself is served");
        let join = r#"@link(url: "https://specs.apollo.dev/join/v0.4", for: EXECUTION)"#;
        assert!(
            refused("type Product", "typo Product")
                .starts_with("the supergraph is not a valid schema:\nError: syntax error"),
        );
        assert_eq!(
            refused(join, ""),
            "the supergraph is not a Federation v2 supergraph: no `@link` to the join spec (https://specs.apollo.dev/join/v0.x) on its schema definition"
        );
        assert_eq!(
            refused(
                join,
                r#"@link(url: "https://specs.apollo.dev/join/v0.1", for: EXECUTION)"#
            ),
            "the supergraph is not a Federation v2 supergraph: it links join v0.1; this router reads join v0.2 to v0.5"
        );
        assert_eq!(
            refused(
                join,
                r#"@link(url: "https://specs.apollo.dev/join/v0.4", for: EXECUTION) @link(url: "https://specs.apollo.dev/context/v0.1", for: SECURITY)"#
            ),
            "the supergraph links https://specs.apollo.dev/context/v0.1 for SECURITY, which this router does not implement"
        );
        // A spec without a purpose (`@tag`, say) is only metadata.
        Supergraph::parse(&LABELLED.replacen(
            join,
            r#"@link(url: "https://specs.apollo.dev/join/v0.4", for: EXECUTION) @link(url: "https://specs.apollo.dev/tag/v0.3")"#,
            1,
        ))
        .expect("served");
        assert!(
            refused(r#"@join__type(graph: A, key: "id")"#, r#"@join__type(graph: A, key: "sku")"#)
                .starts_with("invalid field set `sku` on `Product` in subgraph `a`: Error: type `Product` does not have a field `sku`")
        );
        assert_eq!(
            refused(
                r#"A @join__graph(name: "a", url: "http://127.0.0.1:1/a")"#,
                "A"
            ),
            "the supergraph is not a Federation v2 supergraph: join__Graph.A has no @join__graph"
        );
    }
}
