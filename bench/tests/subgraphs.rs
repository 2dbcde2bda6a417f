//! The four benchmark subgraphs over real HTTP: their roots, their entities (with the
//! `@requires` and `@provides` fields) and their federation SDL.

use std::net::Ipv4Addr;

use serde_json::{Value, json};
use tessera_bench::subgraphs::{self, Running, SUBGRAPHS};

async fn post(url: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("the subgraph answers");
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON")
}

async fn query(running: &Running, subgraph: &str, query: &str, variables: Value) -> Value {
    let url = running.url(subgraph).expect("a benchmark subgraph");
    post(url, json!({ "query": query, "variables": variables })).await
}

const ENTITIES: &str = "query($r: [_Any!]!) { _entities(representations: $r) { \
    ... on User { id username reviews { id } } \
    ... on Product { upc reviews { id author { id username } } } \
    ... on Review { id product { upc } } } }";

#[tokio::test]
async fn accounts_and_products_answer_their_roots() {
    let running = subgraphs::start(Ipv4Addr::LOCALHOST.into(), 0)
        .await
        .expect("free ports");
    let body = query(
        &running,
        "accounts",
        "{ me { id } user(id: \"2\") { name username birthday } users { id } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body,
        json!({ "data": {
            "me": { "id": "1" },
            "user": { "name": "Tomás Lindqvist", "username": "tomas", "birthday": 430_531_200 },
            "users": [{ "id": "1" }, { "id": "2" }, { "id": "3" }, { "id": "4" }, { "id": "5" }, { "id": "6" }]
        }})
    );
    let body = query(
        &running,
        "products",
        "{ five: topProducts { upc } two: topProducts(first: 2) { upc name price weight } }",
        json!({}),
    )
    .await;
    assert_eq!(
        body,
        json!({ "data": {
            "five": [{ "upc": "1001" }, { "upc": "1002" }, { "upc": "1003" }, { "upc": "1004" }, { "upc": "1005" }],
            "two": [
                { "upc": "1001", "name": "Oak writing desk", "price": 349, "weight": 30 },
                { "upc": "1002", "name": "Linen three-seat sofa", "price": 1299, "weight": 85 }
            ]
        }})
    );
    running.stop().await.expect("a clean stop");
}

#[tokio::test]
async fn inventory_estimates_shipping_from_the_required_fields() {
    let running = subgraphs::start(Ipv4Addr::LOCALHOST.into(), 0)
        .await
        .expect("free ports");
    let body = query(
        &running,
        "inventory",
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { upc inStock shippingEstimate } } }",
        json!({ "r": [
            { "__typename": "Product", "upc": "1001", "price": 349, "weight": 30 },
            { "__typename": "Product", "upc": "1002", "price": 1299, "weight": 85 },
            { "__typename": "Product", "upc": "1003" },
            { "__typename": "Product", "upc": "9999", "price": 1, "weight": 1 }
        ]}),
    )
    .await;
    assert_eq!(
        body,
        json!({ "data": { "_entities": [
            { "upc": "1001", "inStock": true, "shippingEstimate": 20 },
            { "upc": "1002", "inStock": false, "shippingEstimate": 0 },
            { "upc": "1003", "inStock": true, "shippingEstimate": null },
            null
        ]}})
    );
}

#[tokio::test]
async fn reviews_extend_users_and_products_and_provide_usernames() {
    let running = subgraphs::start(Ipv4Addr::LOCALHOST.into(), 0)
        .await
        .expect("free ports");
    let body = query(
        &running,
        "reviews",
        ENTITIES,
        json!({ "r": [
            { "__typename": "User", "id": "2" },
            { "__typename": "Product", "upc": "1005" },
            { "__typename": "Review", "id": "9" }
        ]}),
    )
    .await;
    assert_eq!(
        body,
        json!({ "data": { "_entities": [
            { "id": "2", "username": "tomas", "reviews": [{ "id": "3" }, { "id": "4" }] },
            { "upc": "1005", "reviews": [
                { "id": "8", "author": { "id": "4", "username": "jonah" } },
                { "id": "14", "author": { "id": "3", "username": "priya" } }
            ]},
            { "id": "9", "product": { "upc": "1006" } }
        ]}})
    );
}

#[tokio::test]
async fn each_subgraph_serves_its_federation_sdl() {
    let running = subgraphs::start(Ipv4Addr::LOCALHOST.into(), 0)
        .await
        .expect("free ports");
    for subgraph in SUBGRAPHS {
        let body = query(&running, subgraph.name, "{ _service { sdl } }", json!({})).await;
        assert_eq!(
            body["data"]["_service"]["sdl"].as_str(),
            Some(subgraph.sdl().as_str()),
            "{}",
            subgraph.name
        );
    }
}
