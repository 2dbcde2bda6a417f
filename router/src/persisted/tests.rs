//! The persisted-query rules, request by request, before any parsing.

use std::{path::Path, time::Duration};

use apollo_compiler::response::{JsonMap, JsonValue};
use tessera_codes::ErrorCode;
use tessera_identity::Identity;

use super::*;

const ME: &str = "query Me { me { id } }";

fn pq(hash: &str) -> JsonMap {
    let value = serde_json::json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    serde_json::from_value(value).expect("an object")
}

fn persisted(mode: TrustedMode, apq: bool, dir: &Path) -> Persisted {
    Persisted::new(&PersistedOptions {
        apq,
        mode,
        manifests: vec![dir.to_owned()],
        exempt_roles: vec!["admin".into()],
        exempt_scopes: vec!["explorer".into()],
        reload_interval: Duration::ZERO,
        ..PersistedOptions::default()
    })
    .expect("valid options")
}

fn manifest_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    let body = serde_json::json!({
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{ "id": "me-v1", "name": "Me", "type": "query", "body": ME }]
    });
    std::fs::write(dir.path().join("web.json"), body.to_string()).expect("write");
    dir
}

fn code(result: Result<Resolved, Refused>) -> ErrorCode {
    result.expect_err("refused").code
}

fn someone(roles: &[&str], scopes: &[&str]) -> Identity {
    Identity {
        subject: Some("u".into()),
        roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        ..Identity::default()
    }
}

#[test]
fn hex_round_trips_and_rejects_what_is_not_a_digest() {
    let hash = sha256(ME);
    assert_eq!(parse_hex(&hex(&hash)), Some(hash));
    assert_eq!(parse_hex(&hex(&hash).to_uppercase()), Some(hash));
    assert_eq!(parse_hex("abc"), None);
    assert_eq!(parse_hex(&"g".repeat(64)), None);
    // The digest clients compute (`printf %s "{ __typename }" | sha256sum`).
    assert_eq!(
        hex(&sha256("{ __typename }")),
        "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b"
    );
}

#[test]
fn apq_protocol_before_parsing() {
    let dir = manifest_dir();
    let p = persisted(TrustedMode::Off, true, dir.path());
    let anyone = Identity::ANONYMOUS;
    let hash = hex(&sha256(ME));
    // The hash alone: look it up in the store.
    assert!(matches!(
        p.resolve(None, Some(&pq(&hash)), None, &anyone),
        Ok(Resolved::Apq(h)) if h == sha256(ME)
    ));
    // Not a digest at all: nothing can be stored under it.
    assert_eq!(
        code(p.resolve(None, Some(&pq("nope")), None, &anyone)),
        ErrorCode::PersistedQueryNotFound
    );
    // Text and its hash: registered.
    assert!(matches!(
        p.resolve(Some(ME.into()), Some(&pq(&hash)), None, &anyone),
        Ok(Resolved::Register { .. })
    ));
    // Text and a wrong hash.
    let wrong = p
        .resolve(Some(ME.into()), Some(&pq(&"0".repeat(64))), None, &anyone)
        .expect_err("mismatch");
    assert_eq!(wrong.code, ErrorCode::PersistedQueryHashMismatch);
    assert!(wrong.message.contains(&hash), "{}", wrong.message);
    // Plain text is not hashed when nothing needs it.
    assert!(matches!(
        p.resolve(Some(ME.into()), None, None, &anyone),
        Ok(Resolved::Text(_))
    ));
    // Trusted ids are not resolved while trusted documents are off.
    assert_eq!(
        code(p.resolve(None, None, Some("me-v1"), &anyone)),
        ErrorCode::PersistedQueryNotFound
    );
}

#[test]
fn malformed_persisted_query_extensions_are_bad_requests() {
    let p = Persisted::default();
    let anyone = Identity::ANONYMOUS;
    let shape = "`extensions.persistedQuery` must be an object with `version` and `sha256Hash`";
    let hash = "`extensions.persistedQuery.sha256Hash` must be a non-empty string";
    for (ext, message) in [
        (serde_json::json!({ "persistedQuery": "abc" }), shape),
        (
            serde_json::json!({ "persistedQuery": { "version": 2, "sha256Hash": "a" } }),
            "persisted query version 2 is not supported; send version 1",
        ),
        (
            serde_json::json!({ "persistedQuery": { "sha256Hash": "a" } }),
            "`extensions.persistedQuery.version` must be 1",
        ),
        (
            serde_json::json!({ "persistedQuery": { "version": 1 } }),
            hash,
        ),
        (
            serde_json::json!({ "persistedQuery": { "version": 1, "sha256Hash": "" } }),
            hash,
        ),
    ] {
        let ext: JsonMap = serde_json::from_value(ext.clone()).expect("object");
        let refused = p
            .resolve(None, Some(&ext), None, &anyone)
            .expect_err("refused");
        assert_eq!(
            refused,
            Refused::new(ErrorCode::BadRequest, message),
            "{ext:?}"
        );
    }
    assert_eq!(
        p.resolve(None, None, None, &anyone).expect_err("no query"),
        Refused::new(ErrorCode::BadRequest, "the request has no query")
    );
    assert_eq!(
        p.resolve(Some(ME.into()), None, Some("me-v1"), &anyone)
            .expect_err("both"),
        Refused::new(
            ErrorCode::BadRequest,
            "send either `query` or a document id (`documentId`, `doc_id`), not both"
        )
    );
    let mut other = JsonMap::new();
    other.insert("clientLibrary", JsonValue::String("x".into()));
    assert!(
        p.resolve(Some(ME.into()), Some(&other), None, &anyone)
            .is_ok()
    );
}

#[test]
fn with_everything_off_a_hash_is_not_supported() {
    let dir = manifest_dir();
    let p = persisted(TrustedMode::Off, false, dir.path());
    let anyone = Identity::ANONYMOUS;
    let hash = hex(&sha256(ME));
    for query in [None, Some(ME.to_owned())] {
        let refused = p
            .resolve(query, Some(&pq(&hash)), None, &anyone)
            .expect_err("not supported");
        assert_eq!(refused.code, ErrorCode::PersistedQueryNotSupported);
        assert!(refused.message.starts_with("PersistedQueryNotSupported"));
    }
    assert!(matches!(
        p.resolve(Some(ME.into()), None, None, &anyone),
        Ok(Resolved::Text(_))
    ));
}

#[test]
fn enforce_runs_only_trusted_documents_except_for_exempt_callers() {
    let dir = manifest_dir();
    let p = persisted(TrustedMode::Enforce, true, dir.path());
    let anyone = Identity::ANONYMOUS;
    let trusted = |r: Result<Resolved, Refused>| match r {
        Ok(Resolved::Known { hash, text }) => hash == sha256(ME) && &*text == ME,
        _ => false,
    };
    // By manifest id, as documentId/doc_id or as the APQ hash field; by the text's
    // SHA-256 (with or without the `sha256:` prefix); by the very same text.
    assert!(trusted(p.resolve(None, None, Some("me-v1"), &anyone)));
    assert!(trusted(p.resolve(None, Some(&pq("me-v1")), None, &anyone)));
    let hash = hex(&sha256(ME));
    assert!(trusted(p.resolve(
        None,
        None,
        Some(&format!("sha256:{hash}")),
        &anyone
    )));
    assert!(trusted(p.resolve(None, Some(&pq(&hash)), None, &anyone)));
    assert!(trusted(p.resolve(Some(ME.into()), None, None, &anyone)));
    // Anything else is refused, also through APQ (registering or by hash).
    let other = "{ me { handle } }";
    for refused in [
        p.resolve(Some(other.into()), None, None, &anyone),
        p.resolve(
            Some(other.into()),
            Some(&pq(&hex(&sha256(other)))),
            None,
            &anyone,
        ),
        p.resolve(None, Some(&pq(&hex(&sha256(other)))), None, &anyone),
        p.resolve(None, None, Some("unknown-id"), &anyone),
        p.resolve(
            Some(other.into()),
            None,
            None,
            &someone(&["coach"], &["plans:write"]),
        ),
    ] {
        assert_eq!(code(refused), ErrorCode::PersistedQueryNotInList);
    }
    // Exempt: a role or a scope.
    for exempt in [
        someone(&["admin"], &[]),
        someone(&["partner"], &["explorer"]),
    ] {
        assert!(matches!(
            p.resolve(Some(other.into()), None, None, &exempt),
            Ok(Resolved::Known { .. })
        ));
        assert!(matches!(
            p.resolve(None, Some(&pq(&hex(&sha256(other)))), None, &exempt),
            Ok(Resolved::Apq(_))
        ));
    }
}

#[test]
fn log_unknown_runs_free_form_operations_and_resolves_ids() {
    let dir = manifest_dir();
    let p = persisted(TrustedMode::LogUnknown, true, dir.path());
    let anyone = Identity::ANONYMOUS;
    assert!(matches!(
        p.resolve(Some("{ me { handle } }".into()), None, None, &anyone),
        Ok(Resolved::Known { .. })
    ));
    assert!(matches!(
        p.resolve(None, None, Some("me-v1"), &anyone),
        Ok(Resolved::Known { .. })
    ));
    assert_eq!(
        code(p.resolve(None, None, Some("unknown-id"), &anyone)),
        ErrorCode::PersistedQueryNotFound
    );
}

#[test]
fn enforce_without_any_manifest_refuses_to_start() {
    let dir = tempfile::tempdir().expect("dir");
    let err = Persisted::new(&PersistedOptions {
        mode: TrustedMode::Enforce,
        manifests: vec![dir.path().join("persisted")],
        ..PersistedOptions::default()
    })
    .expect_err("nothing trusted");
    assert!(err.to_string().contains("no manifest was found"), "{err}");
}

#[test]
fn manifests_reload_when_their_files_change_and_a_broken_file_keeps_the_last_list() {
    let dir = manifest_dir();
    let p = persisted(TrustedMode::Enforce, false, dir.path());
    let anyone = Identity::ANONYMOUS;
    assert_eq!(
        code(p.resolve(None, None, Some("exercises"), &anyone)),
        ErrorCode::PersistedQueryNotInList
    );
    std::fs::write(
        dir.path().join("mobile.json"),
        r#"{"exercises": "{ exercises { name } }"}"#,
    )
    .expect("write");
    assert!(p.resolve(None, None, Some("exercises"), &anyone).is_ok());
    // A half-written file: the previous list stays in force.
    std::fs::write(dir.path().join("mobile.json"), r#"{"exercises": "#).expect("write");
    assert!(p.resolve(None, None, Some("exercises"), &anyone).is_ok());
    assert!(p.resolve(None, None, Some("me-v1"), &anyone).is_ok());
    // Removed: gone.
    std::fs::remove_file(dir.path().join("mobile.json")).expect("remove");
    assert_eq!(
        code(p.resolve(None, None, Some("exercises"), &anyone)),
        ErrorCode::PersistedQueryNotInList
    );
}

#[test]
fn a_free_form_documents_digest_is_remembered_and_equal_to_its_sha256() {
    let dir = manifest_dir();
    let anyone = Identity::ANONYMOUS;
    let p = persisted(TrustedMode::LogUnknown, false, dir.path());
    let text = "{ me { handle displayName } }";
    for _ in 0..2 {
        match p.resolve(Some(text.into()), None, None, &anyone) {
            Ok(Resolved::Known {
                hash,
                text: resolved,
            }) => {
                assert_eq!(hash, sha256(text));
                assert_eq!(&*resolved, text);
            }
            _ => panic!("a free-form document runs under log_unknown"),
        }
    }
    assert!(p.digests.contains_key(text));
    // Enforced, a remembered digest is refused as the first was.
    let p = persisted(TrustedMode::Enforce, false, dir.path());
    for _ in 0..2 {
        assert_eq!(
            code(p.resolve(Some(text.into()), None, None, &anyone)),
            ErrorCode::PersistedQueryNotInList
        );
    }
}
