//! The pipeline end to end against subgraphs over real HTTP.

use std::collections::HashMap;

use super::*;
use crate::cache::CacheOptions;

const LABELLED: &str = include_str!("../../tests/fixtures/override-labels.graphql");

/// A subgraph over real HTTP: `fields` names what it resolves on `Product`, and it
/// answers with those the request asks for, at the root (`product`) or as one entity.
async fn product_subgraph(fields: &'static [(&'static str, serde_json::Value)]) -> String {
    let app = axum::Router::new().route(
        "/graphql",
        axum::routing::post(move |body: String| async move {
            let mut product = serde_json::json!({ "__typename": "Product", "id": "1" });
            for (name, value) in fields {
                if body.contains(name) {
                    product[*name] = value.clone();
                }
            }
            let data = if body.contains("_entities") {
                serde_json::json!({ "_entities": [product] })
            } else {
                serde_json::json!({ "product": product })
            };
            axum::Json(serde_json::json!({ "data": data }))
        }),
    );
    crate::test_support::serve(app).await
}

#[tokio::test]
async fn each_request_is_planned_with_its_own_labels() {
    static A: std::sync::LazyLock<Vec<(&str, serde_json::Value)>> =
        std::sync::LazyLock::new(|| vec![("price", 1.0.into()), ("colour", "red (a)".into())]);
    static B: std::sync::LazyLock<Vec<(&str, serde_json::Value)>> =
        std::sync::LazyLock::new(|| vec![("price", 2.0.into()), ("colour", "blue (b)".into())]);
    let a = product_subgraph(&A).await;
    let b = product_subgraph(&B).await;
    let router = Router::new(
        Supergraph::parse(LABELLED).expect("loads"),
        &RouterOptions {
            subgraph_urls: HashMap::from([("a".to_owned(), a), ("b".to_owned(), b)]),
            override_labels: vec!["new-colour".to_owned()],
            ..RouterOptions::default()
        },
    );
    let mut from_b = 0;
    for _ in 0..200 {
        let request = GraphqlRequest {
            query: Some("{ product { price colour } }".to_owned()),
            ..GraphqlRequest::default()
        };
        let response = router.execute(request, false, &Identity::ANONYMOUS).await;
        let body = response.to_json();
        assert_eq!(body["data"]["product"]["colour"], "blue (b)", "{body}");
        match body["data"]["product"]["price"].as_f64() {
            Some(2.0) => from_b += 1,
            Some(1.0) => {}
            _ => panic!("{body}"),
        }
    }
    // percent(25) of 200: 50 expected, standard deviation ~6.
    assert!((20..80).contains(&from_b), "{from_b}");
    assert_eq!(
        router.operations_prepared(),
        1,
        "one operation, prepared once"
    );
}

/// A router over the labelled fixture whose subgraphs `a` and `b` are both at `url`.
fn over_one_subgraph(url: String) -> Router {
    Router::new(
        Supergraph::parse(LABELLED).expect("loads"),
        &RouterOptions {
            subgraph_urls: HashMap::from([("a".to_owned(), url.clone()), ("b".to_owned(), url)]),
            ..RouterOptions::default()
        },
    )
}

#[tokio::test]
async fn a_replica_answers_with_the_plans_of_its_original() {
    static FIELDS: std::sync::LazyLock<Vec<(&str, serde_json::Value)>> =
        std::sync::LazyLock::new(|| vec![("price", 3.0.into()), ("colour", "green".into())]);
    let a = product_subgraph(&FIELDS).await;
    let router = over_one_subgraph(a);
    let replica = router.replica();
    for serving in [&router, &replica, &replica] {
        let request = GraphqlRequest {
            query: Some("{ product { price } }".to_owned()),
            ..GraphqlRequest::default()
        };
        let response = serving.execute(request, false, &Identity::ANONYMOUS).await;
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&response.to_bytes()).expect("JSON"),
            serde_json::json!({ "data": { "product": { "price": 3.0 } } })
        );
    }
    // Planned once, by the original; the count is shared too.
    assert_eq!(router.operations_prepared(), 1);
    assert_eq!(replica.operations_prepared(), 1);
}

/// A subgraph over real HTTP answering `product { name }` with `cache_control` as
/// its `Cache-Control` header.
async fn subgraph_saying(cache_control: &'static str) -> String {
    let app = axum::Router::new().route(
        "/graphql",
        axum::routing::post(move || async move {
            (
                [("cache-control", cache_control)],
                axum::Json(serde_json::json!({ "data": { "product": { "name": "Bar" } } })),
            )
        }),
    );
    crate::test_support::serve(app).await
}

#[tokio::test]
async fn documents_whose_operation_normalizes_alike_share_one_plan() {
    static NAME: std::sync::LazyLock<Vec<(&str, serde_json::Value)>> =
        std::sync::LazyLock::new(|| vec![("name", "Bar".into())]);
    let a = product_subgraph(&NAME).await;
    let router = over_one_subgraph(a);
    let same = serde_json::json!({ "product": { "name": "Bar", "id": "1" } });
    let documents = [
        (
            "query Q { product { name ...P } } fragment P on Product { id }",
            &same,
        ),
        // Layout, commas and comments.
        (
            "# the same\nquery Q {\n  product {\n    name,\n    ...P\n  }\n}\n\nfragment P on Product {\n  id # the key\n}\n",
            &same,
        ),
        // Another operation, with a fragment of its own, around it.
        (
            "fragment C on Product { colour } query Other { product { ...C } } fragment P on Product { id } query Q { product { name ...P } }",
            &same,
        ),
        // What the planner reads differs: a field more, a fragment's selection.
        (
            "query Q { product { name __typename ...P } } fragment P on Product { id }",
            &serde_json::json!({ "product": { "name": "Bar", "__typename": "Product", "id": "1" } }),
        ),
        (
            "query Q { product { name ...P } } fragment P on Product { name }",
            &serde_json::json!({ "product": { "name": "Bar" } }),
        ),
    ];
    for (query, data) in documents {
        let request = GraphqlRequest {
            query: Some(query.to_owned()),
            operation_name: Some("Q".to_owned()),
            ..GraphqlRequest::default()
        };
        let response = router.execute(request, false, &Identity::ANONYMOUS).await;
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&response.to_bytes()).expect("JSON"),
            serde_json::json!({ "data": data }),
            "{query}"
        );
    }
    assert_eq!(
        router.operations_prepared(),
        5,
        "each text parsed and validated"
    );
    assert_eq!(router.operations_planned(), 3, "three operations planned");
}

/// Subgraph `b` over real HTTP: a `Product`'s `weight` as one entity, after `delay`.
async fn weighing_subgraph(delay: Duration) -> String {
    let app = axum::Router::new().route(
        "/graphql",
        axum::routing::post(move || async move {
            tokio::time::sleep(delay).await;
            axum::Json(serde_json::json!({
                "data": { "_entities": [{ "__typename": "Product", "weight": 2.5 }] }
            }))
        }),
    );
    crate::test_support::serve(app).await
}

/// A subgraph that reads the request, starts a 200 answer and hangs up halfway.
async fn hanging_up_subgraph() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = listener.local_addr().expect("bound");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut chunk = [0_u8; 4096];
            // Headers, then as many bytes as `content-length` says.
            while let Ok(n @ 1..) = stream.read(&mut chunk).await {
                request.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if body.len() >= length {
                        break;
                    }
                }
            }
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{\"data\":{\"_ent")
                .await;
        }
    });
    format!("http://{addr}/graphql")
}

#[tokio::test]
async fn a_failed_subgraph_is_named_with_what_went_wrong_and_never_its_address() {
    static NAME: std::sync::LazyLock<Vec<(&str, serde_json::Value)>> =
        std::sync::LazyLock::new(|| vec![("name", "Bar".into())]);
    let a = product_subgraph(&NAME).await;
    // An address nothing listens on.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        format!("http://{}/graphql", listener.local_addr().expect("bound"))
    };
    let slow = Duration::from_millis(400);
    // `b` gets its own timeout, or the default (which the slow `b` is within).
    let cases = [
        (
            weighing_subgraph(slow).await,
            Some(100),
            Some("no answer within 100 ms"),
        ),
        (weighing_subgraph(slow).await, None, None),
        (closed, None, Some("no connection could be made to it")),
        (
            hanging_up_subgraph().await,
            None,
            Some("the connection failed before the answer was complete"),
        ),
    ];
    for (b, own_timeout, failure) in cases {
        let router = Router::new(
            Supergraph::parse(LABELLED).expect("loads"),
            &RouterOptions {
                subgraph_urls: HashMap::from([("a".to_owned(), a.clone()), ("b".to_owned(), b)]),
                subgraph_timeout: Duration::from_secs(5),
                subgraph_timeouts: own_timeout
                    .map(|ms| ("b".to_owned(), Duration::from_millis(ms)))
                    .into_iter()
                    .collect(),
                ..RouterOptions::default()
            },
        );
        let ask = |query: &str| {
            let request = GraphqlRequest {
                query: Some(query.to_owned()),
                ..GraphqlRequest::default()
            };
            let router = &router;
            async move {
                let response = router.execute(request, false, &Identity::ANONYMOUS).await;
                serde_json::from_slice::<serde_json::Value>(&response.to_bytes()).expect("JSON")
            }
        };
        let answer = ask("{ product { name weight } }").await;
        let expected = match failure {
            None => {
                serde_json::json!({ "data": { "product": { "name": "Bar", "weight": 2.5 } } })
            }
            Some(what) => serde_json::json!({
                "errors": [{
                    "message": format!("subgraph `b` could not be fetched: {what}"),
                    "path": ["product"],
                    "extensions": { "code": "SUBGRAPH_REQUEST_FAILED", "serviceName": "b" },
                }],
                "data": { "product": { "name": "Bar", "weight": null } },
            }),
        };
        assert_eq!(answer, expected);
        // The router goes on serving what does not need `b`.
        assert_eq!(
            ask("{ product { name } }").await,
            serde_json::json!({ "data": { "product": { "name": "Bar" } } })
        );
    }
}

#[tokio::test]
async fn a_subgraphs_cache_control_header_restricts_the_responses_policy() {
    let cases = [
        ("max-age=20", Some(20), false),
        ("max-age=900", Some(300), false),
        ("max-age=20, private", Some(20), true),
        ("no-store", None, false),
        ("public", Some(300), false),
    ];
    for (header, max_age, private) in cases {
        let router = Router::new(
            Supergraph::parse(LABELLED).expect("loads"),
            &RouterOptions {
                subgraph_urls: HashMap::from([("a".to_owned(), subgraph_saying(header).await)]),
                // The fixture has no hints: everything may be kept 300 s.
                cache: CacheOptions {
                    default_max_age: 300,
                    ..CacheOptions::default()
                },
                ..RouterOptions::default()
            },
        );
        let request = GraphqlRequest {
            query: Some("{ product { name } }".to_owned()),
            ..GraphqlRequest::default()
        };
        let response = router.execute(request, false, &Identity::ANONYMOUS).await;
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&response.to_bytes()).expect("JSON"),
            serde_json::json!({ "data": { "product": { "name": "Bar" } } })
        );
        let (policy, _) = response.cache.expect("a policy");
        assert_eq!(
            (policy.cacheable_for(), policy.private),
            (max_age, private),
            "subgraph said `{header}`"
        );
    }
}

#[test]
fn configured_labels_are_always_on_and_percent_labels_sometimes() {
    let router = Router::new(
        Supergraph::parse(LABELLED).expect("loads"),
        &RouterOptions {
            override_labels: vec!["new-colour".to_owned()],
            ..RouterOptions::default()
        },
    );
    let rolls: Vec<Vec<String>> = (0..400).map(|_| router.active_labels()).collect();
    assert!(rolls.iter().all(|r| r.contains(&"new-colour".to_owned())));
    let with_percent = rolls
        .iter()
        .filter(|r| r.contains(&"percent(25)".to_owned()))
        .count();
    assert!((40..160).contains(&with_percent), "{with_percent}");
    let plain = Router::new(
        Supergraph::parse(LABELLED).expect("loads"),
        &RouterOptions::default(),
    );
    assert!(
        (0..100).all(|_| !plain.active_labels().contains(&"new-colour".to_owned())),
        "a named label is off unless configured"
    );
}

/// A subgraph over real HTTP that keeps every operation it is sent and answers
/// `product` with `name`, then `id`, then `__typename` (whichever it was asked for,
/// in that order, whatever the operation's order).
async fn keeping_subgraph(seen: Arc<std::sync::Mutex<Vec<String>>>) -> String {
    let app = axum::Router::new().route(
        "/graphql",
        axum::routing::post(move |body: axum::Json<serde_json::Value>| {
            let seen = seen.clone();
            async move {
                let query = body["query"].as_str().unwrap_or_default().to_owned();
                let mut product = serde_json::Map::new();
                for (field, value) in [("name", "Bar"), ("id", "1"), ("__typename", "Product")] {
                    if query.contains(field) {
                        product.insert(field.to_owned(), value.into());
                    }
                }
                seen.lock().expect("not poisoned").push(query);
                axum::Json(serde_json::json!({ "data": { "product": product } }))
            }
        }),
    );
    crate::test_support::serve(app).await
}

async fn answer(router: &Router, query: &str, variables: serde_json::Value) -> serde_json::Value {
    let request = GraphqlRequest {
        query: Some(query.to_owned()),
        variables: serde_json::from_value(variables).expect("an object"),
        ..GraphqlRequest::default()
    };
    let response = router.execute(request, false, &Identity::ANONYMOUS).await;
    serde_json::from_slice(&response.to_bytes()).expect("JSON")
}

#[tokio::test]
async fn conditions_are_decided_before_any_subgraph_is_asked() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let router = over_one_subgraph(keeping_subgraph(seen.clone()).await);
    let query = "query($s: Boolean!) { product { ... @include(if: true) { name @include(if: true) } id @skip(if: $s) } }";
    assert_eq!(
        answer(&router, query, serde_json::json!({ "s": true })).await,
        serde_json::json!({ "data": { "product": { "name": "Bar" } } })
    );
    assert_eq!(
        answer(&router, query, serde_json::json!({ "s": false })).await,
        serde_json::json!({ "data": { "product": { "name": "Bar", "id": "1" } } })
    );
    // Every field left out: the object is `{}`, and the subgraph is asked for its
    // type alone.
    assert_eq!(
        answer(
            &router,
            "{ product { name @include(if: false) } }",
            serde_json::json!({})
        )
        .await,
        serde_json::json!({ "data": { "product": {} } })
    );
    assert_eq!(
        *seen.lock().expect("not poisoned"),
        [
            "query {product {name}}",
            "query {product {name id}}",
            "query {product {__typename}}"
        ],
        "no condition reaches a subgraph"
    );
}

/// An interface no object type implements (its values come from an
/// `@interfaceObject`, named as the interface) is shaped as itself, also when a
/// null in a non-null position sends the response to the executor, not the
/// projector (`Supergraph::shaping`).
#[tokio::test]
async fn a_value_of_an_interface_nothing_implements_is_shaped_by_both_shapers() {
    let app = axum::Router::new().route(
        "/graphql",
        axum::routing::post(|body: String| async move {
            let thing = if body.contains("must") {
                serde_json::json!({ "must": null })
            } else {
                serde_json::json!({ "__typename": "Thing" })
            };
            axum::Json(serde_json::json!({
                "data": {
                    "lonely": { "__typename": "Lonely", "id": "n1", "field": "foo" },
                    "thing": thing,
                }
            }))
        }),
    );
    let router = Router::new(
        Supergraph::parse(include_str!(
            "../../tests/fixtures/lonely-interface.graphql"
        ))
        .expect("loads"),
        &RouterOptions {
            subgraph_urls: HashMap::from([("a".to_owned(), crate::test_support::serve(app).await)]),
            ..RouterOptions::default()
        },
    );
    // The projector.
    assert_eq!(
        answer(
            &router,
            "{ lonely { id t: __typename field } thing { __typename } }",
            serde_json::json!({})
        )
        .await,
        serde_json::json!({ "data": {
            "lonely": { "id": "n1", "t": "Lonely", "field": "foo" },
            "thing": { "__typename": "Thing" },
        } })
    );
    // The executor: `must` is null, so `thing` is, with an error.
    let answered = answer(
        &router,
        "{ lonely { id t: __typename field } thing { must } }",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(
        answered["data"],
        serde_json::json!({ "lonely": { "id": "n1", "t": "Lonely", "field": "foo" }, "thing": null })
    );
    assert_eq!(
        answered["errors"].as_array().map(Vec::len),
        Some(1),
        "{answered}"
    );
    assert_eq!(
        answered["errors"][0]["path"],
        serde_json::json!(["thing", "must"])
    );
    // Introspection reads the API schema as it is: the interface stays one. (Such a
    // value beside it is the one case left unshaped: docs/correctness.md.)
    let answered = answer(
        &router,
        r#"{ __type(name: "Lonely") { kind } lonely { id } }"#,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(
        answered["data"]["__type"],
        serde_json::json!({ "kind": "INTERFACE" })
    );
    assert_eq!(
        answered["data"]["lonely"],
        serde_json::Value::Null,
        "{answered}"
    );
}

/// Two entity calls in one request to a subgraph (`_entities` and `_entities_1`),
/// and the subgraph fails `_entities` as a whole (`data: null`, one error at
/// `["_entities"]`): every object either call stood for gets an error, none is
/// left null in silence.
#[tokio::test]
async fn a_subgraph_failing_every_entity_call_of_a_request_is_told_at_each() {
    let a = axum::Router::new().route(
        "/graphql",
        axum::routing::post(|| async {
            axum::Json(serde_json::json!({ "data": {
                "me": { "__typename": "User", "id": "u1" },
                "top": { "__typename": "Product", "id": "p1" },
            } }))
        }),
    );
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = seen.clone();
    let b = axum::Router::new().route(
        "/graphql",
        axum::routing::post(move |body: String| {
            let kept = kept.clone();
            async move {
                kept.lock().expect("not poisoned").push(body);
                axum::Json(serde_json::json!({
                    "data": null,
                    "errors": [{ "message": "boom", "path": ["_entities"] }],
                }))
            }
        }),
    );
    let router = Router::new(
        Supergraph::parse(include_str!(
            "../../tests/fixtures/two-entity-calls.graphql"
        ))
        .expect("loads"),
        &RouterOptions {
            subgraph_urls: HashMap::from([
                ("a".to_owned(), crate::test_support::serve(a).await),
                ("b".to_owned(), crate::test_support::serve(b).await),
            ]),
            ..RouterOptions::default()
        },
    );
    let answered = answer(
        &router,
        "{ me { nick } top { name } }",
        serde_json::json!({}),
    )
    .await;
    let seen = seen.lock().expect("not poisoned").clone();
    assert_eq!(seen.len(), 1, "one request to b: {seen:?}");
    assert!(seen[0].contains("_entities_1"), "{}", seen[0]);
    assert_eq!(
        answered["data"],
        serde_json::json!({ "me": { "nick": null }, "top": { "name": null } })
    );
    let errors = answered["errors"].as_array().cloned().unwrap_or_default();
    let mut paths: Vec<String> = errors.iter().map(|e| e["path"].to_string()).collect();
    paths.sort();
    assert_eq!(paths, [r#"["me"]"#, r#"["top"]"#], "{answered}");
    assert!(
        errors
            .iter()
            .all(|e| e["message"] == "boom" && e["extensions"]["serviceName"] == "b"),
        "{answered}"
    );
}

#[tokio::test]
async fn where_other_routers_differ_the_spec_is_kept() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let router = over_one_subgraph(keeping_subgraph(seen).await);
    // The operation's key order, not the subgraph's; `__typename` under an alias
    // answers the object's type.
    let text = |value: &serde_json::Value| value.to_string();
    assert_eq!(
        text(
            &answer(
                &router,
                "{ product { id kind: __typename name } }",
                serde_json::json!({})
            )
            .await
        ),
        r#"{"data":{"product":{"id":"1","kind":"Product","name":"Bar"}}}"#
    );
    // Cyclic fragments are refused, as the spec's validation says.
    let cyclic = answer(
        &router,
        "{ product { ...A } } fragment A on Product { name ...B } fragment B on Product { id ...A }",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(
        cyclic["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{cyclic}"
    );
    assert!(cyclic.get("data").is_none(), "{cyclic}");
    // Introspection lists the built-in scalars the schema uses, and no other.
    let types = answer(
        &router,
        "{ __schema { types { name } } }",
        serde_json::json!({}),
    )
    .await;
    let names: Vec<&str> = types["data"]["__schema"]["types"]
        .as_array()
        .expect("types")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    for used in ["ID", "String", "Float", "Boolean"] {
        assert!(names.contains(&used), "{used} in {names:?}");
    }
    assert!(!names.contains(&"Int"), "Int is used nowhere: {names:?}");
}

#[tokio::test]
async fn a_document_with_thousands_of_mistakes_gets_a_bounded_answer() {
    let router = Router::new(
        Supergraph::parse(LABELLED).expect("loads"),
        &RouterOptions::default(),
    );
    // 2,000 variables nothing uses: one validation error each.
    let variables: Vec<String> = (0..2_000).map(|i| format!("$v{i}: Int")).collect();
    let request = GraphqlRequest {
        query: Some(format!("query({}) {{ __typename }}", variables.join(", "))),
        ..GraphqlRequest::default()
    };
    let response = router.execute(request, false, &Identity::ANONYMOUS).await;
    assert_eq!(
        response.request_error,
        Some(tessera_codes::ErrorCode::GraphqlValidationFailed)
    );
    let body = response.to_json();
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), crate::error::MAX_ERRORS);
    assert!(
        errors[..crate::error::MAX_ERRORS - 1]
            .iter()
            .all(|e| e["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"),
        "{body}"
    );
    let last = &errors[crate::error::MAX_ERRORS - 1];
    // (apollo-compiler may tell more than one error per variable.)
    let more: usize = last["message"]
        .as_str()
        .and_then(|m| m.strip_prefix("… and "))
        .and_then(|m| m.strip_suffix(" more errors, not listed"))
        .and_then(|n| n.parse().ok())
        .expect("counts the rest");
    assert!(more >= 2_000 - (crate::error::MAX_ERRORS - 1), "{more}");
    assert_eq!(last["extensions"]["code"], "TOO_MANY_ERRORS");
    // And the router goes on answering.
    let request = GraphqlRequest {
        query: Some("{ __typename }".to_owned()),
        ..GraphqlRequest::default()
    };
    let response = router.execute(request, false, &Identity::ANONYMOUS).await;
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&response.to_bytes()).expect("JSON"),
        serde_json::json!({ "data": { "__typename": "Query" } })
    );
}
