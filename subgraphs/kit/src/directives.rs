//! The authorization directives subgraphs put on their schema for the router to enforce
//! (`@authenticated`, `@requiresScopes`, `@policy`), and the federation SDL that carries
//! them into composition.
//!
//! async-graphql has `@requiresScopes` built in (`#[graphql(requires_scopes = "a b")]`:
//! each attribute is one alternative, its space-separated scopes all required). The
//! other two are declared here as type directives:
//!
//! ```ignore
//! #[graphql(directive = tessera_kit::directives::authenticated::apply())]
//! #[graphql(directive = tessera_kit::directives::policy::apply(vec![vec!["premium".into()]]))]
//! ```
//!
//! async-graphql's federation `@link` imports neither, so [`federation_sdl`] adds them
//! to the import and drops the local definitions it wrote: composition then reads them
//! as the federation directives they are.
//!
//! The same goes for a progressive `@override` (Federation 2.7), which async-graphql's
//! `override_from` cannot write: [`progressive_override`] takes the field over from
//! another subgraph only for requests where the router has the label on, and the SDL
//! then links Federation 2.7.
//!
//! ```ignore
//! #[graphql(directive = tessera_kit::directives::progressive_override::apply(
//!     "workouts".into(), "codex-exercises".into()))]
//! ```

use async_graphql::{ObjectType, SDLExportOptions, Schema, SubscriptionType, TypeDirective};

/// Only signed-in callers may see the field or type.
#[TypeDirective(
    location = "FieldDefinition",
    location = "Object",
    location = "Interface",
    location = "Enum"
)]
pub fn authenticated() {}

/// Only callers for whom one of the alternatives (all of its policies) holds.
#[TypeDirective(
    location = "FieldDefinition",
    location = "Object",
    location = "Interface",
    location = "Enum"
)]
pub fn policy(policies: Vec<Vec<String>>) {}

/// The field moves here `from` another subgraph, but only for requests where the
/// router has `label` on (`router.override_labels`, or `percent(n)`: n % of requests);
/// the other subgraph answers for it otherwise, so the move can be tried, and taken
/// back, without deploying a subgraph.
#[TypeDirective(name = "override", location = "FieldDefinition")]
pub fn progressive_override(from: String, label: String) {}

/// Who may share a cached answer: everyone (`PUBLIC`), or only the caller it was made
/// for (`PRIVATE`).
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(name = "CacheControlScope", rename_items = "SCREAMING_SNAKE_CASE")]
pub enum CacheScope {
    /// Any caller may be answered from the cached value.
    Public,
    /// Only the caller it was made for.
    Private,
}

/// How long the router (and a CDN, for public answers) may reuse the value of the
/// field, or of every field returning the type, and for whom (Apollo's
/// `@cacheControl`). `inherit_max_age` makes a field returning an object take its
/// parent's max age instead of counting as uncacheable.
#[TypeDirective(
    name = "cacheControl",
    location = "FieldDefinition",
    location = "Object",
    location = "Interface"
)]
pub fn cache_control(
    max_age: Option<i32>,
    scope: Option<CacheScope>,
    inherit_max_age: Option<bool>,
) {
}

const FEDERATION_LINKED: &str = "https://specs.apollo.dev/federation/v2.5\"";
const FEDERATION_WITH_LABELS: &str = "https://specs.apollo.dev/federation/v2.7\"";

const IMPORTED: &str = "\"@requiresScopes\"]";
const WITH_OURS: &str = "\"@requiresScopes\", \"@authenticated\", \"@policy\"]";

/// The federation SDL of `schema` as composition must read it.
pub fn federation_sdl<Q, M, S>(schema: &Schema<Q, M, S>) -> String
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let sdl = schema.sdl_with_options(SDLExportOptions::new().federation());
    let mut sdl = with_authorization_imports(&sdl);
    if sdl.contains(", label: \"") {
        // `@override(from:, label:)` is Federation 2.7's.
        sdl = sdl.replace(FEDERATION_LINKED, FEDERATION_WITH_LABELS);
    }
    if sdl.contains("@cacheControl(") {
        sdl.push_str(CACHE_CONTROL_LINK);
    }
    sdl
}

/// Links `@cacheControl` and asks composition to carry it into the supergraph, where
/// the router reads it.
const CACHE_CONTROL_LINK: &str = "extend schema\n\t@link(url: \"https://specs.tessera.dev/cacheControl/v0.1\", import: [\"@cacheControl\"])\n\t@composeDirective(name: \"@cacheControl\")\n";

fn with_authorization_imports(sdl: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in sdl.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("directive @authenticated")
            || trimmed.starts_with("directive @policy")
            || trimmed.starts_with("directive @override")
        {
            drop_description(&mut out);
            continue;
        }
        if trimmed.starts_with("import:") && line.contains(IMPORTED) {
            out.push(line.replace(IMPORTED, WITH_OURS));
        } else {
            out.push(line.to_owned());
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// Removes the `"""…"""` description that ends `lines`, if any (the one written for a
/// directive definition being dropped).
fn drop_description(lines: &mut Vec<String>) {
    let Some(last) = lines.last().map(|l| l.trim().to_owned()) else {
        return;
    };
    if last.len() > 6 && last.starts_with("\"\"\"") && last.ends_with("\"\"\"") {
        lines.pop();
        return;
    }
    if last != "\"\"\"" {
        return;
    }
    lines.pop();
    while let Some(line) = lines.pop() {
        if line.trim_start().starts_with("\"\"\"") {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object};

    use super::*;

    struct Query;

    #[Object]
    impl Query {
        #[graphql(directive = authenticated::apply())]
        async fn me(&self) -> Option<i32> {
            None
        }

        #[graphql(directive = policy::apply(vec![vec!["premium".to_owned()]]))]
        async fn stats(&self) -> Option<i32> {
            None
        }

        #[graphql(requires_scopes = "plans:write", requires_scopes = "admin")]
        async fn plans(&self) -> Option<i32> {
            None
        }

        #[graphql(directive = cache_control::apply(Some(60), Some(CacheScope::Private), None))]
        async fn cached(&self) -> Option<i32> {
            None
        }
    }

    struct Moving;

    #[Object]
    impl Moving {
        #[graphql(directive = progressive_override::apply("b".to_owned(), "new-b".to_owned()))]
        async fn moved(&self) -> Option<i32> {
            None
        }
    }

    #[test]
    fn the_directives_are_imported_from_federation_not_defined_locally() {
        let schema = Schema::build(Query, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish();
        let sdl = federation_sdl(&schema);
        assert!(
            sdl.contains(r#""@requiresScopes", "@authenticated", "@policy"]"#),
            "{sdl}"
        );
        assert!(!sdl.contains("directive @authenticated"), "{sdl}");
        assert!(!sdl.contains("directive @policy"), "{sdl}");
        assert!(
            !sdl.contains("Only signed-in callers"),
            "its description goes too: {sdl}"
        );
        assert!(sdl.contains("me: Int @authenticated"), "{sdl}");
        // `@cacheControl` is ours: defined here, linked and composed.
        assert!(
            sdl.contains("cached: Int @cacheControl(maxAge: 60, scope: PRIVATE)"),
            "{sdl}"
        );
        assert!(sdl.contains("directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean)"), "{sdl}");
        assert!(sdl.contains("enum CacheControlScope"), "{sdl}");
        assert!(sdl.ends_with(CACHE_CONTROL_LINK), "{sdl}");
        assert!(
            sdl.contains(r#"stats: Int @policy(policies: [["premium"]])"#),
            "{sdl}"
        );
        assert!(
            sdl.contains(r#"plans: Int @requiresScopes(scopes: [["plans:write"], ["admin"]])"#),
            "{sdl}"
        );
        assert!(sdl.contains("federation/v2.5\""), "{sdl}");
    }

    #[test]
    fn a_progressive_override_is_federations_own_and_links_federation_2_7() {
        let schema = Schema::build(Moving, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish();
        let sdl = federation_sdl(&schema);
        assert!(
            sdl.contains(r#"moved: Int @override(from: "b", label: "new-b")"#),
            "{sdl}"
        );
        assert!(!sdl.contains("directive @override"), "{sdl}");
        assert!(!sdl.contains("The field moves here"), "{sdl}");
        assert!(sdl.contains("federation/v2.7\""), "{sdl}");
        assert!(!sdl.contains("federation/v2.5"), "{sdl}");
    }
}
