//! `bench/operations/expected-response.json` is what the benchmark operation must
//! answer, derived here straight from the static data — no GraphQL engine, no router —
//! so that the router test compares the router with an independent answer.

use std::path::PathBuf;

use tessera_bench::data::{self, ProductRow, ReviewRow, UserRow};

const REFRESH: &str =
    "TESSERA_BENCH_BLESS=1 cargo nextest run -p tessera-bench --test expected_response";

/// A JSON object with members in the order given (the order the operation selects
/// them in, which a GraphQL response keeps).
fn object(members: Vec<(&str, String)>) -> String {
    let members: Vec<String> = members
        .into_iter()
        .map(|(name, value)| format!("{}:{value}", string(name)))
        .collect();
    format!("{{{}}}", members.join(","))
}

fn array(items: impl Iterator<Item = String>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(","))
}

fn string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

// `fragment User on User { id username name }`
fn user_fields(user: &UserRow) -> Vec<(&'static str, String)> {
    vec![
        ("id", string(user.id)),
        ("username", string(user.username)),
        ("name", string(user.name)),
    ]
}

// `fragment Review on Review { id body }`
fn review_fields(review: &ReviewRow) -> Vec<(&'static str, String)> {
    vec![("id", string(review.id)), ("body", string(review.body))]
}

// `fragment Product on Product { inStock name price shippingEstimate upc weight }`
fn product_fields(product: &ProductRow) -> Vec<(&'static str, String)> {
    let stock = data::stock(product.upc).expect("every product has a stock row");
    vec![
        ("inStock", stock.in_stock.to_string()),
        ("name", string(product.name)),
        ("price", product.price.to_string()),
        (
            "shippingEstimate",
            data::shipping_estimate(product.price, product.weight).to_string(),
        ),
        ("upc", string(product.upc)),
        ("weight", product.weight.to_string()),
    ]
}

fn product_of(review: &ReviewRow) -> &'static ProductRow {
    data::product(review.product_upc).expect("every review is of a known product")
}

fn author_of(review: &ReviewRow) -> &'static UserRow {
    data::user(review.author_id).expect("every review has a known author")
}

// `{ ...Review product { ...Product } }`
fn review_with_product(review: &ReviewRow) -> String {
    let mut fields = review_fields(review);
    fields.push(("product", object(product_fields(product_of(review)))));
    object(fields)
}

// `author { ...User reviews { ...Review product { ...Product } } }`
fn author_with_reviews(user: &UserRow) -> String {
    let mut fields = user_fields(user);
    fields.push((
        "reviews",
        array(data::reviews_by(user.id).map(review_with_product)),
    ));
    object(fields)
}

// `{ ...Product reviews { ...Review author { … } } }`
fn product_with_reviews(product: &ProductRow) -> String {
    let mut fields = product_fields(product);
    let reviews = data::reviews_of(product.upc).map(|review| {
        let mut fields = review_fields(review);
        fields.push(("author", author_with_reviews(author_of(review))));
        object(fields)
    });
    fields.push(("reviews", array(reviews)));
    object(fields)
}

fn expected_response() -> String {
    let users = data::USERS.iter().map(|user| {
        let mut fields = user_fields(user);
        let reviews = data::reviews_by(user.id).map(|review| {
            let mut fields = review_fields(review);
            fields.push(("product", product_with_reviews(product_of(review))));
            object(fields)
        });
        fields.push(("reviews", array(reviews)));
        object(fields)
    });
    // `topProducts` without `first`: its default, 5.
    let top_products = data::PRODUCTS.iter().take(5).map(product_with_reviews);
    object(vec![(
        "data",
        object(vec![
            ("users", array(users)),
            ("topProducts", array(top_products)),
        ]),
    )])
}

#[test]
fn the_committed_expected_response_follows_from_the_data() {
    let fresh = format!("{}\n", expected_response());
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("operations/expected-response.json");
    if std::env::var_os("TESSERA_BENCH_BLESS").is_some() {
        std::fs::write(&path, &fresh).expect("writing the expected response");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "bench/operations/expected-response.json is stale: run `{REFRESH}` and commit it"
    );
    let value: serde_json::Value = serde_json::from_str(&fresh).expect("valid JSON");
    assert_eq!(value["data"]["users"].as_array().map(Vec::len), Some(6));
    // Sized like the classic benchmark's answer.
    assert!(
        (80_000..=120_000).contains(&fresh.len()),
        "{} bytes",
        fresh.len()
    );
}
