//! The subgraphs a supergraph names (`enum join__Graph { A @join__graph(name: "a", url:
//! "…") }`), and the same supergraph text with other URLs: the recording proxy's, or
//! `http://replay/<name>` in a corpus, where no real URL belongs. Only the URL strings
//! change; the rest of the text is kept byte for byte.

use apollo_compiler::ast::{self, Definition};

use super::error::ReplayError;

/// The URL a corpus's supergraph gives subgraph `name`: a placeholder, replaced by the
/// replay server's URL when the router is built.
pub fn placeholder(name: &str) -> String {
    format!("http://replay/{name}")
}

/// One subgraph of a supergraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubgraphUrl {
    /// Its name (`@join__graph(name:)`).
    pub name: String,
    /// Its URL (`@join__graph(url:)`).
    pub url: String,
    /// Where the URL's string literal is in the text (byte offsets, quotes included).
    span: (usize, usize),
}

/// The subgraphs `supergraph` names, in the order written.
pub fn subgraphs(supergraph: &str) -> Result<Vec<SubgraphUrl>, ReplayError> {
    let document = ast::Document::parse(supergraph, "supergraph.graphql")
        .map_err(|e| ReplayError::Supergraph(e.errors.to_string()))?;
    let mut found = Vec::new();
    for definition in &document.definitions {
        let Definition::EnumTypeDefinition(graphs) = definition else {
            continue;
        };
        if graphs.name != "join__Graph" {
            continue;
        }
        for value in &graphs.values {
            let Some(directive) = value.directives.get("join__graph") else {
                continue;
            };
            let name = directive
                .specified_argument_by_name("name")
                .and_then(|v| v.as_str())
                .map_or_else(|| value.value.to_lowercase(), str::to_owned);
            let Some(url) = directive.specified_argument_by_name("url") else {
                continue;
            };
            let (Some(text), Some(location)) = (url.as_str(), url.location()) else {
                continue;
            };
            found.push(SubgraphUrl {
                name,
                url: text.to_owned(),
                span: (location.offset(), location.end_offset()),
            });
        }
    }
    if found.is_empty() {
        return Err(ReplayError::Supergraph(
            "no `enum join__Graph` value with @join__graph(url:)".to_owned(),
        ));
    }
    Ok(found)
}

/// `supergraph` with each subgraph's URL replaced by `url(name)`.
pub fn with_urls(supergraph: &str, url: impl Fn(&str) -> String) -> Result<String, ReplayError> {
    let mut subgraphs = subgraphs(supergraph)?;
    subgraphs.sort_by_key(|s| s.span.0);
    let mut out = String::with_capacity(supergraph.len());
    let mut at = 0;
    for subgraph in &subgraphs {
        out.push_str(&supergraph[at..subgraph.span.0]);
        out.push_str(&serde_json::Value::from(url(&subgraph.name)).to_string());
        at = subgraph.span.1;
    }
    out.push_str(&supergraph[at..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUPERGRAPH: &str = r#"schema @link(url: "https://specs.apollo.dev/link/v1.0") { query: Query }
enum join__Graph {
  A @join__graph(name: "a", url: "http://127.0.0.1:4290/union-intersection/a")
  B @join__graph(name: "b", url: "http://127.0.0.1:4290/union-intersection/b")
}
type Query { x: Int }
"#;

    #[test]
    fn urls_are_read_and_replaced_in_place() {
        let found = subgraphs(SUPERGRAPH).expect("subgraphs");
        assert_eq!(
            found
                .iter()
                .map(|s| (s.name.as_str(), s.url.as_str()))
                .collect::<Vec<_>>(),
            [
                ("a", "http://127.0.0.1:4290/union-intersection/a"),
                ("b", "http://127.0.0.1:4290/union-intersection/b")
            ]
        );
        let replaced = with_urls(SUPERGRAPH, placeholder).expect("replaced");
        assert_eq!(
            replaced,
            SUPERGRAPH.replace(
                "http://127.0.0.1:4290/union-intersection/",
                "http://replay/"
            )
        );
    }
}
