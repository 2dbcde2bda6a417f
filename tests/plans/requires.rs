//! `@requires`: the required fields travel in the representation, fetched first from
//! where they live.

use super::{plan, supergraph};

#[test]
fn required_fields_are_fetched_before_and_sent_along() {
    let sg = supergraph(&[
        (
            "products",
            r#"type Query { product: Product } type Product @key(fields: "id") { id: ID! weight: Int price: Int }"#,
        ),
        (
            "shipping",
            r#"type Product @key(fields: "id") { id: ID! weight: Int @external price: Int @external shippingCost: Int @requires(fields: "weight price") }"#,
        ),
    ]);
    assert_eq!(
        plan(&sg, "{ product { shippingCost } }"),
        "[0] products\n  query {product {__typename id weight price}}\n[1] shipping after 0 at product\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product {shippingCost} } }\n"
    );
}

#[test]
fn a_requirement_from_a_third_subgraph_orders_the_fetches() {
    let sg = supergraph(&[
        (
            "a",
            r#"type Query { item: Item } type Item @key(fields: "id") { id: ID! }"#,
        ),
        ("b", r#"type Item @key(fields: "id") { id: ID! size: Int }"#),
        (
            "c",
            r#"type Item @key(fields: "id") { id: ID! size: Int @external label: String @requires(fields: "size") }"#,
        ),
    ]);
    assert_eq!(
        plan(&sg, "{ item { label } }"),
        "[0] a\n  query {item {__typename id}}\n\
         [1] b after 0 at item\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Item {size} } }\n\
         [2] c after 0,1 at item\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Item {label} } }\n"
    );
}

#[test]
fn what_supplies_a_requirement_never_waits_for_the_fetch_that_requires_it() {
    // The audit's `requires-circular`: `Post.byNovice` (b) requires
    // `author { yearsOfExperience }`, `author` is b's and `yearsOfExperience` a's. With
    // the client's own `author { yearsOfExperience }` beside it, the requirement used to
    // reuse the fetch of `yearsOfExperience` that waits for b's fetch of `byNovice`: the
    // two waited for each other, and nothing came back. Found by the differential fuzzer.
    let sg = supergraph(&[
        (
            "a",
            r#"type Query { feed: [Post] }
               type Post @key(fields: "id") { id: ID! }
               type Author @key(fields: "id") { id: ID! yearsOfExperience: Int! }"#,
        ),
        (
            "b",
            r#"type Post @key(fields: "id") {
                 id: ID! author: Author!
                 byNovice: Boolean! @requires(fields: "author { yearsOfExperience }")
               }
               type Author @key(fields: "id") { id: ID! yearsOfExperience: Int! @external }"#,
        ),
    ]);
    assert_eq!(
        plan(&sg, "{ feed { author { yearsOfExperience } byNovice } }"),
        "[0] a\n  query {feed {__typename id}}\n\
         [1] b after 0 at feed.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Post {author {__typename id}} } }\n\
         [2] a after 1 at feed.@.author\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Author {yearsOfExperience} } }\n\
         [3] b after 0,1,2 at feed.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Post {author {__typename id} byNovice} } }\n\
         [4] a after 3 at feed.@.author\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Author {yearsOfExperience} } }\n",
        "five fetches where four would do, but no two wait for each other"
    );
}

#[test]
fn a_field_required_twice_under_two_keys_never_makes_two_fetches_wait_for_each_other() {
    // The same shape, `byNovice` asked under two response keys around the client's own
    // `author`: the client's `author` joined the fetch of `byNovice`, whose requirement
    // already waited for the fetch of `yearsOfExperience` it then reused.
    let sg = supergraph(&[
        (
            "a",
            r#"type Query { feed: [Post] }
               type Post @key(fields: "id") { id: ID! }
               type Author @key(fields: "id") { id: ID! yearsOfExperience: Int! }"#,
        ),
        (
            "b",
            r#"type Post @key(fields: "id") {
                 id: ID! author: Author!
                 byNovice: Boolean! @requires(fields: "author { yearsOfExperience }")
               }
               type Author @key(fields: "id") { id: ID! yearsOfExperience: Int! @external }"#,
        ),
    ]);
    assert_eq!(
        plan(
            &sg,
            "{ feed { a0: byNovice author { yearsOfExperience } byNovice } }"
        ),
        "[0] a\n  query {feed {__typename id}}\n\
         [1] b after 0 at feed.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Post {author {__typename id}} } }\n\
         [2] a after 1 at feed.@.author\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Author {yearsOfExperience} } }\n\
         [3] b after 0,1,2 at feed.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Post {a0:byNovice author {__typename id} byNovice} } }\n\
         [4] a after 3 at feed.@.author\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Author {yearsOfExperience} } }\n"
    );
}

#[test]
fn a_requirement_selected_by_type_carries_the_type_in_the_representation() {
    // The audit's `requires-interface`: `country` requires
    // `address { ... on WorkAddress { id } }`. The representation carries the address's
    // `__typename` beside the typed selection, so the subgraph can tell which type the
    // value is (the fetch supplying it asks for it, as for every abstract value).
    let sg = supergraph(&[
        (
            "a",
            r#"type Query { a: User }
               type User @key(fields: "id") {
                 id: ID! address: Address @external
                 country: String @requires(fields: "address { ... on WorkAddress { id } }")
               }
               interface Address { id: ID! }
               type WorkAddress implements Address @key(fields: "id") { id: ID! }"#,
        ),
        (
            "b",
            r#"type User @key(fields: "id") { id: ID! address: Address }
               interface Address { id: ID! }
               type WorkAddress implements Address @key(fields: "id") { id: ID! }"#,
        ),
    ]);
    let doc = apollo_compiler::ExecutableDocument::parse_and_validate(
        &sg.api,
        "{ a { country } }",
        "op.graphql",
    )
    .expect("valid");
    let operation = doc.operations.get(None).expect("one operation");
    let plan =
        tessera_router::planner::plan(&sg, &doc, operation, &Default::default()).expect("plans");
    let representations: Vec<String> = plan
        .fetches
        .iter()
        .flat_map(|f| f.entities.iter().map(|e| e.representation.to_string()))
        .collect();
    assert_eq!(
        representations,
        ["{id}", "{id address {__typename ... on WorkAddress {id}}}"]
    );
}
