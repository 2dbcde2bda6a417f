//! Authorization directives: `@authenticated`, `@requiresScopes(scopes: [[Scope!]!]!)` and
//! `@policy(policies: [[Policy!]!]!)` on fields, and on the types (objects, interfaces,
//! scalars, enums) fields return, read from the supergraph.
//!
//! Before planning, the router lists the fields of the operation the caller may not see
//! (a field is denied when its own requirement or its return type's is not met; nothing
//! below a denied field is looked at). None: the cached plan runs as is. Some: by
//! default the operation is planned again without them (cached per set of denied
//! fields), the response is shaped from the original operation so each denied field is
//! `null` (nulls propagate per the spec for non-null fields), and each gets an
//! `UNAUTHORIZED_FIELD_OR_TYPE` error with its path. In `reject` mode the whole
//! operation is refused instead.
//!
//! `@requiresScopes`: any one inner list whose scopes the caller all holds.
//! `@policy`: any one inner list whose policies all hold for the caller (policies are
//! evaluated from the access token's claims when it is verified: [`crate::auth`]).
//! Both imply a signed-in caller.

use std::collections::{HashMap, HashSet};

use apollo_compiler::{
    ExecutableDocument, Name, Node, Schema,
    ast::{Directive, Value},
    executable::{Field, Operation, Selection, SelectionSet},
    response::JsonValue,
    schema::ExtendedType,
    validation::Valid,
};
use tessera_codes::ErrorCode;
use tessera_identity::Identity;

use crate::error::GraphqlError;

/// What seeing a field or a type takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirement {
    /// `@authenticated`.
    pub authenticated: bool,
    /// `@requiresScopes`: alternatives, each a set of scopes.
    pub scopes: Vec<Vec<String>>,
    /// `@policy`: alternatives, each a set of policies.
    pub policies: Vec<Vec<String>>,
}

impl Requirement {
    fn read(directives: &[&Node<Directive>]) -> Option<Self> {
        let mut requirement = Self::default();
        for directive in directives {
            match directive.name.as_str() {
                "authenticated" => requirement.authenticated = true,
                "requiresScopes" => requirement.scopes = nested(directive, "scopes"),
                "policy" => requirement.policies = nested(directive, "policies"),
                _ => {}
            }
        }
        (requirement != Self::default()).then_some(requirement)
    }

    /// Whether `identity` meets it.
    pub fn met_by(&self, identity: &Identity) -> bool {
        let signed_in = identity.subject.is_some();
        let any_all = |alternatives: &[Vec<String>], holds: &dyn Fn(&str) -> bool| {
            alternatives.is_empty() || alternatives.iter().any(|all| all.iter().all(|x| holds(x)))
        };
        let needs_sign_in =
            self.authenticated || !self.scopes.is_empty() || !self.policies.is_empty();
        (signed_in || !needs_sign_in)
            && any_all(&self.scopes, &|s| identity.has_scope(s))
            && any_all(&self.policies, &|p| identity.has_policy(p))
    }

    fn describe(&self) -> String {
        let mut needs = Vec::new();
        if self.authenticated {
            needs.push("a signed-in caller".to_owned());
        }
        let alternatives = |alts: &[Vec<String>]| {
            alts.iter()
                .map(|all| all.join(" and "))
                .collect::<Vec<_>>()
                .join(", or ")
        };
        if !self.scopes.is_empty() {
            needs.push(format!("scope {}", alternatives(&self.scopes)));
        }
        if !self.policies.is_empty() {
            needs.push(format!("policy {}", alternatives(&self.policies)));
        }
        needs.join("; ")
    }
}

fn nested(directive: &Directive, argument: &str) -> Vec<Vec<String>> {
    directive
        .specified_argument_by_name(argument)
        .and_then(|v| v.as_list())
        .map(|outer| {
            outer
                .iter()
                .map(|inner| {
                    inner
                        .as_list()
                        .map(|items| {
                            items
                                .iter()
                                .filter_map(|i| i.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The requirements of a supergraph. An interface field also carries the requirements
/// of that field on every implementation (asked through the interface, it may return
/// any of them), so a protected field cannot be reached around its directive.
#[derive(Debug, Clone, Default)]
pub struct Authorization {
    fields: HashMap<(Name, Name), Vec<Requirement>>,
    types: HashMap<Name, Requirement>,
}

/// A field the caller may not see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    /// Its response path (response keys; list items are not counted).
    pub path: Vec<String>,
    /// `Type.field`.
    pub coordinate: (Name, Name),
    /// What it takes.
    pub needs: String,
}

impl Authorization {
    /// Reads the directives of `schema` (the supergraph).
    pub fn from_schema(schema: &Schema) -> Self {
        let mut auth = Self::default();
        for (name, ty) in &schema.types {
            let own: Vec<&Node<Directive>> = ty.directives().iter().map(|d| &d.node).collect();
            if let Some(requirement) = Requirement::read(&own) {
                auth.types.insert(name.clone(), requirement);
            }
            let fields = match ty {
                ExtendedType::Object(o) => &o.fields,
                ExtendedType::Interface(i) => &i.fields,
                _ => continue,
            };
            for (field_name, field) in fields {
                let directives: Vec<&Node<Directive>> = field.directives.iter().collect();
                if let Some(requirement) = Requirement::read(&directives) {
                    auth.fields
                        .entry((name.clone(), field_name.clone()))
                        .or_default()
                        .push(requirement);
                }
            }
        }
        // Interface fields inherit their implementations' requirements.
        for (interface, implementers) in schema.implementers_map() {
            let Some(ExtendedType::Interface(iface)) = schema.types.get(&interface) else {
                continue;
            };
            for field_name in iface.fields.keys() {
                let inherited: Vec<Requirement> = implementers
                    .iter()
                    .filter_map(|object| auth.fields.get(&(object.clone(), field_name.clone())))
                    .flatten()
                    .cloned()
                    .collect();
                if !inherited.is_empty() {
                    let entry = auth
                        .fields
                        .entry((interface.clone(), field_name.clone()))
                        .or_default();
                    for requirement in inherited {
                        if !entry.contains(&requirement) {
                            entry.push(requirement);
                        }
                    }
                }
            }
        }
        auth
    }

    /// Whether the supergraph has no authorization directive at all.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.types.is_empty()
    }

    /// The fields of `operation` that `identity` may not see, in document order.
    pub fn denied(
        &self,
        document: &ExecutableDocument,
        operation: &Operation,
        identity: &Identity,
    ) -> Vec<Denied> {
        let mut out = Vec::new();
        if !self.is_empty() {
            let mut path = Vec::new();
            self.walk(
                document,
                &operation.selection_set,
                identity,
                &mut path,
                &mut out,
                0,
            );
        }
        out
    }

    fn unmet(&self, field: &Field, parent: &Name, identity: &Identity) -> Option<String> {
        let own = self
            .fields
            .get(&(parent.clone(), field.name.clone()))
            .into_iter()
            .flatten();
        let returned = self.types.get(field.definition.ty.inner_named_type());
        let unmet: Vec<String> = own
            .chain(returned)
            .filter(|r| !r.met_by(identity))
            .map(Requirement::describe)
            .collect();
        (!unmet.is_empty()).then(|| unmet.join("; "))
    }

    fn walk(
        &self,
        document: &ExecutableDocument,
        set: &SelectionSet,
        identity: &Identity,
        path: &mut Vec<String>,
        out: &mut Vec<Denied>,
        fragment_depth: u32,
    ) {
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    path.push(field.response_key().to_string());
                    if let Some(needs) = self.unmet(field, &set.ty, identity) {
                        let denied = Denied {
                            path: path.clone(),
                            coordinate: (set.ty.clone(), field.name.clone()),
                            needs,
                        };
                        if !out.contains(&denied) {
                            out.push(denied);
                        }
                    } else {
                        self.walk(
                            document,
                            &field.selection_set,
                            identity,
                            path,
                            out,
                            fragment_depth,
                        );
                    }
                    path.pop();
                }
                Selection::InlineFragment(inline) => {
                    self.walk(
                        document,
                        &inline.selection_set,
                        identity,
                        path,
                        out,
                        fragment_depth,
                    );
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = document.fragments.get(&spread.fragment_name)
                        && fragment_depth < 64
                    {
                        self.walk(
                            document,
                            &fragment.selection_set,
                            identity,
                            path,
                            out,
                            fragment_depth + 1,
                        );
                    }
                }
            }
        }
    }
}

/// `document` without the `denied` fields (by coordinate, everywhere they occur): a
/// selection set left empty selects `__typename`, and variables and fragments no longer
/// used are dropped so the result validates.
pub fn without(
    schema: &Valid<Schema>,
    document: &Valid<ExecutableDocument>,
    operation_name: Option<&str>,
    denied: &[Denied],
) -> Result<Valid<ExecutableDocument>, String> {
    let coordinates: HashSet<&(Name, Name)> = denied.iter().map(|d| &d.coordinate).collect();
    let mut doc = (**document).clone();
    // Keep only the selected operation, then what it still uses.
    let mut keep = doc
        .operations
        .get(operation_name)
        .map_err(|e| e.message().to_string())?
        .clone();
    prune(schema, &mut keep.make_mut().selection_set, &coordinates);
    for fragment in doc.fragments.values_mut() {
        prune(schema, &mut fragment.make_mut().selection_set, &coordinates);
    }
    let mut used_fragments = HashSet::new();
    let mut used_variables = HashSet::new();
    uses(
        &doc,
        &keep.selection_set,
        &mut used_fragments,
        &mut used_variables,
    );
    for directive in &keep.directives {
        variables_of_directive(directive, &mut used_variables);
    }
    keep.make_mut()
        .variables
        .retain(|v| used_variables.contains(&v.name));
    doc.operations = apollo_compiler::executable::OperationMap::from_one(keep);
    doc.fragments
        .retain(|name, _| used_fragments.contains(name));
    doc.validate(schema).map_err(|e| e.errors.to_string())
}

fn prune(schema: &Schema, set: &mut SelectionSet, denied: &HashSet<&(Name, Name)>) {
    let ty = set.ty.clone();
    set.selections.retain_mut(|selection| match selection {
        Selection::Field(field) => {
            if denied.contains(&(ty.clone(), field.name.clone())) {
                return false;
            }
            prune(schema, &mut field.make_mut().selection_set, denied);
            true
        }
        Selection::InlineFragment(inline) => {
            prune(schema, &mut inline.make_mut().selection_set, denied);
            true
        }
        Selection::FragmentSpread(_) => true,
    });
    let leaf = schema.types.get(&ty).is_none_or(ExtendedType::is_leaf);
    if set.selections.is_empty()
        && !leaf
        && let Ok(field) = set.new_field(schema, Name::new_static_unchecked("__typename"))
    {
        set.push(field);
    }
}

fn uses(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    fragments: &mut HashSet<Name>,
    variables: &mut HashSet<Name>,
) {
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => {
                for argument in &field.arguments {
                    variables_of(&argument.value, variables);
                }
                for directive in &field.directives {
                    variables_of_directive(directive, variables);
                }
                uses(doc, &field.selection_set, fragments, variables);
            }
            Selection::InlineFragment(inline) => {
                for directive in &inline.directives {
                    variables_of_directive(directive, variables);
                }
                uses(doc, &inline.selection_set, fragments, variables);
            }
            Selection::FragmentSpread(spread) => {
                for directive in &spread.directives {
                    variables_of_directive(directive, variables);
                }
                if fragments.insert(spread.fragment_name.clone())
                    && let Some(fragment) = doc.fragments.get(&spread.fragment_name)
                {
                    uses(doc, &fragment.selection_set, fragments, variables);
                }
            }
        }
    }
}

fn variables_of_directive(directive: &Directive, variables: &mut HashSet<Name>) {
    for argument in &directive.arguments {
        variables_of(&argument.value, variables);
    }
}

fn variables_of(value: &Value, variables: &mut HashSet<Name>) {
    match value {
        Value::Variable(name) => {
            variables.insert(name.clone());
        }
        Value::List(items) => items.iter().for_each(|v| variables_of(v, variables)),
        Value::Object(fields) => fields.iter().for_each(|(_, v)| variables_of(v, variables)),
        _ => {}
    }
}

/// The client's error for a denied field.
pub fn error(denied: &Denied) -> GraphqlError {
    GraphqlError::new(
        ErrorCode::UnauthorizedFieldOrType,
        format!(
            "`{}.{}` needs {}",
            denied.coordinate.0, denied.coordinate.1, denied.needs
        ),
    )
    .at(denied
        .path
        .iter()
        .map(|k| JsonValue::String(k.as_str().into()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = r#"
        directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
        directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
        directive @policy(policies: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
        type Query { user: User  secret: Secret  plans: Int @requiresScopes(scopes: [["a", "b"], ["admin"]]) account: Account  salary: Money  level: Level }
        scalar Money @requiresScopes(scopes: [["finance"]])
        enum Level @policy(policies: [["premium"]]) { LOW HIGH }
        interface Account { email: String }
        type User implements Account { id: ID! email: String @authenticated  stats: Int @policy(policies: [["premium"]]) }
        type Team implements Account { email: String }
        type Secret @authenticated { value: Int }
    "#;

    fn who(subject: bool, scopes: &[&str], policies: &[&str]) -> Identity {
        Identity {
            subject: subject.then(|| "u".to_owned()),
            roles: vec![],
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            policies: policies.iter().map(|s| (*s).to_owned()).collect(),
            ..Identity::default()
        }
    }

    #[test]
    fn requirements_combine_alternatives_and_imply_a_signed_in_caller() {
        let schema = Schema::parse_and_validate(SDL, "s.graphql").expect("valid");
        let auth = Authorization::from_schema(&schema);
        let plans = &auth.fields[&(
            Name::new_static_unchecked("Query"),
            Name::new_static_unchecked("plans"),
        )][0];
        assert!(plans.met_by(&who(true, &["a", "b"], &[])));
        assert!(plans.met_by(&who(true, &["admin"], &[])));
        assert!(
            !plans.met_by(&who(true, &["a"], &[])),
            "one alternative needs all of its scopes"
        );
        assert!(
            !plans.met_by(&who(false, &["admin"], &[])),
            "scopes imply a signed-in caller"
        );
        assert_eq!(plans.describe(), "scope a and b, or admin");
        assert!(auth.types.contains_key("Secret"));
    }

    #[test]
    fn removing_fields_keeps_the_document_valid() {
        let schema = Schema::parse_and_validate(SDL, "s.graphql").expect("valid");
        let auth = Authorization::from_schema(&schema);
        let query = "query($show: Boolean!, $keep: Boolean!) { user @include(if: $keep) { ...F } secret { value } plans }
                     fragment F on User { email @include(if: $show) stats }";
        let document =
            ExecutableDocument::parse_and_validate(&schema, query, "q.graphql").expect("valid");
        let operation = document.operations.get(None).expect("one");
        let denied = auth.denied(&document, operation, &Identity::ANONYMOUS);
        let paths: Vec<String> = denied.iter().map(|d| d.path.join(".")).collect();
        assert_eq!(paths, ["user.email", "user.stats", "secret", "plans"]);
        let filtered = without(&schema, &document, None, &denied).expect("still valid");
        let text = filtered.to_string();
        assert!(text.contains("user @include(if: $keep)"), "{text}");
        assert!(
            !text.contains("$show"),
            "an unused variable is dropped: {text}"
        );
        assert!(
            text.contains("__typename"),
            "an emptied selection selects __typename: {text}"
        );
        assert!(
            !text.contains("email") && !text.contains("secret") && !text.contains("plans"),
            "{text}"
        );

        let premium_admin = who(true, &["admin"], &["premium"]);
        assert!(auth.denied(&document, operation, &premium_admin).is_empty());
    }

    #[test]
    fn scalars_and_enums_protect_every_field_returning_them() {
        let schema = Schema::parse_and_validate(SDL, "s.graphql").expect("valid");
        let auth = Authorization::from_schema(&schema);
        let document =
            ExecutableDocument::parse_and_validate(&schema, "{ salary level plans }", "q.graphql")
                .expect("valid");
        let operation = document.operations.get(None).expect("one");
        let needs: Vec<String> = auth
            .denied(&document, operation, &who(true, &["admin"], &[]))
            .into_iter()
            .map(|d| format!("{}: {}", d.path.join("."), d.needs))
            .collect();
        assert_eq!(needs, ["salary: scope finance", "level: policy premium"]);
        let allowed = who(true, &["admin", "finance"], &["premium"]);
        assert!(auth.denied(&document, operation, &allowed).is_empty());
    }

    #[test]
    fn an_interface_does_not_open_a_way_around_its_implementations() {
        let schema = Schema::parse_and_validate(SDL, "s.graphql").expect("valid");
        let auth = Authorization::from_schema(&schema);
        for query in [
            "{ account { email } }",
            "{ account { ... on User { mail: email } } }",
        ] {
            let document =
                ExecutableDocument::parse_and_validate(&schema, query, "q.graphql").expect("valid");
            let operation = document.operations.get(None).expect("one");
            let denied = auth.denied(&document, operation, &Identity::ANONYMOUS);
            assert_eq!(denied.len(), 1, "{query}");
            assert!(denied[0].needs.contains("signed-in"), "{query}");
        }
        let document = ExecutableDocument::parse_and_validate(
            &schema,
            "{ account { ... on Team { email } } }",
            "q.graphql",
        )
        .expect("valid");
        let operation = document.operations.get(None).expect("one");
        assert!(
            auth.denied(&document, operation, &Identity::ANONYMOUS)
                .is_empty(),
            "Team.email is open"
        );
    }
}
