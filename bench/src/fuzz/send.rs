//! Sending one operation to both routers: a JSON POST each, at the same time, over
//! keep-alive connections; and, where they differ, to the tie-breaker.

use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};

use super::compare::Answer;

/// The two routers.
#[derive(Debug, Clone)]
pub struct Targets {
    client: reqwest::Client,
    /// Our router's GraphQL endpoint.
    pub ours: String,
    /// The reference router's.
    pub reference: String,
    /// A third router's, asked where the two differ ([`super::compare::Verdict`]).
    pub tiebreak: Option<String>,
}

impl Targets {
    /// A client for both, keeping up to `connections` idle connections to each.
    pub fn new(
        ours: String,
        reference: String,
        timeout: Duration,
        connections: usize,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .pool_max_idle_per_host(connections)
            .tcp_nodelay(true)
            .build()?;
        Ok(Self {
            client,
            ours,
            reference,
            tiebreak: None,
        })
    }

    /// The same, with a tie-breaker.
    #[must_use]
    pub fn with_tiebreak(mut self, url: Option<String>) -> Self {
        self.tiebreak = url;
        self
    }

    /// The tie-breaker's answer to an operation, when there is one.
    pub async fn third(&self, query: &str, variables: &Value) -> Option<Answer> {
        let url = self.tiebreak.as_ref()?;
        let body = json!({ "query": query, "variables": variables }).to_string();
        Some(post(&self.client, url, body).await)
    }

    /// Both answers to an operation: ours, then the reference's.
    pub async fn both(&self, query: &str, variables: &Value) -> (Answer, Answer) {
        let body = json!({ "query": query, "variables": variables }).to_string();
        tokio::join!(
            post(&self.client, &self.ours, body.clone()),
            post(&self.client, &self.reference, body),
        )
    }
}

async fn post(client: &reqwest::Client, url: &str, body: String) -> Answer {
    let sent = client
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .header(
            ACCEPT,
            "application/graphql-response+json, application/json",
        )
        .body(body)
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(err) => return unanswered(&err),
    };
    let status = response.status().as_u16();
    match response.bytes().await {
        Ok(bytes) => Answer {
            status,
            body: serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned())),
        },
        Err(err) => unanswered(&err),
    }
}

fn unanswered(err: &reqwest::Error) -> Answer {
    Answer {
        status: 0,
        body: json!({ "transport-error": format!("{err:#}") }),
    }
}
