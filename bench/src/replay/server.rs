//! The replay server: every subgraph of a suite at `POST /<name>` on one port,
//! answering like the real subgraph did.
//!
//! Each request is parsed and validated against the subgraph's schema first, and
//! refused the way the audit's graphql-js subgraphs refuse it: HTTP 200 with
//! `{"errors":[{"message", "locations", "extensions":{"code":"GRAPHQL_PARSE_FAILED"}}]}`
//! for a syntax error (an empty selection set `{ }`), `GRAPHQL_VALIDATION_FAILED` for
//! an invalid operation (`@include` twice on one field, `... on Book` where `Book`
//! cannot be). The messages are apollo-compiler's, not graphql-js's: routers pass them
//! on, and the corpus compares codes, not messages. A valid operation is executed over
//! the recorded data ([`resolve`](super::resolve)); errors for data never recorded are
//! coded `REPLAY_MISSING`.

use std::{io, net::SocketAddr, sync::Arc};

use apollo_compiler::{
    ast,
    resolvers::Execution,
    response::{GraphQLError, JsonMap, JsonValue},
    validation::DiagnosticList,
};
use axum::{
    Router, body::Bytes, http::header::CONTENT_TYPE, response::IntoResponse, routing::post,
};
use serde_json::{Map, Value, json};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

use super::resolve::{MISSING, MISSING_CODE, RECORDED, Replayed};
use super::subgraph::ReplaySubgraph;
use crate::subgraphs::serve;

/// The prefix apollo-compiler puts before a resolver's error message.
const RESOLVER_ERROR: &str = "resolver error: ";

impl ReplaySubgraph {
    /// The answer to a GraphQL request (`{"query", "variables", "operationName"}`).
    pub fn answer(&self, request: &Value) -> Value {
        let Some(query) = request.get("query").and_then(Value::as_str) else {
            return refusal("Must provide query string.", "BAD_REQUEST");
        };
        let schema = &self.schema.schema;
        let document = match ast::Document::parse(query, "request.graphql") {
            Ok(document) => document,
            Err(invalid) => return refused(&invalid.errors, "GRAPHQL_PARSE_FAILED"),
        };
        let document = match document.to_executable_validate(schema) {
            Ok(document) => document,
            Err(invalid) => return refused(&invalid.errors, "GRAPHQL_VALIDATION_FAILED"),
        };
        let variables = match request.get("variables") {
            Some(variables @ Value::Object(_)) => JsonValue::from(variables.clone())
                .as_object()
                .cloned()
                .expect("converted from an object"),
            _ => JsonMap::new(),
        };
        let operation_name = request.get("operationName").and_then(Value::as_str);
        let operation = match document.operations.get(operation_name) {
            Ok(operation) => operation,
            Err(error) => return refusal(&error.message().to_string(), "BAD_USER_INPUT"),
        };
        let root = Replayed::root(self, operation.object_type(), operation.is_query());
        let response = Execution::new(schema, &document)
            .operation(operation)
            .raw_variable_values(&variables)
            .enable_schema_introspection(true)
            .execute_sync(&root);
        let item_errors = root.into_item_errors();
        match response {
            Ok(response) => {
                let mut body = Map::new();
                body.insert(
                    "data".to_owned(),
                    serde_json::to_value(&response.data).expect("JSON serializes"),
                );
                let errors: Vec<Value> = response
                    .errors
                    .iter()
                    .map(error_json)
                    .chain(item_errors)
                    .collect();
                if !errors.is_empty() {
                    body.insert("errors".to_owned(), Value::Array(errors));
                }
                Value::Object(body)
            }
            Err(error) => refusal(&error.message().to_string(), "BAD_USER_INPUT"),
        }
    }
}

/// A field error as the subgraph would give it: a recorded error as recorded, a gap
/// in the data coded `REPLAY_MISSING`.
fn error_json(error: &GraphQLError) -> Value {
    let mut value = serde_json::to_value(error).expect("JSON serializes");
    let message = error
        .message
        .strip_prefix(RESOLVER_ERROR)
        .unwrap_or(&error.message);
    if let Some(recorded) = message.strip_prefix(RECORDED) {
        let recorded: Value = serde_json::from_str(recorded).unwrap_or(Value::Null);
        value["message"] = recorded.get("message").cloned().unwrap_or_default();
        match recorded.get("extensions") {
            Some(extensions) => value["extensions"] = extensions.clone(),
            None => {
                value
                    .as_object_mut()
                    .expect("an error serializes to an object")
                    .shift_remove("extensions");
            }
        }
    } else if message.starts_with(MISSING) {
        value["message"] = Value::from(message);
        value["extensions"] = json!({ "code": MISSING_CODE });
    }
    value
}

fn refused(diagnostics: &DiagnosticList, code: &str) -> Value {
    let errors: Vec<Value> = diagnostics
        .iter()
        .map(|diagnostic| {
            let mut error = serde_json::to_value(diagnostic.to_json()).expect("JSON serializes");
            error["extensions"] = json!({ "code": code });
            error
        })
        .collect();
    json!({ "errors": errors })
}

fn refusal(message: &str, code: &str) -> Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}

/// The HTTP app: `POST /<name>` for each subgraph.
pub fn app(subgraphs: Vec<ReplaySubgraph>) -> Router {
    let mut app = Router::new();
    for subgraph in subgraphs {
        let path = format!("/{}", subgraph.name);
        let subgraph = Arc::new(subgraph);
        app = app.route(
            &path,
            post(move |body: Bytes| {
                let subgraph = subgraph.clone();
                async move {
                    let answer = match serde_json::from_slice::<Value>(&body) {
                        Ok(request) => subgraph.answer(&request),
                        Err(err) => refusal(&format!("the body is not JSON: {err}"), "BAD_REQUEST"),
                    };
                    ([(CONTENT_TYPE, "application/json")], answer.to_string()).into_response()
                }
            }),
        );
    }
    app
}

/// Replay subgraphs serving in the background.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    names: Vec<String>,
    stop: watch::Sender<bool>,
    server: JoinHandle<io::Result<()>>,
}

/// Serves `subgraphs` on `listener` until [`Running::stop`], or until the [`Running`]
/// is dropped.
pub fn start(listener: TcpListener, subgraphs: Vec<ReplaySubgraph>) -> io::Result<Running> {
    let addr = listener.local_addr()?;
    let names = subgraphs.iter().map(|s| s.name.clone()).collect();
    let (stop, mut stopped) = watch::channel(false);
    let server = tokio::spawn(serve(listener, app(subgraphs), async move {
        // An error means the sender is gone, which also means stop.
        let _ = stopped.wait_for(|stop| *stop).await;
    }));
    Ok(Running {
        addr,
        names,
        stop,
        server,
    })
}

impl Running {
    /// Each subgraph's name and URL.
    pub fn urls(&self) -> Vec<(String, String)> {
        self.names
            .iter()
            .map(|name| (name.clone(), format!("http://{}/{name}", self.addr)))
            .collect()
    }

    /// Stops accepting, lets requests in flight finish.
    pub async fn stop(self) -> io::Result<()> {
        let _ = self.stop.send(true);
        self.server.await.map_err(io::Error::other)?
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn subgraph() -> ReplaySubgraph {
        let sdl = r#"
            type Query { book: Media books: [Book] }
            union Media = Book | Song
            type Book @key(fields: "id") { id: ID! title: String similar: [Magazine] }
            type Song { title: String }
            type Magazine @key(fields: "id") { id: ID! }
        "#;
        let data = serde_json::from_value(json!({
            "query": {"book": {"__typename": "Book", "id": "1", "title": "T"},
                      "books": [{"id": "1", "title": null, "@errors": {"title": {"message": "no", "extensions": {"code": "X"}}}}]},
            "entities": [{"representation": {"__typename": "Book", "id": "2"}, "value": {"__typename": "Book", "title": "U"}}]
        }))
        .expect("data");
        ReplaySubgraph::new("a", sdl.to_owned(), data).expect("a subgraph")
    }

    fn ask(query: &str, variables: Value) -> Value {
        subgraph().answer(&json!({ "query": query, "variables": variables }))
    }

    fn codes(answer: &Value) -> Vec<&str> {
        answer["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["extensions"]["code"].as_str().unwrap_or_default())
            .collect()
    }

    #[test]
    fn an_object_without_a_recorded_typename_answers_where_its_type_does_not_matter() {
        let sdl = "type Query { media: Media } interface Media { title: String } \
                   type Book implements Media { title: String } type Song implements Media { title: String }";
        let data =
            serde_json::from_value(json!({"query": {"media": {"title": "T"}}})).expect("data");
        let subgraph = ReplaySubgraph::new("a", sdl.to_owned(), data).expect("a subgraph");
        let ask = |query: &str| subgraph.answer(&json!({ "query": query }));
        assert_eq!(
            ask("{ media { title } }"),
            json!({"data": {"media": {"title": "T"}}})
        );
        assert_eq!(codes(&ask("{ media { __typename } }")), ["REPLAY_MISSING"]);
        assert_eq!(
            codes(&ask("{ media { ... on Song { title } } }")),
            ["REPLAY_MISSING"]
        );
    }

    #[test]
    fn what_a_subgraph_refuses_is_refused_with_its_codes() {
        assert_eq!(
            codes(&ask("{ book { } }", json!({}))),
            ["GRAPHQL_PARSE_FAILED"]
        );
        assert_eq!(
            codes(&ask(
                "{ book @include(if: true) @include(if: true) { __typename } }",
                json!({})
            )),
            ["GRAPHQL_VALIDATION_FAILED"]
        );
        assert_eq!(
            codes(&ask(
                "{ _entities(representations: []) { ... on Book { similar { ... on Book { id } } } } }",
                json!({})
            )),
            ["GRAPHQL_VALIDATION_FAILED"]
        );
    }

    #[test]
    fn recorded_data_answers_and_gaps_say_so() {
        let answer = ask(
            "query($r: [_Any!]!) { b: book { ... on Book { t: title id } ... on Song { title } } \
             books { title } _entities(representations: $r) { ... on Book { title similar { id } } } }",
            json!({"r": [{"__typename": "Book", "id": "2"}, {"__typename": "Book", "id": "3"}]}),
        );
        assert_eq!(
            answer["data"],
            json!({
                "b": {"t": "T", "id": "1"},
                "books": [{"title": null}],
                "_entities": [{"title": "U", "similar": null}, null],
            })
        );
        assert_eq!(
            answer["errors"],
            json!([
                {"message": "no", "locations": [{"line": 1, "column": 93}], "path": ["books", 0, "title"], "extensions": {"code": "X"}},
                {"message": "replay: no recorded value for Book.similar", "locations": [{"line": 1, "column": 154}],
                 "path": ["_entities", 0, "similar"], "extensions": {"code": "REPLAY_MISSING"}},
                {"message": "replay: no recorded value for an entity for {\"__typename\":\"Book\",\"id\":\"3\"}",
                 "path": ["_entities", 1], "extensions": {"code": "REPLAY_MISSING"}},
            ])
        );
    }
}
