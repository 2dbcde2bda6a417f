//! Operation limits: what one operation may ask of the platform, checked before it is
//! planned or executed, each limit with its own error code.
//!
//! - Tokens: GraphQL's tokens (names, values, punctuators; not the whitespace, commas
//!   and comments the spec calls ignored), counted by a lexer that stops one past the
//!   limit (`MAX_TOKENS_LIMIT`), so a huge document costs nothing beyond that.
//! - Depth (fields nested, the root field at depth 1; fragments expanded), aliases,
//!   root fields (fragments on the root type expanded) and directives applied:
//!   measured once per document and cached with it (`MAX_DEPTH_LIMIT`,
//!   `MAX_ALIASES_LIMIT`, `MAX_ROOT_FIELDS_LIMIT`, `MAX_DIRECTIVES_LIMIT`).
//! - Estimated cost, per request because it depends on variables
//!   (`COST_ESTIMATED_TOO_EXPENSIVE`): IBM's GraphQL cost directives as Apollo's demand
//!   control reads them. A field costs its `@cost(weight:)`, else 1 for an object,
//!   interface or union and 0 for a scalar or enum, plus what is selected below it, times
//!   the size of its list. A list's size is the value of its `@listSize`
//!   `slicingArguments` (default: `first` or `last`, as Relay connections slice), else
//!   `@listSize(assumedSize:)`, else the configured default; a connection's slicing
//!   argument sizes its `sizedFields` (default: `edges` and `nodes`). Mutation root
//!   fields add 10 each.
//! - Introspection (`__schema`, `__type`; `__typename` is always fine) only for the
//!   configured roles when restricted (`INTROSPECTION_DISABLED`).

use apollo_compiler::{
    ExecutableDocument, Schema,
    ast::{OperationType, Value},
    executable::{Field, Operation, Selection, SelectionSet},
    response::{JsonMap, JsonValue},
    schema::ExtendedType,
    validation::Valid,
};
use tessera_codes::ErrorCode;
use tessera_identity::Identity;

/// The limits (`None`: unlimited).
#[derive(Debug, Clone)]
pub struct OperationLimits {
    /// Deepest field nesting.
    pub max_depth: Option<u32>,
    /// Most aliases.
    pub max_aliases: Option<u32>,
    /// Most root fields.
    pub max_root_fields: Option<u32>,
    /// Most lexical tokens in the document.
    pub max_tokens: Option<usize>,
    /// Most directives applied in the operation.
    pub max_directives: Option<u32>,
    /// Highest estimated cost.
    pub max_cost: Option<f64>,
    /// Size assumed for a list nothing else sizes.
    pub default_list_size: u32,
    /// Roles that may introspect; `None`: everyone.
    pub introspection_roles: Option<Vec<String>>,
}

impl Default for OperationLimits {
    fn default() -> Self {
        Self {
            max_depth: Some(15),
            max_aliases: Some(30),
            max_root_fields: Some(20),
            max_tokens: Some(15_000),
            max_directives: Some(50),
            max_cost: Some(50_000.0),
            default_list_size: 10,
            introspection_roles: None,
        }
    }
}

/// What one operation asks for, measured once per document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Measured {
    /// Deepest field nesting.
    pub depth: u32,
    /// Aliases used.
    pub aliases: u32,
    /// Root fields selected.
    pub root_fields: u32,
    /// Directives applied (operation, fields, fragments).
    pub directives: u32,
    /// Whether it introspects the schema.
    pub introspection: bool,
}

/// A limit the operation exceeds: the code and the message a client sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exceeded {
    /// The limit's code.
    pub code: ErrorCode,
    /// What was measured against what is allowed.
    pub message: String,
}

impl From<Exceeded> for crate::error::PipelineError {
    fn from(exceeded: Exceeded) -> Self {
        Self::client(exceeded.code, exceeded.message)
    }
}

impl Exceeded {
    fn new(code: ErrorCode, message: String) -> Self {
        Self { code, message }
    }
}

/// Measures `operation` of `document`.
pub fn measure(document: &ExecutableDocument, operation: &Operation) -> Measured {
    let mut m = Measured {
        directives: u32::try_from(operation.directives.len()).unwrap_or(u32::MAX),
        ..Measured::default()
    };
    let mut root = Vec::new();
    collect_fields(document, &operation.selection_set, &mut root);
    m.root_fields = u32::try_from(root.len()).unwrap_or(u32::MAX);
    m.introspection = root
        .iter()
        .any(|f| f.name == "__schema" || f.name == "__type");
    walk(document, &operation.selection_set, 1, &mut m);
    m
}

/// The fields of `set`, fragments expanded (one level: spreads and inline fragments).
fn collect_fields<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    out: &mut Vec<&'a Field>,
) {
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => out.push(field),
            Selection::InlineFragment(inline) => {
                collect_fields(document, &inline.selection_set, out)
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.fragment_name) {
                    collect_fields(document, &fragment.selection_set, out);
                }
            }
        }
    }
}

fn walk(document: &ExecutableDocument, set: &SelectionSet, depth: u32, m: &mut Measured) {
    for selection in &set.selections {
        match selection {
            Selection::Field(field) => {
                m.depth = m.depth.max(depth);
                m.aliases += u32::from(field.alias.is_some());
                m.directives += u32::try_from(field.directives.len()).unwrap_or(u32::MAX);
                walk(document, &field.selection_set, depth + 1, m);
            }
            Selection::InlineFragment(inline) => {
                m.directives += u32::try_from(inline.directives.len()).unwrap_or(u32::MAX);
                walk(document, &inline.selection_set, depth, m);
            }
            Selection::FragmentSpread(spread) => {
                m.directives += u32::try_from(spread.directives.len()).unwrap_or(u32::MAX);
                if let Some(fragment) = document.fragments.get(&spread.fragment_name) {
                    m.directives += u32::try_from(fragment.directives.len()).unwrap_or(u32::MAX);
                    walk(document, &fragment.selection_set, depth, m);
                }
            }
        }
    }
}

impl OperationLimits {
    /// Checks what was measured of an operation, for `identity`.
    pub fn check(&self, m: &Measured, identity: &Identity) -> Result<(), Exceeded> {
        type Message = fn(u32, u32) -> String;
        let limits: [(Option<u32>, u32, ErrorCode, Message); 4] = [
            (
                self.max_depth,
                m.depth,
                ErrorCode::MaxDepthLimit,
                |v, max| format!("the operation nests fields {v} deep; at most {max} is allowed"),
            ),
            (
                self.max_aliases,
                m.aliases,
                ErrorCode::MaxAliasesLimit,
                |v, max| format!("the operation uses {v} aliases; at most {max} are allowed"),
            ),
            (
                self.max_root_fields,
                m.root_fields,
                ErrorCode::MaxRootFieldsLimit,
                |v, max| {
                    format!("the operation selects {v} root fields; at most {max} are allowed")
                },
            ),
            (
                self.max_directives,
                m.directives,
                ErrorCode::MaxDirectivesLimit,
                |v, max| format!("the operation applies {v} directives; at most {max} are allowed"),
            ),
        ];
        for (limit, value, code, message) in limits {
            if let Some(max) = limit.filter(|max| value > *max) {
                return Err(Exceeded::new(code, message(value, max)));
            }
        }
        if m.introspection
            && let Some(roles) = &self.introspection_roles
            && !roles.iter().any(|r| identity.has_role(r))
        {
            return Err(Exceeded::new(
                ErrorCode::IntrospectionDisabled,
                "introspection is not available to this caller".to_owned(),
            ));
        }
        Ok(())
    }

    /// Checks the estimated cost of `operation` with the request's `variables`.
    pub fn check_cost(
        &self,
        schema: &Valid<Schema>,
        document: &ExecutableDocument,
        operation: &Operation,
        variables: &JsonMap,
    ) -> Result<(), Exceeded> {
        if self.max_cost.is_none() {
            return Ok(());
        }
        self.check_estimate(estimate(self, schema, document, operation, variables))
    }

    /// [`OperationLimits::check_cost`] of a cost estimated before: one of an operation
    /// without variables, which is the same for every request.
    pub fn check_estimate(&self, cost: f64) -> Result<(), Exceeded> {
        let Some(max) = self.max_cost else {
            return Ok(());
        };
        if cost > max {
            return Err(Exceeded::new(
                ErrorCode::CostEstimatedTooExpensive,
                format!("the operation's estimated cost is {cost}; at most {max} is allowed"),
            ));
        }
        Ok(())
    }

    /// Refuses a document with more GraphQL tokens than `max_tokens`.
    pub fn check_tokens(&self, document: &str) -> Result<(), Exceeded> {
        let Some(max) = self.max_tokens else {
            return Ok(());
        };
        if count_tokens(document, max + 1) > max {
            return Err(Exceeded::new(
                ErrorCode::MaxTokensLimit,
                format!("the document has more than {max} tokens"),
            ));
        }
        Ok(())
    }
}

/// The GraphQL tokens of `document`, counted up to `at_most`: names, values and
/// punctuators, not whitespace, commas or comments. Text the lexer cannot read counts
/// as a token (the parser reports it).
fn count_tokens(document: &str, at_most: usize) -> usize {
    use apollo_parser::{Lexer, TokenKind};
    Lexer::new(document)
        .filter(|token| {
            !matches!(
                token.as_ref().map(|token| token.kind()),
                Ok(TokenKind::Whitespace | TokenKind::Comment | TokenKind::Comma | TokenKind::Eof)
            )
        })
        .take(at_most)
        .count()
}

/// The estimated cost of `operation` (see the module docs).
pub fn estimate(
    limits: &OperationLimits,
    schema: &Valid<Schema>,
    document: &ExecutableDocument,
    operation: &Operation,
    variables: &JsonMap,
) -> f64 {
    let mut ctx = CostContext {
        limits,
        schema,
        document,
        variables,
        fragment_depth: 0,
    };
    let mut cost = ctx.set_cost(&operation.selection_set, None);
    if operation.operation_type == OperationType::Mutation {
        let mut root = Vec::new();
        collect_fields(document, &operation.selection_set, &mut root);
        cost += 10.0 * root.len() as f64;
    }
    cost
}

struct CostContext<'a> {
    limits: &'a OperationLimits,
    schema: &'a Valid<Schema>,
    document: &'a ExecutableDocument,
    variables: &'a JsonMap,
    fragment_depth: u32,
}

/// Sizes a connection's slicing argument gives to its sized fields.
struct Sizing {
    size: f64,
    sized_fields: Vec<String>,
}

impl CostContext<'_> {
    fn set_cost(&mut self, set: &SelectionSet, sizing: Option<&Sizing>) -> f64 {
        // Fragments on different types of an abstract field are alternatives; summing
        // them over-estimates, which is the safe side for a limit.
        let mut total = 0.0;
        for selection in &set.selections {
            total += match selection {
                Selection::Field(field) => self.field_cost(field, sizing),
                Selection::InlineFragment(inline) => self.set_cost(&inline.selection_set, sizing),
                Selection::FragmentSpread(spread) => {
                    match self.document.fragments.get(&spread.fragment_name) {
                        Some(fragment) if self.fragment_depth < 64 => {
                            self.fragment_depth += 1;
                            let cost = self.set_cost(&fragment.selection_set, sizing);
                            self.fragment_depth -= 1;
                            cost
                        }
                        _ => 0.0,
                    }
                }
            };
        }
        total
    }

    fn field_cost(&mut self, field: &Field, sizing: Option<&Sizing>) -> f64 {
        let definition = &field.definition;
        let ty = definition.ty.inner_named_type();
        let composite = matches!(
            self.schema.types.get(ty),
            Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_))
        );
        let weight = definition
            .directives
            .get("cost")
            .or_else(|| {
                self.schema
                    .types
                    .get(ty)
                    .and_then(|t| t.directives().get("cost"))
                    .map(|d| &d.node)
            })
            .and_then(|d| d.specified_argument_by_name("weight"))
            .and_then(|v| number(v, self.variables))
            .unwrap_or(if composite { 1.0 } else { 0.0 });
        let list_size = definition.directives.get("listSize");
        let slicing: Vec<String> = list_size
            .and_then(|d| d.specified_argument_by_name("slicingArguments"))
            .and_then(|v| v.as_list())
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_else(|| vec!["first".to_owned(), "last".to_owned()]);
        let sliced = field
            .arguments
            .iter()
            .filter(|a| slicing.iter().any(|s| s == a.name.as_str()))
            .filter_map(|a| number(&a.value, self.variables))
            .fold(None, |max: Option<f64>, n| {
                Some(max.map_or(n, |m| m.max(n)))
            });
        let assumed = list_size
            .and_then(|d| d.specified_argument_by_name("assumedSize"))
            .and_then(|v| number(v, self.variables));
        let inherited = sizing
            .filter(|s| s.sized_fields.iter().any(|f| f == field.name.as_str()))
            .map(|s| s.size);
        let multiplier = if definition.ty.is_list() {
            inherited
                .or(sliced)
                .or(assumed)
                .unwrap_or(f64::from(self.limits.default_list_size))
        } else {
            1.0
        };
        // A sliced field that is not a list itself (a connection) sizes its children.
        let child_sizing = match sliced {
            Some(size) if !definition.ty.is_list() => Some(Sizing {
                size,
                sized_fields: list_size
                    .and_then(|d| d.specified_argument_by_name("sizedFields"))
                    .and_then(|v| v.as_list())
                    .map(|items| {
                        items
                            .iter()
                            .filter_map(|i| i.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_else(|| vec!["edges".to_owned(), "nodes".to_owned()]),
            }),
            _ => None,
        };
        let below = self.set_cost(&field.selection_set, child_sizing.as_ref());
        multiplier * (weight + below)
    }
}

/// A number argument, literal or from a variable.
fn number(value: &Value, variables: &JsonMap) -> Option<f64> {
    match value {
        Value::Int(i) => i.try_to_f64().ok(),
        Value::Float(f) => f.try_to_f64().ok(),
        Value::String(s) => s.parse().ok(),
        Value::Variable(name) => match variables.get(name.as_str()) {
            Some(JsonValue::Number(n)) => n.as_f64(),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_graphqls_not_whitespace_commas_or_comments() {
        assert_eq!(count_tokens("{ a b }", 100), 4);
        assert_eq!(
            count_tokens(
                "# a comment\n{\n  a,   b,\n  c(x: \"s\", y: [1, 2.5]) @d\n}",
                100
            ),
            18
        );
        assert_eq!(count_tokens("{ a a a a a a }", 3), 3, "counting stops");
        let limits = OperationLimits {
            max_tokens: Some(30),
            ..OperationLimits::default()
        };
        let spaced = format!("{{{}}}", " __typename ,    ".repeat(28));
        assert_eq!(
            limits.check_tokens(&spaced),
            Ok(()),
            "30 tokens, much space"
        );
        let over = format!("{{{}}}", "__typename ".repeat(29));
        let refused = limits.check_tokens(&over).expect_err("31 tokens");
        assert_eq!(refused.code, ErrorCode::MaxTokensLimit);
        assert_eq!(refused.message, "the document has more than 30 tokens");
    }

    const SDL: &str = r#"
        directive @cost(weight: Int!) on FIELD_DEFINITION | OBJECT | SCALAR | ENUM | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION
        directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
        type Query {
          user(id: ID!): User
          users(first: Int, last: Int): UserConnection!
          tags: [String!]!
          top: [User!]! @listSize(assumedSize: 5)
          search(limit: Int): [User!]! @listSize(slicingArguments: ["limit"])
          expensive: Int @cost(weight: 100)
        }
        type Mutation { touch: User }
        type UserConnection { nodes: [User!]! edges: [UserEdge!]! total: Int }
        type UserEdge { node: User! }
        type User { id: ID! name: String friends: [User!]! }
    "#;

    fn run(query: &str, variables: serde_json::Value) -> (Measured, f64) {
        let schema = Schema::parse_and_validate(SDL, "schema.graphql").expect("valid schema");
        let document = ExecutableDocument::parse_and_validate(&schema, query, "q.graphql")
            .expect("valid query");
        let operation = document.operations.get(None).expect("one operation");
        let variables: JsonMap = serde_json::from_value(variables).expect("an object");
        let limits = OperationLimits::default();
        (
            measure(&document, operation),
            estimate(&limits, &schema, &document, operation, &variables),
        )
    }

    #[test]
    fn depth_aliases_root_fields_and_directives_count_through_fragments() {
        let (m, _) = run(
            "query Q($no: Boolean!) { a: user(id: 1) { ...F } b: user(id: 2) @skip(if: $no) { id } ... on Query { tags } }
             fragment F on User { friends { friends { name @include(if: true) } } }",
            serde_json::json!({ "no": false }),
        );
        assert_eq!(
            m,
            Measured {
                depth: 4,
                aliases: 2,
                root_fields: 3,
                directives: 2,
                introspection: false
            }
        );
        let (m, _) = run("{ __schema { queryType { name } } }", serde_json::json!({}));
        assert!(m.introspection);
        let (m, _) = run("{ __typename }", serde_json::json!({}));
        assert!(!m.introspection);
    }

    #[test]
    fn cost_follows_weights_list_sizes_and_slicing_arguments() {
        // user: 1 + friends (10 × (1 + name 0))
        assert_eq!(
            run(
                "{ user(id: 1) { name friends { name } } }",
                serde_json::json!({})
            )
            .1,
            11.0
        );
        // connection sliced by a variable: 1 + 25 × (1 + 0) for nodes; total unsized 0
        assert_eq!(
            run(
                "query($n: Int) { users(first: $n) { total nodes { id } } }",
                serde_json::json!({ "n": 25 })
            )
            .1,
            26.0
        );
        // assumed size, custom slicing argument, explicit weight, scalar list
        assert_eq!(run("{ top { id } }", serde_json::json!({})).1, 5.0);
        assert_eq!(
            run("{ search(limit: 3) { id } }", serde_json::json!({})).1,
            3.0
        );
        assert_eq!(run("{ expensive tags }", serde_json::json!({})).1, 100.0);
        // mutations add 10 per root field
        assert_eq!(
            run("mutation { touch { id } }", serde_json::json!({})).1,
            11.0
        );
    }

    #[test]
    fn limits_name_what_was_measured_and_what_is_allowed() {
        let limits = OperationLimits {
            max_depth: Some(3),
            introspection_roles: Some(vec!["admin".to_owned()]),
            ..OperationLimits::default()
        };
        let deep = Measured {
            depth: 4,
            ..Measured::default()
        };
        assert_eq!(
            limits.check(&deep, &Identity::ANONYMOUS),
            Err(Exceeded::new(
                ErrorCode::MaxDepthLimit,
                "the operation nests fields 4 deep; at most 3 is allowed".to_owned()
            ))
        );
        let introspect = Measured {
            depth: 2,
            introspection: true,
            ..Measured::default()
        };
        assert_eq!(
            limits
                .check(&introspect, &Identity::ANONYMOUS)
                .map_err(|e| e.code),
            Err(ErrorCode::IntrospectionDisabled)
        );
        let admin = Identity {
            subject: Some("a".into()),
            roles: vec!["admin".into()],
            scopes: vec![],
            ..Identity::default()
        };
        assert_eq!(limits.check(&introspect, &admin), Ok(()));
    }
}
