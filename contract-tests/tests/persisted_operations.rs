//! Every trusted document the apps ship (`schema/persisted/`) still validates against
//! the API schema of the committed supergraph: a schema change that breaks one fails
//! here, naming the manifest, the operation and the error.

use std::path::{Path, PathBuf};

use tessera_router::{
    Supergraph,
    persisted::{hex, manifest::Manifests},
};

fn manifests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(tessera::check::PERSISTED_DIR)
}

fn loaded() -> Manifests {
    Manifests::load(&[manifests_dir()]).expect("the committed manifests load")
}

/// The failures of `manifests` against `supergraph`'s API schema, one line each: the
/// same function `tessera check` runs.
fn broken(supergraph: &Supergraph, manifests: &Manifests) -> Vec<String> {
    tessera::check::persisted::broken_operations(&supergraph.api, manifests)
}

#[test]
fn every_persisted_operation_validates_against_the_api_schema() {
    let supergraph =
        Supergraph::parse(tessera::platform::SUPERGRAPH).expect("the committed supergraph");
    let manifests = loaded();
    assert!(
        manifests.len() >= 8,
        "the web and mobile manifests are there"
    );
    let failures = broken(&supergraph, &manifests);
    assert!(
        failures.is_empty(),
        "persisted operations no longer valid against the API schema:\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_breaking_schema_change_names_the_operation_it_breaks() {
    // The same supergraph with `User.displayName` renamed (as a careless change would).
    let sdl = tessera::platform::SUPERGRAPH;
    let start = sdl.find("\ntype User ").expect("type User");
    let field = start
        + sdl[start..]
            .find("\n  displayName")
            .expect("User.displayName");
    let broken_sdl = format!(
        "{}\n  displayLabel{}",
        &sdl[..field],
        &sdl[field + "\n  displayName".len()..]
    );
    let supergraph = Supergraph::parse(&broken_sdl).expect("still a supergraph");
    let failures = broken(&supergraph, &loaded());
    assert!(
        failures
            .iter()
            .any(|f| f.starts_with("web.json: operation `Profile`") && f.contains("displayName")),
        "{failures:#?}"
    );
    assert!(
        failures
            .iter()
            .any(|f| f.starts_with("mobile.json: operation `(unnamed)` (id `mobile-today-v3`)")),
        "{failures:#?}"
    );
}

#[test]
fn apollo_manifest_ids_are_the_sha256_of_their_body() {
    // What Apollo's manifest generator and the persisted-query link agree on: a client
    // sending the hash of the text it holds finds the same document.
    for doc in loaded().documents() {
        if doc.file.ends_with("web.json") {
            assert_eq!(
                doc.id,
                hex(&doc.hash),
                "{}",
                doc.name.as_deref().unwrap_or("?")
            );
        }
    }
}

#[test]
fn the_explorers_sign_in_is_a_trusted_document() {
    // Under `trusted_documents = "enforce"` an anonymous caller may only send trusted
    // documents: the explorer signs in with the web app's, word for word.
    let hash = tessera_router::persisted::sha256(tessera_router::explorer::SIGN_IN);
    assert!(
        loaded().by_hash(&hash).is_some(),
        "the explorer's sign-in ({}) is in no manifest of schema/persisted",
        tessera_router::explorer::SIGN_IN
    );
}
