//! HTTP to subgraphs: one pooled keep-alive client, a timeout per subgraph, and the
//! subgraph's answer parsed without building more than one JSON tree.

use std::time::Duration;

use apollo_compiler::response::{JsonMap, JsonValue};
use serde::Deserialize;

/// How a subgraph request failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// No connection, a timeout, or a broken transfer.
    #[error("HTTP request to subgraph failed: {0}")]
    Transport(String),
    /// A non-success status without a GraphQL body.
    #[error("subgraph answered HTTP {0}")]
    Status(u16),
    /// A body that is not a GraphQL response.
    #[error("subgraph answered with something that is not a GraphQL response: {0}")]
    Body(String),
}

/// A subgraph's GraphQL response.
#[derive(Debug, Default, Deserialize)]
pub struct SubgraphResponse {
    /// `data`, if any.
    #[serde(default)]
    pub data: Option<JsonValue>,
    /// `errors`, as sent.
    #[serde(default)]
    pub errors: Vec<JsonMap>,
}

/// Sends operations to one subgraph.
#[derive(Debug, Clone)]
pub struct SubgraphClient {
    client: reqwest::Client,
    url: String,
    timeout: Duration,
}

impl SubgraphClient {
    /// A client for `url` sharing `client`'s connection pool.
    pub fn new(client: reqwest::Client, url: String, timeout: Duration) -> Self {
        Self {
            client,
            url,
            timeout,
        }
    }

    /// Posts `{query, variables}` with the caller's `identity` token and parses the
    /// answer.
    pub async fn send(
        &self,
        query: &str,
        variables: JsonMap,
        identity: Option<&str>,
    ) -> Result<SubgraphResponse, FetchError> {
        let mut body = JsonMap::new();
        body.insert("query", JsonValue::String(query.into()));
        if !variables.is_empty() {
            body.insert("variables", JsonValue::Object(variables));
        }
        let bytes = serde_json::to_vec(&body).map_err(|e| FetchError::Body(e.to_string()))?;
        let mut request = self.client.post(&self.url);
        if let Some(token) = identity {
            request = request.header(tessera_identity::internal::HEADER, token);
        }
        let response = request
            .header("content-type", "application/json")
            .header(
                "accept",
                "application/graphql-response+json, application/json",
            )
            .timeout(self.timeout)
            .body(bytes)
            .send()
            .await
            .map_err(|e| FetchError::Transport(e.to_string()))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| FetchError::Transport(e.to_string()))?;
        match serde_json::from_slice::<SubgraphResponse>(&bytes) {
            Ok(parsed) if parsed.data.is_some() || !parsed.errors.is_empty() => Ok(parsed),
            _ if !status.is_success() => Err(FetchError::Status(status.as_u16())),
            Ok(parsed) => Ok(parsed),
            Err(err) => Err(FetchError::Body(err.to_string())),
        }
    }
}
