//! What enters and leaves the pipeline.

use apollo_compiler::response::{ExecutionResponse, GraphQLError, JsonMap, JsonValue};
use bytes::Bytes;
use serde::Deserialize;
use tessera_codes::ErrorCode;

use crate::cache::CachePolicy;
use crate::error::error_object;

/// A GraphQL request (POST body, or GET query parameters decoded).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphqlRequest {
    /// The document.
    #[serde(default)]
    pub query: Option<String>,
    /// Which operation of the document to run.
    #[serde(default)]
    pub operation_name: Option<String>,
    /// Variable values.
    #[serde(default)]
    pub variables: Option<JsonMap>,
    /// Extensions (persisted queries, client info).
    #[serde(default)]
    pub extensions: Option<JsonMap>,
    /// A trusted document's id instead of `query` (GraphQL over HTTP's `documentId`,
    /// Relay's `doc_id`).
    #[serde(default, alias = "doc_id")]
    pub document_id: Option<String>,
}

/// The pipeline's answer: a body and, for request errors, the code that decides the
/// HTTP status.
#[derive(Debug, Clone)]
pub struct RouterResponse {
    /// `{errors?, data?}` (empty when `encoded` holds the body).
    pub body: JsonMap,
    /// The body already serialised (a response cache hit, or a response just stored).
    pub encoded: Option<Box<Bytes>>,
    /// Set when the request failed before execution (`data` absent).
    pub request_error: Option<ErrorCode>,
    /// The response's cache policy, and whether shared caches (CDNs) may keep it (the
    /// caller is anonymous): the client's `Cache-Control` (`no-store` when none).
    pub cache: Option<(CachePolicy, bool)>,
}

impl RouterResponse {
    /// A request error with one message.
    pub fn request_error(code: ErrorCode, message: &str) -> Self {
        let mut body = JsonMap::new();
        body.insert(
            "errors",
            JsonValue::Array(vec![JsonValue::Object(error_object(code, message))]),
        );
        Self::of(body, Some(code))
    }

    fn of(body: JsonMap, request_error: Option<ErrorCode>) -> Self {
        Self {
            body,
            encoded: None,
            request_error,
            cache: None,
        }
    }

    /// A body already serialised.
    pub fn encoded(bytes: Bytes, cache: (CachePolicy, bool)) -> Self {
        Self {
            body: JsonMap::new(),
            encoded: Some(Box::new(bytes)),
            request_error: None,
            cache: Some(cache),
        }
    }

    /// The client's `Cache-Control`.
    pub fn cache_control(&self) -> String {
        self.cache.map_or_else(
            || "no-store".to_owned(),
            |(policy, shareable)| policy.header(shareable),
        )
    }

    /// The body as bytes.
    pub fn to_bytes(&self) -> Bytes {
        match &self.encoded {
            Some(bytes) => Bytes::clone(bytes),
            None => Bytes::from(serde_json::to_vec(&self.body).unwrap_or_default()),
        }
    }

    /// The body as JSON.
    pub fn to_json(&self) -> JsonValue {
        match &self.encoded {
            Some(bytes) => serde_json::from_slice(bytes.as_ref()).unwrap_or(JsonValue::Null),
            None => JsonValue::Object(self.body.clone()),
        }
    }

    /// A request error from compiler diagnostics, each tagged with `code`.
    pub fn from_errors(code: ErrorCode, errors: Vec<GraphQLError>) -> Self {
        let errors = errors
            .into_iter()
            .map(|e| {
                let mut value = serde_json::to_value(&e)
                    .ok()
                    .and_then(|v| serde_json::from_value::<JsonMap>(v).ok())
                    .unwrap_or_default();
                let ext = value
                    .entry("extensions")
                    .or_insert_with(|| JsonValue::Object(JsonMap::new()));
                if let JsonValue::Object(ext) = ext {
                    ext.insert("code", JsonValue::String(code.as_str().into()));
                }
                JsonValue::Object(value)
            })
            .collect();
        let mut body = JsonMap::new();
        body.insert("errors", JsonValue::Array(errors));
        Self::of(body, Some(code))
    }

    /// An executed response: router and subgraph errors first, then those of shaping
    /// that none of them already explains (same path or below it, or a value missing
    /// from an object a subgraph failed on).
    pub fn executed(shaped: ExecutionResponse, subgraph_errors: Vec<JsonMap>) -> Self {
        // Compared without list indices: an authorization error names a field once for
        // every item of the lists above it.
        let keys = |path: &[JsonValue]| -> Vec<JsonValue> {
            path.iter().filter(|s| !s.is_number()).cloned().collect()
        };
        let paths: Vec<Vec<JsonValue>> = subgraph_errors
            .iter()
            .filter_map(|e| match e.get("path") {
                Some(JsonValue::Array(p)) => Some(keys(p)),
                _ => None,
            })
            .collect();
        // With list indices: where a subgraph's error left a hole.
        let holes: Vec<Vec<JsonValue>> = subgraph_errors
            .iter()
            .filter_map(|e| match e.get("path") {
                Some(JsonValue::Array(p)) if !p.is_empty() => Some(p.clone()),
                _ => None,
            })
            .collect();
        let mut errors: Vec<JsonValue> =
            subgraph_errors.into_iter().map(JsonValue::Object).collect();
        for error in shaped.errors {
            let Ok(JsonValue::Object(value)) =
                serde_json::to_value(&error).and_then(serde_json::from_value::<JsonValue>)
            else {
                continue;
            };
            let own: Vec<JsonValue> = match value.get("path") {
                Some(JsonValue::Array(p)) => keys(p),
                _ => Vec::new(),
            };
            if paths.iter().any(|p| p.starts_with(&own)) {
                continue;
            }
            // A value missing because a subgraph failed on its object (the error is at a
            // sibling, at the object, or above it) is that failure, told once: a subgraph
            // nulls the whole object when one of its non-null fields fails, so the others
            // are missing too.
            if let Some(JsonValue::Array(path)) = value.get("path")
                && let Some((_, parent)) = path.split_last()
                && !parent.is_empty()
                && holes
                    .iter()
                    .any(|hole| hole.starts_with(parent) || path.starts_with(hole))
            {
                continue;
            }
            errors.push(JsonValue::Object(value));
        }
        let mut body = JsonMap::new();
        if !errors.is_empty() {
            body.insert("errors", JsonValue::Array(errors));
        }
        body.insert(
            "data",
            shaped.data.map_or(JsonValue::Null, JsonValue::Object),
        );
        Self::of(body, None)
    }
}

/// The start of an executed response's body, up to its `data`, which its caller
/// writes after it as JSON text, then closes with `}`: `errors` first (as
/// [`RouterResponse::executed`] orders them), then `"data":`. `capacity` is a guess of
/// the whole body's size.
pub fn executed_body_start(errors: &[JsonMap], capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity.max(64));
    out.push(b'{');
    if !errors.is_empty() {
        out.extend_from_slice(b"\"errors\":");
        // Writing JSON into memory cannot fail.
        let _ = serde_json::to_writer(&mut out, errors);
        out.push(b',');
    }
    out.extend_from_slice(b"\"data\":");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subgraph_failure_is_told_once_not_once_per_value_it_left_missing() {
        use apollo_compiler::response::ResponseDataPathSegment as Seg;
        let field = |name: &str| Seg::Field(apollo_compiler::Name::new(name).expect("a name"));
        let shaping = |path: Vec<Seg>| GraphQLError {
            message: "non-null type Int! resolved to null".to_owned(),
            locations: Vec::new(),
            path,
            extensions: JsonMap::new(),
        };
        let subgraph: JsonMap = serde_json::from_value(serde_json::json!({
            "message": "boom",
            "path": ["products", 0, "reviews"],
            "extensions": { "serviceName": "reviews" }
        }))
        .expect("an error");
        let shaped = ExecutionResponse {
            errors: vec![
                // The same object as the subgraph's error: its failure, not another.
                shaping(vec![field("products"), Seg::ListIndex(0), field("count")]),
                // Another object, which the subgraph did not fail on: a real error.
                shaping(vec![field("products"), Seg::ListIndex(1), field("count")]),
                // A root field: no object above it to blame.
                shaping(vec![field("total")]),
            ],
            data: None,
        };
        let response = RouterResponse::executed(shaped, vec![subgraph]);
        let paths: Vec<String> = match response.body.get("errors") {
            Some(JsonValue::Array(errors)) => errors
                .iter()
                .map(|e| serde_json::to_string(&e["path"]).expect("JSON"))
                .collect(),
            _ => Vec::new(),
        };
        assert_eq!(
            paths,
            [
                r#"["products",0,"reviews"]"#,
                r#"["products",1,"count"]"#,
                r#"["total"]"#
            ]
        );
    }

    #[test]
    fn an_executed_body_starts_with_its_errors_then_data() {
        let mut error = JsonMap::new();
        error.insert("message", JsonValue::String("no \"x\"".into()));
        let mut body = executed_body_start(&[error], 0);
        body.extend_from_slice(b"{\"a\":1}}");
        assert_eq!(
            String::from_utf8(body).expect("UTF-8"),
            r#"{"errors":[{"message":"no \"x\""}],"data":{"a":1}}"#
        );
        let body = executed_body_start(&[], 4096);
        assert_eq!(body, b"{\"data\":");
        assert!(body.capacity() >= 4096, "sized as asked");
    }
}
