//! `@interfaceObject`: a subgraph that sees an interface as an object type.

use super::{plan, supergraph};

fn accounts() -> tessera_router::Supergraph {
    supergraph(&[
        (
            "accounts",
            r#"type Query { users: [Account!]! }
               interface Account @key(fields: "id") { id: ID! }
               type User implements Account @key(fields: "id") { id: ID! age: Int }
               type Admin implements Account @key(fields: "id") { id: ID! level: Int }"#,
        ),
        (
            "names",
            r#"type Query { accounts: [Account!]! }
               type Account @key(fields: "id") @interfaceObject { id: ID! name: String }"#,
        ),
    ])
}

#[test]
fn the_concrete_type_comes_from_the_subgraph_that_knows_it() {
    assert_eq!(
        plan(&accounts(), "{ accounts { id name ... on User { age } } }"),
        "[0] names\n  query {accounts {__typename id name}}\n\
         [1] accounts after 0 at accounts.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Account {__typename ... on User {age}} } }\n"
    );
}

#[test]
fn a_field_of_the_interface_object_is_fetched_with_the_interface_as_typename() {
    assert_eq!(
        plan(&accounts(), "{ users { id name } }"),
        "[0] accounts\n  query {users {__typename id}}\n\
         [1] names after 0 at users.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Account {name} } }\n"
    );
}

#[test]
fn a_requirement_of_an_interface_object_field_travels_in_its_representation() {
    // `username` needs `name`: fetched with the concrete type from a, sent to b with the
    // key under the interface's name.
    let sg = supergraph(&[
        (
            "a",
            r#"type Query { users: [NodeWithName!]! }
               interface NodeWithName @key(fields: "id") { id: ID! name: String }
               type User implements NodeWithName @key(fields: "id") { id: ID! name: String age: Int }"#,
        ),
        (
            "b",
            r#"type Query { anotherUsers: [NodeWithName] }
               type NodeWithName @key(fields: "id") @interfaceObject {
                 id: ID!
                 name: String @external
                 username: String @requires(fields: "name")
               }"#,
        ),
    ]);
    assert_eq!(
        plan(&sg, "{ anotherUsers { ... on User { age username } id } }"),
        "[0] b\n  query {anotherUsers {__typename id}}\n\
         [1] a after 0 at anotherUsers.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on NodeWithName {__typename ... on User {age __typename id name}} } }\n\
         [2] b after 1 at anotherUsers.@.|[User]\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on NodeWithName {username} } }\n"
    );
}

#[test]
fn a_field_only_a_non_resolvable_interface_object_has_cannot_be_planned() {
    // The audit's `non-resolvable-interface-object`: `Node.field` is only in b, whose
    // `Node` cannot be resolved by key, and no object type implements `Node`.
    let sg = super::hand_written(&["a", "b"], NON_RESOLVABLE_INTERFACE_OBJECT);
    let doc = apollo_compiler::ExecutableDocument::parse_and_validate(
        &sg.api,
        "{ a { field } }",
        "op.graphql",
    )
    .expect("valid");
    let operation = doc.operations.get(None).expect("one operation");
    let error = tessera_router::planner::plan(&sg, &doc, operation, &Default::default())
        .expect_err("cannot plan");
    assert!(error.to_string().contains("`Node.field`"), "{error}");
    // What b resolves by itself is planned.
    assert_eq!(
        plan(&sg, "{ b { id field } }"),
        "[0] b\n  query {b {__typename id field}}\n"
    );
}

#[test]
fn a_requirement_and_the_concrete_type_from_the_same_subgraph_share_its_fetch() {
    // The audit's `interface-object-with-requires`: `username` (b, an interface object)
    // requires `name` from a, and `__typename` must come from a too. Both are asked in
    // one fetch to a; the requirement used to be dropped when `__typename` was selected
    // (the fetch's selection was being rebuilt while the requirement was added to it),
    // so `username` came back `null` without an error. Found by the differential fuzzer.
    let sg = supergraph(&[
        (
            "a",
            r#"interface NodeWithName @key(fields: "id") { id: ID! name: String }
               type User implements NodeWithName @key(fields: "id") { id: ID! name: String age: Int }
               type Query { users: [NodeWithName!]! }"#,
        ),
        (
            "b",
            r#"type NodeWithName @key(fields: "id") @interfaceObject {
                 id: ID! name: String @external username: String @requires(fields: "name")
               }
               type Query { anotherUsers: [NodeWithName] }"#,
        ),
    ]);
    let expected = "[0] b\n  query {anotherUsers {__typename id}}\n\
                    [1] a after 0 at anotherUsers.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on NodeWithName {__typename name} } }\n\
                    [2] b after 0,1 at anotherUsers.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on NodeWithName {username} } }\n";
    assert_eq!(
        plan(&sg, "{ anotherUsers { __typename username } }"),
        expected
    );
    // A fragment on the implementation asks a for the concrete type the same way.
    assert_eq!(
        plan(&sg, "{ anotherUsers { ... on User { id } username } }"),
        expected.replace("{__typename name}", "{__typename ... on User {id} name}")
    );
    // So does one inside a fragment with no condition, which always applies.
    assert_eq!(
        plan(
            &sg,
            "{ anotherUsers { ... { ... on User { age } } username } }"
        ),
        expected.replace("{__typename name}", "{__typename ... on User {age} name}")
    );
}

const NON_RESOLVABLE_INTERFACE_OBJECT: &str = r#"
type Bread implements Product
  @join__implements(graph: B, interface: "Product")
  @join__type(graph: B, key: "id")
{
  id: ID!
  name: String!
}

interface Node
  @join__type(graph: A, key: "id")
  @join__type(graph: B, key: "id", resolvable: false, isInterfaceObject: true)
{
  id: ID!
  field: String @join__field(graph: B)
}

interface Product
  @join__type(graph: A, key: "id", resolvable: false, isInterfaceObject: true)
  @join__type(graph: B, key: "id")
{
  id: ID!
}

type Query
  @join__type(graph: A)
  @join__type(graph: B)
{
  a: Node @join__field(graph: A)
  product: Product! @join__field(graph: A)
  b: Node @join__field(graph: B)
}
"#;

/// `Admin.active` is the accounts subgraph's own field, and `Account.active` the
/// status subgraph's, through its interface object: two subgraphs resolve one field
/// of an Admin, and federation's contract is that they agree. Where they do not (the
/// simple-interface-object suite's subgraphs answer `true` and `false`), no answer is
/// the spec's; ours does not depend on the order of the selections. Selected on the
/// interface at all, the field is the interface object's in either order: both
/// subgraphs are asked, and the status fetch runs after the one that tells the
/// concrete type, so its value is merged last. Hive and Apollo take whichever
/// selection comes first.
#[test]
fn a_field_both_an_object_and_an_interface_object_resolve_is_taken_from_one_whatever_the_order() {
    let sg = supergraph(&[
        (
            "accounts",
            r#"interface Account @key(fields: "id") { id: ID! }
               type Admin implements Account @key(fields: "id") { id: ID! active: Boolean! }
               type Regular implements Account @key(fields: "id") { id: ID! }"#,
        ),
        (
            "lists",
            r#"type Query { accounts: [Account] }
               type Account @key(fields: "id") @interfaceObject { id: ID! }"#,
        ),
        (
            "status",
            r#"type Account @key(fields: "id") @interfaceObject { id: ID! active: Boolean! }"#,
        ),
    ]);
    let order_one = plan(&sg, "{ accounts { active ... on Admin { active } } }");
    let order_two = plan(&sg, "{ accounts { ... on Admin { active } active } }");
    let without_order = |plan: &str| {
        plan.replace(
            "{__typename ... on Admin {active} id}",
            "{__typename id ... on Admin {active}}",
        )
    };
    assert_eq!(without_order(&order_one), without_order(&order_two));
    assert_eq!(
        order_one,
        "[0] lists\n  query {accounts {__typename id}}\n\
         [1] accounts after 0 at accounts.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Account {__typename id ... on Admin {active}} } }\n\
         [2] status after 1 at accounts.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Account {active} } }\n"
    );
    // On the object alone, it is the object's subgraph's.
    assert!(
        plan(&sg, "{ accounts { ... on Admin { active } } }")
            .contains("accounts after 0 at accounts.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Account {__typename ... on Admin {active}} } }"),
        "{}",
        plan(&sg, "{ accounts { ... on Admin { active } } }")
    );
}
