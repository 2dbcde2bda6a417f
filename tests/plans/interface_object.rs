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
