//! The API explorer the router serves at `/explorer` (and at `/` to a browser):
//! GraphiQL with the caller's credentials, pointed at the full API for the team and at
//! the partner variant for partners (`router/explorer/explorer.js` decides which).
//!
//! Every file the page loads is compiled into the binary (`router/explorer/`), so it
//! works with no internet. The page forbids anything from elsewhere with its
//! `Content-Security-Policy`; vendored files carry their version in their name and are
//! cached for a year, ours revalidate by `ETag`; each is gzipped once, on first use.

use std::{io::Write as _, sync::OnceLock};

use axum::{
    Router as Axum,
    extract::Path,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use bytes::Bytes;
use sha2::{Digest as _, Sha256};

/// Where the explorer is served.
pub const PATH: &str = "/explorer";

/// What the page needs to know about this router.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExplorerOptions {
    /// The full API's endpoint.
    pub graphql: String,
    /// The partner variant's endpoint, when the router serves one.
    pub partner: Option<String>,
    /// The role that makes a caller a partner.
    pub partner_role: String,
    /// Roles that see the full API even when they also hold the partner role.
    pub team_roles: Vec<String>,
    /// The header carrying a partner's API key.
    pub api_key_header: String,
    /// The first query the team sees.
    pub default_query: String,
    /// The first query a partner sees.
    pub partner_query: String,
    /// The sign-in mutation the page sends: the web app's trusted `SignIn` document,
    /// word for word, so that signing in works when trusted documents are enforced.
    pub sign_in: String,
}

impl Default for ExplorerOptions {
    fn default() -> Self {
        Self {
            graphql: "/graphql".to_owned(),
            partner: None,
            partner_role: "partner".to_owned(),
            team_roles: vec!["admin".to_owned()],
            api_key_header: "x-api-key".to_owned(),
            default_query: DEFAULT_QUERY.to_owned(),
            partner_query: PARTNER_QUERY.to_owned(),
            sign_in: SIGN_IN.to_owned(),
        }
    }
}

const DEFAULT_QUERY: &str = "\
# The Tessera API: the documentation is on the left, completion on Ctrl+Space.
# Sign in (top right) to query as yourself; `me` is then your profile.
query Profile {
  userByHandle(handle: \"alex\") {
    handle
    displayName
    codexEntries(first: 3) {
      nodes {
        title
      }
    }
  }
}
";

const PARTNER_QUERY: &str = "\
# The Tessera partner API: the documentation is on the left, completion on Ctrl+Space.
query Search {
  codexSearch(query: \"sleep\", first: 3) {
    nodes {
      title
      tags
    }
  }
}
";

/// The web app's `SignIn` (`schema/persisted/web.json`; a contract test keeps them
/// equal).
pub const SIGN_IN: &str = "mutation SignIn($input: SignInInput!) { signIn(input: $input) { accessToken refreshToken expiresIn user { id handle } } }";

/// The page's policy: scripts, styles and requests only from the router itself
/// (GraphiQL sets inline styles; its fonts are `data:` URLs).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; \
    connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    /// Versioned in its name: cached for a year without revalidation.
    immutable: bool,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "explorer.js",
        content_type: "text/javascript; charset=utf-8",
        immutable: false,
        body: include_bytes!("../explorer/explorer.js"),
    },
    Asset {
        name: "explorer.css",
        content_type: "text/css; charset=utf-8",
        immutable: false,
        body: include_bytes!("../explorer/explorer.css"),
    },
    Asset {
        name: "graphiql-3.9.0.min.js",
        content_type: "text/javascript; charset=utf-8",
        immutable: true,
        body: include_bytes!("../explorer/vendor/graphiql-3.9.0.min.js"),
    },
    Asset {
        name: "graphiql-3.9.0.min.css",
        content_type: "text/css; charset=utf-8",
        immutable: true,
        body: include_bytes!("../explorer/vendor/graphiql-3.9.0.min.css"),
    },
    Asset {
        name: "react-18.3.1.min.js",
        content_type: "text/javascript; charset=utf-8",
        immutable: true,
        body: include_bytes!("../explorer/vendor/react-18.3.1.min.js"),
    },
    Asset {
        name: "react-dom-18.3.1.min.js",
        content_type: "text/javascript; charset=utf-8",
        immutable: true,
        body: include_bytes!("../explorer/vendor/react-dom-18.3.1.min.js"),
    },
];

/// An asset ready to send: its tag and its gzipped bytes, made on first use.
struct Prepared {
    etag: HeaderValue,
    gzipped: Bytes,
}

fn prepared(index: usize) -> &'static Prepared {
    static PREPARED: [OnceLock<Prepared>; ASSETS.len()] = [const { OnceLock::new() }; ASSETS.len()];
    PREPARED[index].get_or_init(|| {
        let body = ASSETS[index].body;
        let digest = Sha256::digest(body);
        let etag = format!("\"{}\"", hex_prefix(&digest));
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let gzipped = encoder
            .write_all(body)
            .and_then(|()| encoder.finish())
            .expect("gzip into memory cannot fail");
        Prepared {
            etag: HeaderValue::from_str(&etag).expect("hex is a valid header value"),
            gzipped: Bytes::from(gzipped),
        }
    })
}

fn hex_prefix(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    digest.iter().take(12).fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q == 0.0))
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some(index) = ASSETS.iter().position(|a| a.name == name) else {
        return (StatusCode::NOT_FOUND, "no such explorer asset").into_response();
    };
    let asset = &ASSETS[index];
    let prepared = prepared(index);
    let cache_control = if asset.immutable {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=0, must-revalidate"
    };
    let mut response = if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tag| tag == prepared.etag)
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else if accepts_gzip(&headers) {
        let mut response = prepared.gzipped.clone().into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response
    } else {
        Bytes::from_static(asset.body).into_response()
    };
    let out = response.headers_mut();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    out.insert(header::ETAG, prepared.etag.clone());
    out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The page, with `options` in its configuration block (`<` escaped, so nothing in it
/// can end the block).
fn page(options: &ExplorerOptions) -> String {
    let config = serde_json::to_string(options)
        .expect("the options serialize")
        .replace('<', "\\u003c");
    include_str!("../explorer/index.html").replace("{{CONFIG}}", &config)
}

/// The explorer's routes: the page at [`PATH`], its files under `PATH/assets/`, and `/`
/// sending a browser to the page.
pub fn routes<S: Clone + Send + Sync + 'static>(options: &ExplorerOptions) -> Axum<S> {
    let html = Bytes::from(page(options));
    Axum::new()
        .route(
            PATH,
            get(move || {
                let html = html.clone();
                async move {
                    (
                        [
                            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
                            (header::CACHE_CONTROL, "no-cache"),
                            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                            (header::REFERRER_POLICY, "no-referrer"),
                        ],
                        html,
                    )
                }
            }),
        )
        .route(&format!("{PATH}/assets/{{name}}"), get(asset))
        .route("/", get(front_door))
}

/// `/`: a browser goes to the explorer; anything else is told where the API is.
async fn front_door(headers: HeaderMap) -> Response {
    let browser = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if browser {
        Redirect::to(PATH).into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            "the GraphQL API is at /graphql; the explorer at /explorer\n",
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_the_page_names_is_served_and_every_served_asset_is_named() {
        let page = page(&ExplorerOptions::default());
        let named: Vec<&str> = page
            .split("/explorer/assets/")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap_or_default())
            .collect();
        let mut served: Vec<&str> = ASSETS.iter().map(|a| a.name).collect();
        let mut named_sorted = named.clone();
        named_sorted.sort_unstable();
        served.sort_unstable();
        assert_eq!(named_sorted, served);
    }

    #[test]
    fn the_vendored_files_are_the_published_ones() {
        let sums = include_str!("../explorer/vendor/SHA256SUMS");
        let vendored: Vec<&Asset> = ASSETS.iter().filter(|a| a.immutable).collect();
        assert_eq!(sums.lines().count(), vendored.len(), "{sums}");
        for asset in vendored {
            let line = sums
                .lines()
                .find(|line| line.ends_with(&format!("  {}", asset.name)))
                .unwrap_or_else(|| panic!("{} is not in SHA256SUMS", asset.name));
            let digest = Sha256::digest(asset.body);
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(
                &line[..64],
                hex,
                "{} differs from the published file",
                asset.name
            );
        }
    }

    #[test]
    fn the_configuration_cannot_close_its_script_block() {
        let options = ExplorerOptions {
            default_query: "</script><script>alert(1)</script>".to_owned(),
            ..ExplorerOptions::default()
        };
        let page = page(&options);
        assert_eq!(page.matches("</script>").count(), 5, "{page}");
        assert!(page.contains("\\u003c/script>\\u003cscript>alert(1)\\u003c/script>"));
    }

    #[test]
    fn gzip_is_sent_only_to_who_accepts_it() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).expect("a header value"),
            );
            accepts_gzip(&headers)
        };
        assert!(with("gzip, deflate, br"));
        assert!(with("br;q=1.0, gzip;q=0.8"));
        assert!(with("*"));
        assert!(!with("gzip;q=0"));
        assert!(!with("br, deflate"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    /// The explorer's routes on a real port; the base URL.
    async fn served() -> String {
        let url = crate::test_support::serve(routes(&ExplorerOptions::default())).await;
        url.trim_end_matches("/graphql").to_owned()
    }

    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client")
    }

    #[tokio::test]
    async fn the_page_allows_nothing_from_elsewhere() {
        let base = served().await;
        let response = client()
            .get(format!("{base}/explorer"))
            .send()
            .await
            .expect("the router answers");
        assert_eq!(response.status(), 200);
        let headers = response.headers();
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        assert_eq!(headers["content-security-policy"], CONTENT_SECURITY_POLICY);
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let body = response.text().await.expect("a body");
        assert!(body.contains(r#""partnerRole":"partner""#), "{body}");
        assert!(!body.contains("{{CONFIG}}"));
        assert!(
            !body.contains("http://") && !body.contains("https://"),
            "{body}"
        );
    }

    #[tokio::test]
    async fn assets_are_gzipped_tagged_and_revalidated() {
        let base = served().await;
        let url = format!("{base}/explorer/assets/graphiql-3.9.0.min.js");
        let plain = client().get(&url).send().await.expect("the router answers");
        assert_eq!(plain.status(), 200);
        assert_eq!(
            plain.headers()["content-type"],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            plain.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert!(plain.headers().get("content-encoding").is_none());
        let etag = plain.headers()["etag"].clone();
        let plain = plain.bytes().await.expect("a body");
        assert_eq!(&plain[..], ASSETS[2].body);

        let gzipped = client()
            .get(&url)
            .header("accept-encoding", "gzip")
            .send()
            .await
            .expect("the router answers");
        assert_eq!(gzipped.headers()["content-encoding"], "gzip");
        let packed = gzipped.bytes().await.expect("a body");
        assert!(
            packed.len() < plain.len() / 2,
            "{} of {}",
            packed.len(),
            plain.len()
        );
        let mut unpacked = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&packed[..]),
            &mut unpacked,
        )
        .expect("gzip");
        assert_eq!(unpacked, plain);

        let again = client()
            .get(format!("{base}/explorer/assets/explorer.js"))
            .send()
            .await
            .expect("the router answers");
        assert_eq!(
            again.headers()["cache-control"],
            "public, max-age=0, must-revalidate"
        );
        let tag = again.headers()["etag"].clone();
        let revalidated = client()
            .get(format!("{base}/explorer/assets/explorer.js"))
            .header("if-none-match", tag)
            .send()
            .await
            .expect("the router answers");
        assert_eq!(revalidated.status(), 304);
        assert_ne!(etag, revalidated.headers()["etag"]);

        let missing = client()
            .get(format!("{base}/explorer/assets/../../etc/passwd"))
            .send()
            .await
            .expect("the router answers");
        assert_eq!(missing.status(), 404);
        let missing = client()
            .get(format!("{base}/explorer/assets/graphiql.js"))
            .send()
            .await
            .expect("the router answers");
        assert_eq!(missing.status(), 404);
        assert_eq!(
            missing.text().await.expect("a body"),
            "no such explorer asset"
        );
    }

    #[tokio::test]
    async fn a_browser_at_the_root_goes_to_the_explorer_and_a_program_is_told_where_the_api_is() {
        let base = served().await;
        let browser = client()
            .get(format!("{base}/"))
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .send()
            .await
            .expect("the router answers");
        assert_eq!(browser.status(), 303);
        assert_eq!(browser.headers()["location"], "/explorer");
        let program = client()
            .get(format!("{base}/"))
            .send()
            .await
            .expect("the router answers");
        assert_eq!(program.status(), 404);
        assert_eq!(
            program.text().await.expect("a body"),
            "the GraphQL API is at /graphql; the explorer at /explorer\n"
        );
    }
}
