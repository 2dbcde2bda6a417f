//! The projector answers as apollo-compiler's executor does, wherever it answers.

use apollo_compiler::{
    ExecutableDocument, Schema,
    request::coerce_variable_values,
    response::{JsonMap, JsonValue},
};

use super::project::*;

const SDL: &str = r#"
    type Query { me: User feed: [Item!]! search(term: String!): [Result] pet: Pet lonely: Lonely }
    interface Lonely { id: ID! field: String }
    interface Item { id: ID! owner: User }
    type Post implements Item { id: ID! owner: User title: String score: Float }
    type Photo implements Item { id: ID! owner: User url: String! }
    type User { id: ID! name: String role: Role friends(first: Int): [User!] }
    union Result = User | Post
    enum Role { ADMIN MEMBER }
    interface Pet { name: String! }
    type Dog implements Pet { name: String! }
"#;

fn json(text: &str) -> JsonValue {
    serde_json::from_str(text).expect("valid JSON")
}

/// The projector's answer, and the executor's (data, error count).
fn both(query: &str, variables: &str, data: &str) -> (Option<JsonMap>, Option<JsonMap>, usize) {
    let schema = Schema::parse_and_validate(SDL, "schema.graphql").expect("valid schema");
    let document = ExecutableDocument::parse_and_validate(&schema, query, "op.graphql")
        .expect("valid operation");
    let operation = document.operations.get(None).expect("one operation");
    let JsonValue::Object(raw) = json(variables) else {
        unreachable!("variables are an object")
    };
    let variables = coerce_variable_values(&schema, operation, &raw).expect("valid variables");
    // The data tree as the router parses a subgraph's answer.
    let tree = super::tree::from_slice(data.as_bytes()).expect("valid JSON");
    let data = json(data);
    let projected = project(&schema, &document, operation, &variables, &tree);
    let text = project_text(&schema, &document, operation, &variables, &tree, Vec::new());
    assert_eq!(
        text.map(|t| String::from_utf8(t).expect("UTF-8")),
        projected
            .as_ref()
            .map(|p| serde_json::to_string(p).expect("serializes")),
        "the text is the tree's, written"
    );
    // The executor shapes with the schema the pipeline gives it (interfaces nothing
    // implements written as objects, see `Supergraph::shaping`).
    let shaping = crate::supergraph::api_schema::shaping(&schema);
    let executed = super::shape::execute(
        shaping.as_ref().unwrap_or(&schema),
        &document,
        operation,
        &variables,
        &data,
    )
    .expect("executes");
    (projected, executed.data, executed.errors.len())
}

#[test]
fn the_projector_answers_as_the_executor_does() {
    let cases = [
        (
            r#"query($all: Boolean!, $n: Int) {
                 me { ...U name handle: name friends(first: $n) { id } role }
                 feed { __typename id ... on Post { title score owner { id } }
                        ... on Photo { url } ... on Item { owner { name } } }
                 search(term: "x") { ... on User { id } ... on Post { id title @include(if: $all) } }
                 b: me @skip(if: $all) { id }
               }
               fragment U on User { id role }"#,
            r#"{"all": false, "n": 2}"#,
            r#"{"me": {"id": "u1", "name": "Ann", "role": "ADMIN", "friends": [{"id": "u2"}]},
                "feed": [{"__typename": "Post", "id": 1, "title": null, "score": 3,
                          "owner": {"id": "u1", "name": "Ann"}},
                         {"__typename": "Photo", "id": "p2", "url": "http://x", "owner": null}],
                "search": [{"__typename": "Post", "id": "p9", "title": "t"}, null,
                           {"__typename": "User", "id": "u3"}]}"#,
        ),
        (
            r#"{ me { name friends { name } } pet { name } }"#,
            "{}",
            r#"{"me": null, "pet": {"__typename": "Dog", "name": "Rex"}}"#,
        ),
        // Lists whose items share one preparation per concrete type, in any order.
        (
            r#"{ feed { __typename ... on Post { title owner { id friends { name } } }
                        ... on Photo { url owner { name } } }
                 search(term: "y") { ... on User { name } ... on Post { score } } }"#,
            "{}",
            r#"{"feed": [{"__typename": "Post", "title": "a", "owner": {"id": "u1", "friends": [{"name": "B"}, {"name": "C"}]}},
                         {"__typename": "Photo", "url": "u", "owner": {"name": "D"}},
                         {"__typename": "Post", "title": "b", "owner": {"id": "u2", "friends": []}},
                         {"__typename": "Photo", "url": "v", "owner": null}],
                "search": [{"__typename": "User", "name": "E"}, {"__typename": "Post", "score": 1.5},
                           {"__typename": "User", "name": "F"}]}"#,
        ),
    ];
    for (query, variables, data) in cases {
        let (projected, executed, errors) = both(query, variables, data);
        assert_eq!(errors, 0, "{query}");
        assert!(projected.is_some(), "the projector answers {query}");
        assert_eq!(projected, executed, "{query}");
        // Same text, so members come in the same order.
        assert_eq!(
            serde_json::to_string(&projected).expect("serializes"),
            serde_json::to_string(&executed).expect("serializes")
        );
    }
}

#[test]
fn an_interface_without_implementations_is_shaped_as_itself() {
    // An `@interfaceObject` answers with the interface's name; with no object type
    // implementing it in the API schema, both shape it as the interface itself,
    // `__typename` included.
    let (projected, executed, errors) = both(
        r#"{ lonely { id t: __typename ... on Lonely { field } } }"#,
        "{}",
        r#"{"lonely": {"__typename": "Lonely", "id": "n1", "t": "Lonely", "field": "foo"}}"#,
    );
    assert_eq!(
        serde_json::to_string(&projected).expect("serializes"),
        r#"{"lonely":{"id":"n1","t":"Lonely","field":"foo"}}"#
    );
    assert_eq!((executed, errors), (projected, 0));
}

#[test]
fn an_interface_objects_own_name_stands_for_an_implementation() {
    // Where nothing type-specific was asked, the planner leaves the interface's name
    // an `@interfaceObject` gave: both shape it by an implementation.
    let (projected, executed, errors) = both(
        r#"{ pet { name } }"#,
        "{}",
        r#"{"pet": {"__typename": "Pet", "name": "Rex"}}"#,
    );
    assert_eq!(
        serde_json::to_string(&projected).expect("serializes"),
        r#"{"pet":{"name":"Rex"}}"#
    );
    assert_eq!((executed, errors), (projected, 0));
}

#[test]
fn errors_and_introspection_are_left_to_the_executor() {
    let cases = [
        // A null in a non-null position.
        (r#"{ feed { id } }"#, "{}", r#"{"feed": [{"id": null}]}"#),
        // A value of the wrong kind, an unknown enum value, an Int overflow.
        (r#"{ me { name } }"#, "{}", r#"{"me": {"name": 5}}"#),
        (r#"{ me { role } }"#, "{}", r#"{"me": {"role": "OWNER"}}"#),
        (
            r#"{ me { friends { id } } }"#,
            "{}",
            r#"{"me": {"friends": {"id": "x"}}}"#,
        ),
        // An item whose type is not a member, after members were walked.
        (
            r#"{ search(term: "x") { ... on User { name } } }"#,
            "{}",
            r#"{"search": [{"__typename": "User", "name": "A"}, {"__typename": "Dog", "name": "Rex"}]}"#,
        ),
        // An abstract value without a type it can tell.
        (r#"{ pet { name } }"#, "{}", r#"{"pet": {"name": "Rex"}}"#),
        (
            r#"{ pet { name } }"#,
            "{}",
            r#"{"pet": {"__typename": "Cat", "name": "Rex"}}"#,
        ),
        // Introspection.
        (r#"{ __schema { queryType { name } } }"#, "{}", "{}"),
        (r#"{ __type(name: "User") { name } }"#, "{}", "{}"),
    ];
    for (query, variables, data) in cases {
        let (projected, _, _) = both(query, variables, data);
        assert!(
            projected.is_none(),
            "the executor shapes {query} over {data}"
        );
    }
    // A non-null argument given a null variable: the executor's coercion decides.
    let (projected, _, _) = both(
        r#"query($t: String = "x") { search(term: $t) { __typename } }"#,
        r#"{"t": null}"#,
        r#"{"search": []}"#,
    );
    assert!(projected.is_none());
}
