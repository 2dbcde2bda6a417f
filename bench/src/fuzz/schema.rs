//! What the fuzzer needs to know of the API schema beyond apollo-compiler's model: the
//! possible object types of each composite type, which type conditions can apply where,
//! and the names to strip from error messages.

use std::collections::{BTreeSet, HashMap, HashSet};

use apollo_compiler::{
    ExecutableDocument, Name, Schema,
    ast::{FieldDefinition, OperationType},
    schema::ExtendedType,
    validation::Valid,
};

/// Why a schema cannot be fuzzed.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// The SDL is not a valid schema.
    #[error("the API schema is not valid:\n{0}")]
    Invalid(String),
    /// No query type: nothing to ask.
    #[error("the API schema has no query type")]
    NoQuery,
}

/// The API schema and what the generator derives from it once.
pub struct Model {
    /// The schema clients see.
    pub schema: Valid<Schema>,
    /// The query root type's name.
    pub query: Name,
    /// Object, interface and union types (introspection types left out), in schema
    /// order.
    composites: Vec<Name>,
    /// The object types a value of each composite type can be.
    possible: HashMap<Name, BTreeSet<Name>>,
    /// For each composite type, the type conditions a fragment in its selection set may
    /// have (the spec's "fragment spread is possible": intersecting possible types).
    overlapping: HashMap<Name, Vec<Name>>,
    /// Every type, field, argument and enum value name.
    names: HashSet<String>,
}

impl Model {
    /// Parses an API schema.
    pub fn parse(sdl: &str) -> Result<Self, SchemaError> {
        let schema = Schema::parse_and_validate(sdl, "api.graphql")
            .map_err(|e| SchemaError::Invalid(e.errors.to_string()))?;
        Self::new(schema)
    }

    /// Builds the model of a validated schema.
    pub fn new(schema: Valid<Schema>) -> Result<Self, SchemaError> {
        let query = schema
            .root_operation(OperationType::Query)
            .cloned()
            .ok_or(SchemaError::NoQuery)?;
        let implementers = schema.implementers_map();
        let mut composites = Vec::new();
        let mut possible = HashMap::new();
        let mut names = HashSet::new();
        for (name, ty) in &schema.types {
            if name.starts_with("__") {
                continue;
            }
            names.insert(name.to_string());
            let objects: BTreeSet<Name> = match ty {
                ExtendedType::Object(_) => [name.clone()].into(),
                ExtendedType::Interface(_) => implementers
                    .get(name)
                    .map(|i| i.objects.iter().cloned().collect())
                    .unwrap_or_default(),
                ExtendedType::Union(union) => {
                    union.members.iter().map(|m| m.name.clone()).collect()
                }
                ExtendedType::Enum(e) => {
                    names.extend(e.values.keys().map(ToString::to_string));
                    continue;
                }
                ExtendedType::InputObject(input) => {
                    names.extend(input.fields.keys().map(ToString::to_string));
                    continue;
                }
                ExtendedType::Scalar(_) => continue,
            };
            if let ExtendedType::Object(o) = ty {
                add_field_names(&mut names, o.fields.values().map(|f| &***f));
            }
            if let ExtendedType::Interface(i) = ty {
                add_field_names(&mut names, i.fields.values().map(|f| &***f));
            }
            composites.push(name.clone());
            possible.insert(name.clone(), objects);
        }
        let mut overlapping = HashMap::new();
        for a in &composites {
            let candidates = composites
                .iter()
                .filter(|b| !possible[a].is_disjoint(&possible[*b]))
                .cloned()
                .collect();
            overlapping.insert(a.clone(), candidates);
        }
        Ok(Self {
            schema,
            query,
            composites,
            possible,
            overlapping,
            names,
        })
    }

    /// Whether the type has selection sets (object, interface, union).
    pub fn is_composite(&self, name: &str) -> bool {
        self.possible.contains_key(name)
    }

    /// Whether the type is a union (only `__typename` and fragments select on it).
    pub fn is_union(&self, name: &str) -> bool {
        matches!(self.schema.types.get(name), Some(ExtendedType::Union(_)))
    }

    /// Whether the type is an interface or a union.
    pub fn is_abstract(&self, name: &str) -> bool {
        matches!(
            self.schema.types.get(name),
            Some(ExtendedType::Union(_) | ExtendedType::Interface(_))
        )
    }

    /// The explicit fields of an object or interface type.
    pub fn fields(&self, name: &str) -> Vec<&FieldDefinition> {
        match self.schema.types.get(name) {
            Some(ExtendedType::Object(o)) => o.fields.values().map(|f| &***f).collect(),
            Some(ExtendedType::Interface(i)) => i.fields.values().map(|f| &***f).collect(),
            _ => Vec::new(),
        }
    }

    /// A field of a type, `__typename` included.
    pub fn field(&self, parent: &str, name: &str) -> Option<&FieldDefinition> {
        self.schema.type_field(parent, name).ok().map(|f| &***f)
    }

    /// The object types a value of this type can be.
    pub fn possible(&self, name: &str) -> Option<&BTreeSet<Name>> {
        self.possible.get(name)
    }

    /// The type conditions a fragment may have in a selection set on `name`.
    pub fn overlapping(&self, name: &str) -> &[Name] {
        self.overlapping.get(name).map_or(&[], Vec::as_slice)
    }

    /// All composite types.
    pub fn composites(&self) -> &[Name] {
        &self.composites
    }

    /// Whether a word is a name of the schema (stripped from error messages).
    pub fn is_name(&self, word: &str) -> bool {
        self.names.contains(word)
    }

    /// Validates an operation: `Err` carries apollo-compiler's messages.
    pub fn validate(&self, text: &str) -> Result<(), String> {
        ExecutableDocument::parse_and_validate(&self.schema, text, "op.graphql")
            .map(|_| ())
            .map_err(|e| e.errors.to_string())
    }
}

fn add_field_names<'a>(
    names: &mut HashSet<String>,
    fields: impl Iterator<Item = &'a FieldDefinition>,
) {
    for field in fields {
        names.insert(field.name.to_string());
        names.extend(field.arguments.iter().map(|a| a.name.to_string()));
    }
}
