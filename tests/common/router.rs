//! The router alone in front of the users subgraph, and a JSON POST as the tests of
//! the router's features send it.

use serde_json::{Value, json};

use super::Platform;

/// Users (with the demo cast) and the router in front of it; `users_up: false` points
/// the router at a port where nothing listens.
pub async fn platform(users_up: bool) -> Platform {
    let running: &[&'static str] = if users_up { &["users"] } else { &[] };
    Platform::start(running, false).await
}

pub trait Post {
    async fn post(&self, body: Value, accept: &str) -> (u16, String, Value);
    async fn query(&self, query: &str) -> Value;
}

impl Post for Platform {
    async fn post(&self, body: Value, accept: &str) -> (u16, String, Value) {
        let response = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("accept", accept)
            .json(&body)
            .send()
            .await
            .expect("the router answers");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, content_type, response.json().await.expect("JSON"))
    }

    async fn query(&self, query: &str) -> Value {
        self.post(json!({ "query": query }), "application/json")
            .await
            .2
    }
}
