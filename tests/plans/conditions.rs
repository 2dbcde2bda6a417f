//! `@skip`/`@include`, named fragments and selections left empty: the operation is
//! planned with its conditions decided by the request's variables and its named
//! fragments inlined (`planner::fold`), so no subgraph operation carries a condition,
//! an impossible fragment or an empty selection set. The cases are the differential
//! fuzzer's (issue 20), each in the shape of the audit suite it was found on.

use super::{plan, plan_with, supergraph};

/// The audit's `simple-requires-provides` shape: `shippingEstimate` needs `price` and
/// `weight` from the products subgraph.
fn requires() -> tessera_router::Supergraph {
    supergraph(&[
        (
            "products",
            r#"type Query { products: [Product] }
               type Product @key(fields: "id") { id: ID! price: Int weight: Int }"#,
        ),
        (
            "inventory",
            r#"type Product @key(fields: "id") {
                 id: ID! price: Int @external weight: Int @external
                 inStock: Boolean
                 shippingEstimate: Int @requires(fields: "price weight")
               }"#,
        ),
    ])
}

#[test]
fn a_skipped_fragment_costs_its_requirements_nothing_and_never_nulls_its_siblings() {
    // The fragment's requirements used to be asked under its condition while the entity
    // fetch wanted them unconditionally: no representation could be made, and `inStock`
    // was answered `null` without an error.
    let query =
        "query($s: Boolean!) { products { inStock ... @skip(if: $s) { shippingEstimate } } }";
    let skipped = "[0] products\n  query {products {__typename id}}\n\
                   [1] inventory after 0 at products.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product {inStock} } }\n";
    assert_eq!(
        plan_with(&requires(), query, serde_json::json!({ "s": true })),
        skipped
    );
    assert_eq!(
        plan(
            &requires(),
            "{ products { inStock ... @skip(if: true) { shippingEstimate } } }"
        ),
        skipped
    );
    assert_eq!(
        plan_with(&requires(), query, serde_json::json!({ "s": false })),
        "[0] products\n  query {products {__typename id price weight}}\n\
         [1] inventory after 0 at products.@\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product {inStock shippingEstimate} } }\n"
    );
}

#[test]
fn an_object_whose_fields_are_all_left_out_is_still_asked_for_its_type() {
    // CollectFields gives `{}` for such an object (and `null` for a null one), so the
    // subgraph is asked for `__typename` alone, never for `{ }`.
    assert_eq!(
        plan(&requires(), "{ products { inStock @include(if: false) } }"),
        "[0] products\n  query {products {__typename}}\n"
    );
}

/// The audit's `union-intersection` shape, as its composition writes it (ours refuses
/// a root field typed `Book` in one subgraph and `Media` in another): `book` is a `Book`
/// in a and a `Media` (Book | Movie) in b; `Viewer.bMedia` is b's alone.
fn media() -> tessera_router::Supergraph {
    super::hand_written(&["a", "b"], MEDIA)
}

#[test]
fn a_fragment_that_can_never_match_leaves_the_type_to_ask_for() {
    let sg = media();
    // a types `book` as `Book`: `... on Song` can never match there.
    assert_eq!(
        plan(&sg, "{ book { ... on Song { title } } }"),
        "[0] a\n  query {book {__typename}}\n"
    );
    assert_eq!(
        plan(&sg, "{ book { ... on Book @skip(if: true) { id } } }"),
        "[0] a\n  query {book {__typename}}\n"
    );
    // The client's type is the union: it needs `__typename` to tell the object's type,
    // even where the subgraph's type is an object.
    assert_eq!(
        plan(&sg, "{ book { t: __typename } }"),
        "[0] a\n  query {book {__typename t:__typename}}\n"
    );
}

#[test]
fn a_named_fragment_plans_exactly_as_the_same_fields_written_inline() {
    let sg = media();
    let inline = plan(
        &sg,
        "{ viewer { song { __typename } ... on Viewer { bMedia { __typename } } } }",
    );
    assert_eq!(
        plan(
            &sg,
            "{ viewer { song { __typename } ...F } } fragment F on Viewer { bMedia { __typename } }"
        ),
        inline
    );
    let conditional = "query($v: Boolean!) { viewer { song { __typename } ...F @include(if: $v) } } fragment F on Viewer { bMedia { __typename } }";
    assert_eq!(
        plan_with(&sg, conditional, serde_json::json!({ "v": true })),
        inline
    );
    assert_eq!(
        plan_with(&sg, conditional, serde_json::json!({ "v": false })),
        plan(&sg, "{ viewer { song { __typename } } }")
    );
}

#[test]
fn a_shared_value_field_split_among_subgraphs_still_jumps_below_its_parts() {
    // `viewer` has no key and no subgraph has all of it: each subgraph is asked for the
    // fields it resolves, and what one cannot reach below them (`Book.bTitle`, b's) is
    // planned through keys from there. The split used to filter the whole depth, so
    // `bTitle` was never asked and `aMedia` came back `null` with an error.
    assert_eq!(
        plan(
            &media(),
            "{ viewer { aMedia { ... on Book { bTitle } } bMedia { __typename } } }"
        ),
        "[0] a\n  query {viewer {aMedia {__typename ... on Book {__typename id}}}}\n\
         [1] b\n  query {viewer {bMedia {__typename}}}\n\
         [2] b after 0 at viewer.aMedia.|[Book]\n  query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Book {bTitle} } }\n"
    );
}

/// The audit's `abstract-types` shape: `Similar.similar` is `[Product]`, but each
/// implementation narrows it (`Book.similar: [Book]`, `Magazine.similar: [Magazine]`),
/// and only the products subgraph resolves it.
fn similar() -> tessera_router::Supergraph {
    supergraph(&[
        (
            "reviews",
            r#"type Query { review: Review }
               type Review { product: Product }
               interface Product { id: ID! }
               type Book implements Product @key(fields: "id") { id: ID! }
               type Magazine implements Product @key(fields: "id") { id: ID! }"#,
        ),
        (
            "products",
            r#"interface Product { id: ID! }
               interface Similar { similar: [Product] }
               type Book implements Product & Similar @key(fields: "id") { id: ID! similar: [Book] }
               type Magazine implements Product & Similar @key(fields: "id") { id: ID! similar: [Magazine] }"#,
        ),
    ])
}

#[test]
fn a_fragment_the_implementations_own_field_type_rules_out_is_not_sent() {
    // Under `Magazine`, `similar` is `[Magazine]`: `... on Book` there would be refused
    // ("can never be of type"), so only `Book`'s entities ask for it.
    assert_eq!(
        plan(
            &similar(),
            "{ review { product { ... on Similar { similar { ... on Book { id } } } } } }"
        ),
        "[0] reviews\n  query {review {product {__typename ... on Book {__typename id} ... on Magazine {__typename id}}}}\n\
         [1] products after 0 at review.product.|[Book] + review.product.|[Magazine]\n  query($representations: [_Any!]!, $representations_1: [_Any!]!) { _entities(representations: $representations) { ... on Book {similar {__typename id}} } _entities_1: _entities(representations: $representations_1) { ... on Magazine {similar {__typename}} } }\n"
    );
}

const MEDIA: &str = r#"
type Book
  @join__type(graph: A, key: "id")
  @join__type(graph: B, key: "id")
{
  id: ID!
  title: String!
  bTitle: String! @join__field(graph: B)
}

union Media
  @join__type(graph: A)
  @join__type(graph: B)
  @join__unionMember(graph: A, member: "Book")
  @join__unionMember(graph: A, member: "Song")
  @join__unionMember(graph: B, member: "Book")
  @join__unionMember(graph: B, member: "Movie")
 = Book | Song | Movie

type Movie
  @join__type(graph: B, key: "id")
{
  id: ID!
  title: String!
}

type Query
  @join__type(graph: A)
  @join__type(graph: B)
{
  book: Media @join__field(graph: A, type: "Book") @join__field(graph: B, type: "Media")
  song: Media @join__field(graph: A)
  viewer: Viewer
}

type Song
  @join__type(graph: A, key: "id")
{
  id: ID!
  title: String!
}

type Viewer
  @join__type(graph: A)
  @join__type(graph: B)
{
  song: Media
  aMedia: Media @join__field(graph: A)
  bMedia: Media @join__field(graph: B)
}
"#;
