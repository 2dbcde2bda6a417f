//! The one request a load test sends over and over: a POST of any body, or a GET
//! whose query string carries a GraphQL request's members.

use http_body_util::Full;
use hyper::{
    Method, Request,
    body::Bytes,
    header::{self, HeaderMap, HeaderName, HeaderValue},
};
use serde_json::{Map, Value};
use url::{Position, Url};

/// Why a request cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The URL does not parse, or is not plain `http://host:port/path`.
    #[error("`{url}`: {reason}")]
    Url {
        /// As given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A header name or value is not valid HTTP.
    #[error("header `{0}` is not a valid `name: value`")]
    Header(String),
}

/// What every request of a run sends.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    url: String,
    authority: String,
    target: String,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
}

/// The body of a GraphQL request: `query`, and `variables` and `operationName` when given.
pub fn graphql_body(
    query: &str,
    variables: Option<Value>,
    operation_name: Option<&str>,
) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("query".to_owned(), Value::String(query.to_owned()));
    if let Some(variables) = variables {
        body.insert("variables".to_owned(), variables);
    }
    if let Some(name) = operation_name {
        body.insert("operationName".to_owned(), Value::String(name.to_owned()));
    }
    body
}

impl RequestSpec {
    /// `POST url` with `body` sent exactly as given (a GraphQL request, a batch, a
    /// persisted-query reference…) as `application/json`.
    pub fn post(url: &str, body: impl Into<Bytes>) -> Result<Self, RequestError> {
        let parsed = parse_http_url(url)?;
        let mut spec = Self::new(url, &parsed, Method::POST, body.into())?;
        spec.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Ok(spec)
    }

    /// `GET url?…` with each member of `params` as a query parameter: strings as they
    /// are, other values (variables, extensions) as JSON. Adds
    /// `apollo-require-preflight: true`, which CSRF prevention wants on a GET.
    pub fn get(url: &str, params: &Map<String, Value>) -> Result<Self, RequestError> {
        let mut parsed = parse_http_url(url)?;
        {
            let mut query = parsed.query_pairs_mut();
            for (name, value) in params {
                match value {
                    Value::String(text) => query.append_pair(name, text),
                    other => query.append_pair(name, &other.to_string()),
                };
            }
        }
        let mut spec = Self::new(url, &parsed, Method::GET, Bytes::new())?;
        spec.headers.insert(
            HeaderName::from_static("apollo-require-preflight"),
            HeaderValue::from_static("true"),
        );
        Ok(spec)
    }

    /// Adds (or replaces) a header, given as `name: value`.
    pub fn with_header(mut self, line: &str) -> Result<Self, RequestError> {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| RequestError::Header(line.to_owned()))?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| RequestError::Header(line.to_owned()))?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| RequestError::Header(line.to_owned()))?;
        self.headers.insert(name, value);
        Ok(self)
    }

    fn new(url: &str, parsed: &Url, method: Method, body: Bytes) -> Result<Self, RequestError> {
        let host = parsed.host_str().unwrap_or_default();
        let port = parsed.port_or_known_default().unwrap_or(80);
        let authority = format!("{host}:{port}");
        let mut headers = HeaderMap::new();
        headers.insert(
            header::HOST,
            HeaderValue::from_str(&authority).map_err(|err| RequestError::Url {
                url: url.to_owned(),
                reason: err.to_string(),
            })?,
        );
        Ok(Self {
            url: url.to_owned(),
            authority,
            target: parsed[Position::BeforePath..].to_owned(),
            method,
            headers,
            body,
        })
    }

    /// The URL as given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `host:port`, to connect to.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The HTTP request, ready to send on a connection to [`Self::authority`].
    pub fn build(&self) -> Request<Full<Bytes>> {
        let mut request = Request::new(Full::new(self.body.clone()));
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self
            .target
            .parse()
            .expect("a URL's path and query form a valid request target");
        *request.headers_mut() = self.headers.clone();
        request
    }
}

fn parse_http_url(url: &str) -> Result<Url, RequestError> {
    let error = |reason: &str| RequestError::Url {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let parsed = Url::parse(url).map_err(|err| error(&err.to_string()))?;
    if parsed.scheme() != "http" {
        return Err(error(
            "only http:// is supported (the load test runs on loopback)",
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(error("no host"));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn post_sends_the_body_as_is_to_the_path() {
        let spec = RequestSpec::post("http://127.0.0.1:4000/graphql", r#"{"query":"{a}"}"#)
            .expect("valid");
        let request = spec.build();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.uri(), "/graphql");
        assert_eq!(request.headers()[header::HOST], "127.0.0.1:4000");
        assert_eq!(request.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(spec.authority(), "127.0.0.1:4000");
    }

    #[test]
    fn get_encodes_members_as_query_parameters() {
        let params = graphql_body("{ a }", Some(json!({"x": 1})), Some("Q"));
        let spec = RequestSpec::get("http://localhost/graphql", &params).expect("valid");
        let request = spec.build();
        assert_eq!(request.method(), Method::GET);
        assert_eq!(request.uri().path(), "/graphql");
        let mut pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        pairs.sort();
        assert_eq!(
            pairs,
            [
                ("operationName".to_owned(), "Q".to_owned()),
                ("query".to_owned(), "{ a }".to_owned()),
                ("variables".to_owned(), r#"{"x":1}"#.to_owned()),
            ]
        );
        assert_eq!(request.headers()["apollo-require-preflight"], "true");
        assert_eq!(spec.authority(), "localhost:80");
    }

    #[test]
    fn headers_and_urls_are_checked() {
        let spec = RequestSpec::post("http://127.0.0.1:1/", "{}").expect("valid");
        assert!(spec.clone().with_header("x-a: b").is_ok());
        assert!(spec.with_header("no colon").is_err());
        assert!(RequestSpec::post("https://example.com/graphql", "{}").is_err());
        assert!(RequestSpec::post("not a url", "{}").is_err());
    }
}
