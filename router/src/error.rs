//! Errors as the router makes them: one typed GraphQL error for every place that
//! writes one into a response (the pipeline, authorization, the executor, a subgraph's
//! error passed on), and one typed error for a request the pipeline ends early.

use apollo_compiler::response::{GraphQLError, JsonMap, JsonValue};
use serde::{Deserialize, Serialize};
use tessera_codes::ErrorCode;

/// One entry of a response's `errors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphqlError {
    /// What went wrong, for a person.
    #[serde(default)]
    pub message: String,
    /// Where in the client's document (never a subgraph's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    /// Where in the response: response keys and list indices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<JsonValue>>,
    /// `code`, `serviceName` and whatever else the error's maker added.
    #[serde(default, skip_serializing_if = "Extensions::is_empty")]
    pub extensions: Extensions,
}

/// A position in the client's document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// From 1.
    pub line: usize,
    /// From 1.
    pub column: usize,
}

/// An error's `extensions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extensions {
    /// What a client can act on: one of [`ErrorCode`]'s spellings, or a subgraph's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The subgraph the error came from or is about.
    #[serde(
        rename = "serviceName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub service_name: Option<String>,
    /// Anything else, as its maker wrote it.
    #[serde(flatten)]
    pub other: JsonMap,
}

impl Extensions {
    fn is_empty(&self) -> bool {
        self.code.is_none() && self.service_name.is_none() && self.other.is_empty()
    }
}

impl GraphqlError {
    /// An error with one message and `extensions.code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            locations: Vec::new(),
            path: None,
            extensions: Extensions {
                code: Some(code.as_str().to_owned()),
                ..Extensions::default()
            },
        }
    }

    /// The same error at `path`.
    #[must_use]
    pub fn at(mut self, path: Vec<JsonValue>) -> Self {
        self.path = Some(path);
        self
    }

    /// The same error about subgraph `name`.
    #[must_use]
    pub fn from_service(mut self, name: &str) -> Self {
        self.extensions.service_name = Some(name.to_owned());
        self
    }

    /// An error apollo-compiler made (a diagnostic, a variable that does not coerce,
    /// a value shaping could not complete), tagged with `code` when given.
    pub fn from_compiler(error: GraphQLError, code: Option<ErrorCode>) -> Self {
        use apollo_compiler::response::ResponseDataPathSegment as Segment;
        let mut extensions = Extensions {
            code: None,
            service_name: None,
            other: error.extensions,
        };
        if let Some(JsonValue::String(code)) = extensions.other.remove("code") {
            extensions.code = Some(code.as_str().to_owned());
        }
        if let Some(code) = code {
            extensions.code = Some(code.as_str().to_owned());
        }
        Self {
            message: error.message,
            locations: error
                .locations
                .into_iter()
                .map(|at| Location {
                    line: at.line,
                    column: at.column,
                })
                .collect(),
            path: (!error.path.is_empty()).then(|| {
                error
                    .path
                    .into_iter()
                    .map(|segment| match segment {
                        Segment::Field(name) => JsonValue::String(name.as_str().into()),
                        Segment::ListIndex(i) => JsonValue::from(i),
                    })
                    .collect()
            }),
            extensions,
        }
    }

    /// A subgraph's error as sent (any JSON), made into one: a `code` that is not a
    /// string stays among the other extensions, no code at all is
    /// `DOWNSTREAM_SERVICE_ERROR`, a `path` that is not a list is
    /// dropped. Its `locations` point into the subgraph's operation, not the client's
    /// document: they are dropped too.
    pub fn from_subgraph(mut sent: JsonMap) -> Self {
        let message = match sent.remove("message") {
            Some(JsonValue::String(message)) => message.as_str().to_owned(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let path = match sent.remove("path") {
            Some(JsonValue::Array(path)) => Some(path),
            _ => None,
        };
        let mut extensions = Extensions::default();
        if let Some(JsonValue::Object(mut other)) = sent.remove("extensions") {
            match other.remove("code") {
                Some(JsonValue::String(code)) => extensions.code = Some(code.as_str().to_owned()),
                Some(code) => {
                    other.insert("code", code);
                }
                None => {}
            }
            if let Some(JsonValue::String(name)) = other.remove("serviceName") {
                extensions.service_name = Some(name.as_str().to_owned());
            }
            extensions.other = other;
        }
        // Every error a client sees has a code; a subgraph's own without one gets
        // DOWNSTREAM_SERVICE_ERROR (a code that is not a string stays as it came).
        if extensions.code.is_none() && !extensions.other.contains_key("code") {
            extensions.code = Some(ErrorCode::DownstreamServiceError.as_str().to_owned());
        }
        Self {
            message,
            locations: Vec::new(),
            path,
            extensions,
        }
    }

    /// The error as a JSON object.
    pub fn to_json(&self) -> JsonValue {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or(JsonValue::Null)
    }
}

/// The most errors one response lists; what is past them is counted in the last one
/// (`TOO_MANY_ERRORS`), so a document with thousands of mistakes, or a list whose every
/// item failed, costs a client a bounded answer.
pub const MAX_ERRORS: usize = 100;

/// `errors` as a response lists them: at most [`MAX_ERRORS`], the last of which then
/// says how many more there were.
pub fn capped(mut errors: Vec<GraphqlError>) -> Vec<GraphqlError> {
    if errors.len() > MAX_ERRORS {
        let more = errors.len() - (MAX_ERRORS - 1);
        errors.truncate(MAX_ERRORS - 1);
        errors.push(GraphqlError::new(
            ErrorCode::TooManyErrors,
            format!("… and {more} more errors, not listed"),
        ));
    }
    errors
}

/// Why the pipeline ended a request before its operation ran (`data` absent): the
/// client's mistake, told as it is, or the router's own failure, logged in full and
/// told as little as helps. Either way the code decides the HTTP status.
#[derive(Debug, Clone, PartialEq)]
pub enum PipelineError {
    /// The request cannot run as sent (it does not parse or validate, a variable does
    /// not fit, a limit is passed, the caller may not ...).
    Client {
        /// The code every error carries and the status comes from.
        code: ErrorCode,
        /// What the client is told (at least one).
        errors: Vec<GraphqlError>,
    },
    /// The router could not do what a valid request asks (plan it, finish it).
    Internal {
        /// The code the client sees.
        code: ErrorCode,
        /// What the client is told.
        message: String,
        /// What the log gets besides.
        detail: String,
    },
}

impl PipelineError {
    /// The client's mistake, with one message.
    pub fn client(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Client {
            code,
            errors: vec![GraphqlError::new(code, message)],
        }
    }

    /// The client's mistake, told by apollo-compiler's errors, each tagged with `code`.
    pub fn compiler(code: ErrorCode, errors: Vec<GraphQLError>) -> Self {
        Self::Client {
            code,
            errors: capped(
                errors
                    .into_iter()
                    .map(|e| GraphqlError::from_compiler(e, Some(code)))
                    .collect(),
            ),
        }
    }

    /// The code the client sees.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Client { code, .. } | Self::Internal { code, .. } => *code,
        }
    }

    /// The HTTP status of a response that ends with this error (GraphQL over HTTP's
    /// `application/graphql-response+json`; see `server::negotiation` for
    /// `application/json`).
    pub fn http_status(&self) -> u16 {
        self.code().http_status()
    }

    /// What the client is told; an internal error is logged here, once.
    pub fn into_errors(self) -> Vec<GraphqlError> {
        match self {
            Self::Client { errors, .. } => errors,
            Self::Internal {
                code,
                message,
                detail,
            } => {
                tracing::error!(code = code.as_str(), %detail, "{message}");
                vec![GraphqlError::new(code, message)]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(error: &GraphqlError) -> String {
        serde_json::to_string(error).expect("JSON")
    }

    #[test]
    fn an_error_is_written_as_graphql_over_http_spells_it() {
        let error = GraphqlError::new(ErrorCode::SubgraphRequestFailed, "down")
            .at(vec![JsonValue::from("me"), JsonValue::from(0)])
            .from_service("users");
        assert_eq!(
            json(&error),
            r#"{"message":"down","path":["me",0],"extensions":{"code":"SUBGRAPH_REQUEST_FAILED","serviceName":"users"}}"#
        );
        let bare = GraphqlError {
            extensions: Extensions::default(),
            ..GraphqlError::new(ErrorCode::BadRequest, "x")
        };
        assert_eq!(
            json(&bare),
            r#"{"message":"x"}"#,
            "nothing empty is written"
        );
    }

    #[test]
    fn a_subgraphs_error_keeps_what_it_sent_except_its_own_locations() {
        let sent: JsonMap = serde_json::from_value(serde_json::json!({
            "message": "nope",
            "locations": [{"line": 3, "column": 5}],
            "path": ["_entities", 1, "name"],
            "extensions": {"code": "FORBIDDEN", "retry": true}
        }))
        .expect("an object");
        let error = GraphqlError::from_subgraph(sent).from_service("workouts");
        assert_eq!(
            json(&error),
            r#"{"message":"nope","path":["_entities",1,"name"],"extensions":{"code":"FORBIDDEN","serviceName":"workouts","retry":true}}"#
        );
        // Odd but valid JSON is kept, not refused: a numeric code stays an extension.
        let odd: JsonMap = serde_json::from_value(serde_json::json!({
            "message": "odd", "path": "here", "extensions": {"code": 7}
        }))
        .expect("an object");
        assert_eq!(
            json(&GraphqlError::from_subgraph(odd)),
            r#"{"message":"odd","extensions":{"code":7}}"#
        );
        // No code at all: the router gives it one.
        let bare: JsonMap = serde_json::from_value(serde_json::json!({
            "message": "timeout talking to the warehouse", "path": ["product", "stock"]
        }))
        .expect("an object");
        assert_eq!(
            json(&GraphqlError::from_subgraph(bare).from_service("inventory")),
            r#"{"message":"timeout talking to the warehouse","path":["product","stock"],"extensions":{"code":"DOWNSTREAM_SERVICE_ERROR","serviceName":"inventory"}}"#
        );
    }

    #[test]
    fn a_long_error_list_is_cut_and_its_last_entry_counts_the_rest() {
        let many = |n: usize| -> Vec<GraphqlError> {
            (0..n)
                .map(|i| GraphqlError::new(ErrorCode::BadUserInput, format!("no {i}")))
                .collect()
        };
        assert_eq!(
            capped(many(MAX_ERRORS)),
            many(MAX_ERRORS),
            "a full list is kept"
        );
        let cut = capped(many(2_000));
        assert_eq!(cut.len(), MAX_ERRORS);
        assert_eq!(
            cut[..MAX_ERRORS - 1],
            many(MAX_ERRORS - 1)[..],
            "the first kept, in order"
        );
        assert_eq!(
            cut[MAX_ERRORS - 1],
            GraphqlError::new(
                ErrorCode::TooManyErrors,
                "… and 1901 more errors, not listed"
            )
        );
    }

    #[test]
    fn an_internal_error_tells_the_client_its_message_and_code_only() {
        let error = PipelineError::Internal {
            code: ErrorCode::QueryPlanningFailed,
            message: "no way to fetch `Query.x`".into(),
            detail: "a planner state".into(),
        };
        assert_eq!(error.http_status(), 500);
        assert_eq!(
            error.into_errors(),
            [GraphqlError::new(
                ErrorCode::QueryPlanningFailed,
                "no way to fetch `Query.x`"
            )]
        );
        let client = PipelineError::client(ErrorCode::BadUserInput, "no");
        assert_eq!(client.http_status(), 400);
    }
}
