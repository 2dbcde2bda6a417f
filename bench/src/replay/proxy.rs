//! The recording proxy: stands between a router and the real subgraphs of a
//! supergraph, passes every request on and every answer back unchanged, and appends
//! each pair to `recordings.jsonl`.
//!
//! [`prepare`] readies a recordings directory: the subgraphs' SDL (asked with
//! `{ _service { sdl } }`) in `subgraphs/<name>.graphql`, the supergraph with
//! placeholder URLs in `supergraph.graphql` (what a corpus keeps), and, outside the
//! directory, the supergraph whose URLs point at the proxy (what the router being
//! recorded runs on). [`app`] is the proxy itself: `POST /<name>` forwards to subgraph
//! `name`'s real URL. Only the body goes on (as `application/json`), so that the
//! answer comes back uncompressed and recordable; a batch is recorded request by
//! request.

use std::{
    collections::HashMap,
    fs::{File, OpenOptions},
    io::Write as _,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    body::Bytes,
    extract::{Path as UrlPath, State},
    http::{StatusCode, header::CONTENT_TYPE},
    response::{IntoResponse, Response},
    routing::post,
};
use serde_json::{Value, json};

use super::{
    error::ReplayError,
    record::{RecordedRequest, Recording},
    supergraph::{self, placeholder},
};

/// The recordings file in a recordings directory.
pub const RECORDINGS: &str = "recordings.jsonl";

/// A recordings directory made ready by [`prepare`].
#[derive(Debug)]
pub struct Prepared {
    /// The supergraph the router must run on (its URLs point at the proxy).
    pub router_supergraph: PathBuf,
    /// Each subgraph's real URL, by name.
    pub upstream: HashMap<String, String>,
    /// Where recordings are appended.
    pub recordings: PathBuf,
}

/// Asks each subgraph of `supergraph` for its SDL and writes the recordings directory
/// `out_dir` (see the module's documentation), for a proxy listening on `listen`.
pub async fn prepare(
    supergraph: &Path,
    out_dir: &Path,
    listen: SocketAddr,
) -> Result<Prepared, ReplayError> {
    let text = std::fs::read_to_string(supergraph).map_err(|e| ReplayError::io(supergraph, e))?;
    let subgraphs = supergraph::subgraphs(&text)?;
    let sdl_dir = out_dir.join("subgraphs");
    std::fs::create_dir_all(&sdl_dir).map_err(|e| ReplayError::io(&sdl_dir, e))?;
    let client = reqwest::Client::new();
    for subgraph in &subgraphs {
        let sdl = fetch_sdl(&client, &subgraph.name, &subgraph.url).await?;
        write(&sdl_dir.join(format!("{}.graphql", subgraph.name)), &sdl)?;
    }
    write(
        &out_dir.join("supergraph.graphql"),
        &supergraph::with_urls(&text, placeholder)?,
    )?;
    let router_dir = std::env::temp_dir().join(format!("tessera-record-{}", listen.port()));
    std::fs::create_dir_all(&router_dir).map_err(|e| ReplayError::io(&router_dir, e))?;
    let router_supergraph = router_dir.join("supergraph.graphql");
    write(
        &router_supergraph,
        &supergraph::with_urls(&text, |name| format!("http://{listen}/{name}"))?,
    )?;
    Ok(Prepared {
        router_supergraph,
        upstream: subgraphs.into_iter().map(|s| (s.name, s.url)).collect(),
        recordings: out_dir.join(RECORDINGS),
    })
}

fn write(path: &Path, text: &str) -> Result<(), ReplayError> {
    std::fs::write(path, text).map_err(|e| ReplayError::io(path, e))
}

async fn fetch_sdl(client: &reqwest::Client, name: &str, url: &str) -> Result<String, ReplayError> {
    let failed = |message: String| ReplayError::Subgraph {
        subgraph: name.to_owned(),
        url: url.to_owned(),
        message,
    };
    let answer: Value = client
        .post(url)
        .json(&json!({ "query": "{ _service { sdl } }" }))
        .send()
        .await
        .map_err(|e| failed(e.to_string()))?
        .json()
        .await
        .map_err(|e| failed(e.to_string()))?;
    answer["data"]["_service"]["sdl"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| failed(format!("no `_service.sdl` in {answer}")))
}

struct Proxy {
    client: reqwest::Client,
    upstream: HashMap<String, String>,
    recordings: Mutex<File>,
}

/// The proxy for `prepared`: `POST /<name>` forwards to subgraph `name`.
pub fn app(prepared: &Prepared) -> Result<Router, ReplayError> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&prepared.recordings)
        .map_err(|e| ReplayError::io(&prepared.recordings, e))?;
    let proxy = Arc::new(Proxy {
        client: reqwest::Client::new(),
        upstream: prepared.upstream.clone(),
        recordings: Mutex::new(file),
    });
    Ok(Router::new()
        .route("/{name}", post(forward))
        .with_state(proxy))
}

async fn forward(
    State(proxy): State<Arc<Proxy>>,
    UrlPath(name): UrlPath<String>,
    body: Bytes,
) -> Response {
    let Some(url) = proxy.upstream.get(&name) else {
        return (StatusCode::NOT_FOUND, format!("no subgraph `{name}`")).into_response();
    };
    let sent = proxy
        .client
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .body(body.clone())
        .send()
        .await;
    let answer = match sent {
        Ok(answer) => answer,
        Err(err) => return (StatusCode::BAD_GATEWAY, err.to_string()).into_response(),
    };
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = answer
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_owned();
    let bytes = match answer.bytes().await {
        Ok(bytes) => bytes,
        Err(err) => return (StatusCode::BAD_GATEWAY, err.to_string()).into_response(),
    };
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    let response: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    // A batch (a list of requests) is answered by a list: one recording per pair.
    let pairs: Vec<(Value, Value)> = match (request, response) {
        (Value::Array(requests), Value::Array(responses)) => {
            requests.into_iter().zip(responses).collect()
        }
        pair => vec![pair],
    };
    let mut lines = String::new();
    for (request, response) in pairs {
        let Ok(request) = serde_json::from_value::<RecordedRequest>(request) else {
            continue;
        };
        let recording = Recording {
            subgraph: name.clone(),
            request,
            response,
        };
        lines.push_str(&serde_json::to_string(&recording).expect("JSON serializes"));
        lines.push('\n');
    }
    if !lines.is_empty() {
        let mut file = proxy
            .recordings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(err) = file.write_all(lines.as_bytes()) {
            eprintln!("tessera-bench record: appending recordings: {err}");
        }
    }
    (status, [(CONTENT_TYPE, content_type)], bytes).into_response()
}
