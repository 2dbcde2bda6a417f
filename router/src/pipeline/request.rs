//! What enters and leaves the pipeline.

use apollo_compiler::response::{ExecutionResponse, JsonMap, JsonValue};
use bytes::Bytes;
use serde::Deserialize;
use tessera_codes::ErrorCode;

use crate::{
    cache::CachePolicy,
    error::{GraphqlError, PipelineError, capped},
};

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

/// A response body: a JSON object still to write, or bytes already written (a
/// response cache hit, a response just stored, one projected straight from the data).
#[derive(Debug, Clone)]
pub enum Body {
    /// `{errors?, data?}`.
    Json(JsonMap),
    /// The body serialised.
    Encoded(Bytes),
}

/// The pipeline's answer: a body and, for request errors, the code that decides the
/// HTTP status.
#[derive(Debug, Clone)]
pub struct RouterResponse {
    /// The body.
    pub body: Body,
    /// Set when the request failed before execution (`data` absent).
    pub request_error: Option<ErrorCode>,
    /// The response's cache policy, and whether shared caches (CDNs) may keep it (the
    /// caller is anonymous): the client's `Cache-Control` (`no-store` when none).
    pub cache: Option<(CachePolicy, bool)>,
}

impl From<PipelineError> for RouterResponse {
    fn from(error: PipelineError) -> Self {
        let code = error.code();
        Self::of(errors_body(&error.into_errors()), Some(code))
    }
}

impl RouterResponse {
    /// A request error with one message.
    pub fn request_error(code: ErrorCode, message: &str) -> Self {
        PipelineError::client(code, message).into()
    }

    fn of(body: JsonMap, request_error: Option<ErrorCode>) -> Self {
        Self {
            body: Body::Json(body),
            request_error,
            cache: None,
        }
    }

    /// A body already serialised.
    pub fn encoded(bytes: Bytes, cache: (CachePolicy, bool)) -> Self {
        Self {
            body: Body::Encoded(bytes),
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
        match &self.body {
            Body::Encoded(bytes) => bytes.clone(),
            Body::Json(body) => Bytes::from(serde_json::to_vec(body).unwrap_or_default()),
        }
    }

    /// The body as JSON.
    pub fn to_json(&self) -> JsonValue {
        match &self.body {
            Body::Encoded(bytes) => {
                serde_json::from_slice(bytes.as_ref()).unwrap_or(JsonValue::Null)
            }
            Body::Json(body) => JsonValue::Object(body.clone()),
        }
    }

    /// An executed response: router and subgraph errors first, then those of shaping
    /// that none of them already explains (same path or below it, or a value missing
    /// from an object a subgraph failed on).
    pub fn executed(shaped: ExecutionResponse, mut errors: Vec<GraphqlError>) -> Self {
        // Compared without list indices: an authorization error names a field once for
        // every item of the lists above it.
        let keys = |path: &[JsonValue]| -> Vec<JsonValue> {
            path.iter().filter(|s| !s.is_number()).cloned().collect()
        };
        let paths: Vec<Vec<JsonValue>> = errors
            .iter()
            .filter_map(|e| e.path.as_deref().map(keys))
            .collect();
        // With list indices: where a subgraph's error left a hole.
        let holes: Vec<Vec<JsonValue>> = errors
            .iter()
            .filter_map(|e| e.path.clone().filter(|p| !p.is_empty()))
            .collect();
        for error in shaped.errors {
            // Nothing the subgraphs said explains it: a value one sent breaks the schema.
            let error = GraphqlError::from_compiler(error, Some(ErrorCode::DownstreamServiceError));
            let path = error.path.as_deref().unwrap_or_default();
            let own = keys(path);
            if paths.iter().any(|p| p.starts_with(&own)) {
                continue;
            }
            // A value missing because a subgraph failed on its object (the error is at a
            // sibling, at the object, or above it) is that failure, told once: a subgraph
            // nulls the whole object when one of its non-null fields fails, so the others
            // are missing too.
            if let Some((_, parent)) = path.split_last()
                && !parent.is_empty()
                && holes
                    .iter()
                    .any(|hole| hole.starts_with(parent) || path.starts_with(hole))
            {
                continue;
            }
            errors.push(error);
        }
        let mut body = if errors.is_empty() {
            JsonMap::new()
        } else {
            errors_body(&capped(errors))
        };
        body.insert(
            "data",
            shaped.data.map_or(JsonValue::Null, JsonValue::Object),
        );
        Self::of(body, None)
    }
}

/// `{"errors": [...]}`.
fn errors_body(errors: &[GraphqlError]) -> JsonMap {
    let mut body = JsonMap::new();
    body.insert(
        "errors",
        JsonValue::Array(errors.iter().map(GraphqlError::to_json).collect()),
    );
    body
}

/// The start of an executed response's body, up to its `data`, which its caller
/// writes after it as JSON text, then closes with `}`: `errors` first (as
/// [`RouterResponse::executed`] orders them), then `"data":`. `capacity` is a guess of
/// the whole body's size.
pub fn executed_body_start(errors: &[GraphqlError], capacity: usize) -> Vec<u8> {
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
    use apollo_compiler::response::GraphQLError;

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
        let response =
            RouterResponse::executed(shaped, vec![GraphqlError::from_subgraph(subgraph)]);
        let paths: Vec<String> = match response.to_json().as_object().and_then(|b| b.get("errors"))
        {
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
    fn an_executed_response_lists_at_most_the_cap_of_errors() {
        let shaping = |i: usize| GraphQLError {
            message: format!("non-null type Int! resolved to null ({i})"),
            locations: Vec::new(),
            path: vec![apollo_compiler::response::ResponseDataPathSegment::ListIndex(i)],
            extensions: JsonMap::new(),
        };
        let shaped = ExecutionResponse {
            errors: (0..150).map(shaping).collect(),
            data: None,
        };
        let body = RouterResponse::executed(shaped, Vec::new()).to_json();
        let errors = body["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), crate::error::MAX_ERRORS);
        assert_eq!(
            errors[0]["extensions"]["code"], "DOWNSTREAM_SERVICE_ERROR",
            "a value a subgraph sent against the schema is its fault, with a code"
        );
        assert_eq!(
            errors[crate::error::MAX_ERRORS - 1]["message"],
            "… and 51 more errors, not listed"
        );
        assert_eq!(
            errors[crate::error::MAX_ERRORS - 1]["extensions"]["code"],
            "TOO_MANY_ERRORS"
        );
    }

    #[test]
    fn an_executed_body_starts_with_its_errors_then_data() {
        let error = GraphqlError {
            extensions: crate::error::Extensions::default(),
            ..GraphqlError::new(ErrorCode::BadRequest, "no \"x\"")
        };
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
