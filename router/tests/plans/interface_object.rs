//! `@interfaceObject`: a subgraph that sees an interface as an object type.

use super::{plan, supergraph};

/// `accounts` knows the implementations of `Account`; `names` sees it as an object.
fn accounts() -> tessera_router::Supergraph {
    supergraph("interface_object_accounts")
}

#[test]
fn the_concrete_type_comes_from_the_subgraph_that_knows_it() {
    insta::assert_snapshot!(
        "concrete_type",
        plan(&accounts(), "{ accounts { id name ... on User { age } } }")
    );
}

#[test]
fn a_field_of_the_interface_object_is_fetched_with_the_interface_as_typename() {
    insta::assert_snapshot!(
        "interface_object_field",
        plan(&accounts(), "{ users { id name } }")
    );
}

#[test]
fn a_requirement_of_an_interface_object_field_travels_in_its_representation() {
    // `username` needs `name`: fetched with the concrete type from a, sent to b with the
    // key under the interface's name.
    let sg = supergraph(
        "interface_object_a_requirement_of_an_interface_object_field_travels_in_its_representation",
    );
    insta::assert_snapshot!(
        "requirement_in_representation",
        plan(&sg, "{ anotherUsers { ... on User { age username } id } }")
    );
}

#[test]
fn a_field_only_a_non_resolvable_interface_object_has_cannot_be_planned() {
    // The audit's `non-resolvable-interface-object`: `Node.field` is only in b, whose
    // `Node` cannot be resolved by key, and no object type implements `Node`.
    let sg = supergraph("interface_object_non_resolvable_interface_object");
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
    insta::assert_snapshot!("what_b_resolves", plan(&sg, "{ b { id field } }"));
}

#[test]
fn the_concrete_type_is_not_asked_of_a_subgraph_with_no_implementation() {
    // The same suite: a has `Node` as an entity interface but no type implementing it,
    // so `_entities { ... on Node { __typename } }` is not even a valid operation there
    // (graphql-js refuses the fragment on `_Entity`), and a could not tell a concrete
    // type anyway. b answers `__typename` alone. Found by the planner fuzz target
    // (fuzz/regressions/planner/node-typename-without-implementations).
    let sg = supergraph("interface_object_non_resolvable_interface_object");
    let printed = plan(&sg, "{ b { __typename } }");
    assert!(!printed.contains("_entities"), "{printed}");
    insta::assert_snapshot!("typename_from_b_alone", printed);
}

#[test]
fn a_requirement_and_the_concrete_type_from_the_same_subgraph_share_its_fetch() {
    // The audit's `interface-object-with-requires`: `username` (b, an interface object)
    // requires `name` from a, and `__typename` must come from a too. Both are asked in
    // one fetch to a; the requirement used to be dropped when `__typename` was selected
    // (the fetch's selection was being rebuilt while the requirement was added to it),
    // so `username` came back `null` without an error. Found by the differential fuzzer.
    let sg = supergraph(
        "interface_object_a_requirement_and_the_concrete_type_from_the_same_subgraph_share_its_fetch",
    );
    insta::assert_snapshot!(
        "typename_and_requirement",
        plan(&sg, "{ anotherUsers { __typename username } }")
    );
    // A fragment on the implementation asks a for the concrete type the same way.
    insta::assert_snapshot!(
        "implementation_fragment_and_requirement",
        plan(&sg, "{ anotherUsers { ... on User { id } username } }")
    );
    // So does one inside a fragment with no condition, which always applies.
    insta::assert_snapshot!(
        "unconditional_fragment_and_requirement",
        plan(
            &sg,
            "{ anotherUsers { ... { ... on User { age } } username } }"
        )
    );
}

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
    let sg = supergraph(
        "interface_object_a_field_both_an_object_and_an_interface_object_resolve_is_taken_from_one_whatever_the_order",
    );
    let order_one = plan(&sg, "{ accounts { active ... on Admin { active } } }");
    let order_two = plan(&sg, "{ accounts { ... on Admin { active } active } }");
    let without_order = |plan: &str| {
        plan.replace(
            "{__typename ... on Admin {active} id}",
            "{__typename id ... on Admin {active}}",
        )
    };
    assert_eq!(without_order(&order_one), without_order(&order_two));
    insta::assert_snapshot!("interface_then_object", order_one);
    // On the object alone, it is the object's subgraph's.
    assert!(
        plan(&sg, "{ accounts { ... on Admin { active } } }")
            .contains("accounts after 0 at accounts.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Account {__typename ... on Admin {active}} } }"),
        "{}",
        plan(&sg, "{ accounts { ... on Admin { active } } }")
    );
}
