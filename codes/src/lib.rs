//! The one catalogue of error codes shared by the router and every subgraph.
//!
//! A client sees a code in `errors[].extensions.code`, spelled in `SCREAMING_SNAKE_CASE`.
//! Each code also says which HTTP status the router answers with when that error ends
//! a request before execution (GraphQL-over-HTTP: errors during execution keep 200).
//!
//! The crate has no dependencies on purpose: subgraphs and router both link it, and it
//! must never pull one side's stack into the other.

use std::fmt;

/// What went wrong, as a client can act on it.
///
/// Add a variant only together with the place that produces it and a test showing the
/// exact error a client receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request body or query string is not a GraphQL request (bad JSON, no query).
    BadRequest,
    /// The document does not parse.
    GraphqlParseFailed,
    /// The document does not validate against the schema.
    GraphqlValidationFailed,
    /// An argument or input field has a value the domain rejects; `extensions.field`
    /// names the input field.
    BadUserInput,
    /// No valid identity was presented where one is required.
    Unauthenticated,
    /// The caller is known but may not do this.
    Forbidden,
    /// The caller may not see this field or type; the part is removed and `null`.
    UnauthorizedFieldOrType,
    /// The addressed object does not exist (or is hidden from the caller).
    NotFound,
    /// The change conflicts with the current state (a unique value taken, a stale write).
    Conflict,
    /// Too many requests; retry after the time in `Retry-After`.
    RateLimited,
    /// An automatic persisted query hash is unknown: send the query text with it.
    PersistedQueryNotFound,
    /// The query text does not hash to the hash sent with it.
    PersistedQueryHashMismatch,
    /// Automatic persisted queries are turned off.
    PersistedQueryNotSupported,
    /// Only trusted documents may run and this one is not in the list.
    PersistedQueryNotInList,
    /// The operation is valid but the supergraph offers no way to fetch part of it.
    QueryPlanningFailed,
    /// The HTTP method may not carry this operation (a mutation over GET).
    MethodNotAllowed,
    /// A subgraph could not be reached or answered with something that is not GraphQL.
    SubgraphRequestFailed,
    /// The database or another dependency is unavailable; retrying may succeed.
    ServiceUnavailable,
    /// A bug or an unexpected state; details are in the server log, not the response.
    InternalServerError,
    /// The operation nests fields deeper than allowed.
    MaxDepthLimit,
    /// The operation uses more aliases than allowed.
    MaxAliasesLimit,
    /// The operation selects more root fields than allowed.
    MaxRootFieldsLimit,
    /// The document has more lexical tokens than allowed.
    MaxTokensLimit,
    /// The operation applies more directives than allowed.
    MaxDirectivesLimit,
    /// The operation's estimated cost (from `@cost` / `@listSize`) exceeds the limit.
    CostEstimatedTooExpensive,
    /// Introspection is not open to this caller.
    IntrospectionDisabled,
    /// The request body is larger than allowed.
    PayloadTooLarge,
    /// The HTTP batch holds more operations than allowed.
    BatchLimitExceeded,
    /// The request body is not JSON (`Content-Type` other than `application/json` or a
    /// `+json` type, or none), or is encoded (`Content-Encoding`) in a way the server does
    /// not read.
    UnsupportedMediaType,
    /// The response has more errors than it lists: this last one counts the rest.
    TooManyErrors,
    /// The client took longer than allowed to send its request body.
    RequestTimeout,
    /// A subgraph's fault the router adds the code to: the subgraph's own error that
    /// came without one (`extensions.serviceName` names the subgraph), or a value it
    /// sent that the schema does not allow (`null` for a non-null field).
    DownstreamServiceError,
    /// The router did not ask a subgraph because its circuit breaker is open after
    /// repeated failures (`extensions.serviceName` names it); its fields are `null`
    /// until a probe is answered.
    SubgraphCircuitOpen,
}

impl ErrorCode {
    /// Every code, in declaration order (for docs and exhaustive tests).
    pub const ALL: &'static [ErrorCode] = &[
        Self::BadRequest,
        Self::GraphqlParseFailed,
        Self::GraphqlValidationFailed,
        Self::BadUserInput,
        Self::Unauthenticated,
        Self::Forbidden,
        Self::UnauthorizedFieldOrType,
        Self::NotFound,
        Self::Conflict,
        Self::RateLimited,
        Self::PersistedQueryNotFound,
        Self::PersistedQueryHashMismatch,
        Self::PersistedQueryNotSupported,
        Self::PersistedQueryNotInList,
        Self::QueryPlanningFailed,
        Self::MethodNotAllowed,
        Self::SubgraphRequestFailed,
        Self::ServiceUnavailable,
        Self::InternalServerError,
        Self::MaxDepthLimit,
        Self::MaxAliasesLimit,
        Self::MaxRootFieldsLimit,
        Self::MaxTokensLimit,
        Self::MaxDirectivesLimit,
        Self::CostEstimatedTooExpensive,
        Self::IntrospectionDisabled,
        Self::PayloadTooLarge,
        Self::BatchLimitExceeded,
        Self::UnsupportedMediaType,
        Self::TooManyErrors,
        Self::RequestTimeout,
        Self::DownstreamServiceError,
        Self::SubgraphCircuitOpen,
    ];

    /// The wire spelling used in `extensions.code`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "BAD_REQUEST",
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::UnauthorizedFieldOrType => "UNAUTHORIZED_FIELD_OR_TYPE",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::PersistedQueryHashMismatch => "PERSISTED_QUERY_HASH_MISMATCH",
            Self::PersistedQueryNotSupported => "PERSISTED_QUERY_NOT_SUPPORTED",
            Self::PersistedQueryNotInList => "PERSISTED_QUERY_NOT_IN_LIST",
            Self::QueryPlanningFailed => "QUERY_PLANNING_FAILED",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::SubgraphRequestFailed => "SUBGRAPH_REQUEST_FAILED",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
            Self::MaxDepthLimit => "MAX_DEPTH_LIMIT",
            Self::MaxAliasesLimit => "MAX_ALIASES_LIMIT",
            Self::MaxRootFieldsLimit => "MAX_ROOT_FIELDS_LIMIT",
            Self::MaxTokensLimit => "MAX_TOKENS_LIMIT",
            Self::MaxDirectivesLimit => "MAX_DIRECTIVES_LIMIT",
            Self::CostEstimatedTooExpensive => "COST_ESTIMATED_TOO_EXPENSIVE",
            Self::IntrospectionDisabled => "INTROSPECTION_DISABLED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::BatchLimitExceeded => "BATCH_LIMIT_EXCEEDED",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::TooManyErrors => "TOO_MANY_ERRORS",
            Self::RequestTimeout => "REQUEST_TIMEOUT",
            Self::DownstreamServiceError => "DOWNSTREAM_SERVICE_ERROR",
            Self::SubgraphCircuitOpen => "SUBGRAPH_CIRCUIT_OPEN",
        }
    }

    /// The HTTP status for a request that fails as a whole with this code.
    ///
    /// Persisted-query misses stay 200 because Apollo Client only retries with the
    /// query text when it can read the GraphQL error from a successful response.
    pub const fn http_status(self) -> u16 {
        match self {
            Self::BadRequest
            | Self::GraphqlParseFailed
            | Self::GraphqlValidationFailed
            | Self::BadUserInput
            | Self::PersistedQueryHashMismatch
            | Self::PersistedQueryNotInList
            | Self::MaxDepthLimit
            | Self::MaxAliasesLimit
            | Self::MaxRootFieldsLimit
            | Self::MaxTokensLimit
            | Self::MaxDirectivesLimit
            | Self::CostEstimatedTooExpensive
            | Self::IntrospectionDisabled
            | Self::BatchLimitExceeded => 400,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::RequestTimeout => 408,
            // Never end a request themselves: they come with its data.
            Self::TooManyErrors | Self::DownstreamServiceError => 200,
            Self::Unauthenticated => 401,
            Self::Forbidden | Self::UnauthorizedFieldOrType => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::RateLimited => 429,
            Self::PersistedQueryNotFound | Self::PersistedQueryNotSupported => 200,
            Self::QueryPlanningFailed => 500,
            Self::MethodNotAllowed => 405,
            Self::SubgraphRequestFailed => 502,
            Self::SubgraphCircuitOpen => 503,
            Self::ServiceUnavailable => 503,
            Self::InternalServerError => 500,
        }
    }

    /// Whether a request refused with this code gets [`ErrorCode::http_status`] even
    /// from a client that accepts only `application/json` (which otherwise sees 200 for
    /// GraphQL errors): the HTTP request itself is wrong — not GraphQL, a mutation over
    /// GET, a body in an encoding not read here, a persisted-query hash that is not its
    /// text's, a document outside the trusted list.
    pub const fn refuses_the_http_request(self) -> bool {
        matches!(
            self,
            Self::BadRequest
                | Self::MethodNotAllowed
                | Self::UnsupportedMediaType
                | Self::RequestTimeout
                | Self::PersistedQueryHashMismatch
                | Self::PersistedQueryNotInList
        )
    }

    /// Parses the wire spelling back (the router reads subgraph errors with it).
    pub fn from_wire(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == code)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn wire_spelling_round_trips_and_is_screaming_snake_case() {
        for code in ErrorCode::ALL {
            let wire = code.as_str();
            assert!(
                wire.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
                "{wire} is not SCREAMING_SNAKE_CASE"
            );
            assert_eq!(ErrorCode::from_wire(wire), Some(*code));
        }
        assert_eq!(ErrorCode::from_wire("bad_user_input"), None);
    }

    #[test]
    fn persisted_query_miss_keeps_http_200_for_apollo_client() {
        assert_eq!(ErrorCode::PersistedQueryNotFound.http_status(), 200);
        assert_eq!(ErrorCode::PersistedQueryHashMismatch.http_status(), 400);
        assert_eq!(ErrorCode::RateLimited.http_status(), 429);
        assert!(ErrorCode::PersistedQueryHashMismatch.refuses_the_http_request());
        assert!(!ErrorCode::PersistedQueryNotFound.refuses_the_http_request());
        assert!(!ErrorCode::GraphqlValidationFailed.refuses_the_http_request());
    }
}
