//! The API schema clients see against the committed baseline `schema/api.graphql`: a
//! breaking change fails here with the report, until the baseline is updated on
//! purpose — `TESSERA_ACCEPT_BREAKING=1 cargo nextest run -p tessera-contract-tests`
//! (or `cargo run -- check --update-baseline`) rewrites it, and the review sees the
//! break as a diff of that file.

use std::path::{Path, PathBuf};

use tessera::check::{self, BASELINE_FILE, Class, HOW_TO_ACCEPT, report::changes_report};

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("contract-tests sits in the workspace root")
}

#[test]
fn the_api_schema_has_no_breaking_change_against_the_baseline() {
    let root = workspace_root();
    let api = check::api_schema(tessera::platform::SUPERGRAPH).expect("the committed supergraph");
    if std::env::var("TESSERA_ACCEPT_BREAKING").is_ok_and(|v| v == "1") {
        let path = check::write_baseline(root, &api).expect("the baseline is writable");
        eprintln!("TESSERA_ACCEPT_BREAKING=1: wrote {}", path.display());
        return;
    }
    let baseline = check::load_baseline(root).expect("the committed baseline");
    let changes = check::diff(&baseline, &api);
    assert!(
        changes.iter().all(|c| c.class != Class::Breaking),
        "the API schema breaks clients of the baseline {BASELINE_FILE}:\n{}\n{HOW_TO_ACCEPT}",
        changes_report(&changes)
    );
}

#[test]
fn the_baseline_is_a_printed_api_schema() {
    // The baseline is what `--update-baseline` writes: an API schema, with no join
    // machinery and nothing `@inaccessible` (those would be compared as API).
    let text = std::fs::read_to_string(workspace_root().join(BASELINE_FILE)).expect("baseline");
    for machinery in ["join__", "link__", "@inaccessible", "@link("] {
        assert!(
            !text.contains(machinery),
            "the baseline holds `{machinery}`"
        );
    }
    assert!(text.contains("\ntype User "), "the baseline holds `User`");
}

#[test]
fn the_check_passes_on_this_workspace() {
    let report = check::run(workspace_root()).expect("the checks run");
    assert!(report.stale.is_empty(), "{report}");
    assert!(report.operations >= 8, "{report}");
    assert!(report.passed(), "{report}");
    assert!(report.to_string().ends_with("check passed\n"), "{report}");
}

/// The API schema SDL with the field `field` (and its description) removed from
/// `type`'s block.
fn without_field(sdl: &str, type_name: &str, field: &str) -> String {
    let start = sdl
        .find(&format!("\ntype {type_name} "))
        .unwrap_or_else(|| panic!("type {type_name}"));
    let end = start + sdl[start..].find("\n}").expect("end of the type");
    let block = &sdl[start..end];
    let at = block
        .find(&format!("\n  {field}"))
        .unwrap_or_else(|| panic!("{type_name}.{field}"));
    // Back up over the field's description, a `"…"` or `"""…"""` block right above it.
    let mut from = at;
    let before = &block[..at];
    let opening = if let Some(rest) = before.strip_suffix("\"\"\"") {
        rest.rfind("\"\"\"")
    } else if let Some(rest) = before.strip_suffix('"') {
        rest.rfind('"')
    } else {
        None
    };
    if let Some(opening) = opening {
        from = before[..opening].rfind('\n').expect("line start");
    }
    let line_end = at + 1 + block[at + 1..].find('\n').expect("field line end");
    format!("{}{}", &sdl[..start + from], &sdl[start + line_end..])
}

#[test]
fn removing_a_field_is_reported_as_breaking_with_its_coordinate() {
    let api = check::api_schema(tessera::platform::SUPERGRAPH).expect("the committed supergraph");
    let printed = check::api_sdl(&api);
    let broken_sdl = without_field(&printed, "User", "displayName");
    let broken = apollo_compiler::Schema::parse_and_validate(&broken_sdl, "broken.graphql")
        .expect("still a valid schema");
    let changes = check::diff(&api, &broken);
    assert_eq!(
        changes_report(&changes),
        "BREAKING (1):\n  - Field `User.displayName` was removed  [User.displayName]\n"
    );
}

/// A copy of the workspace's inputs to `tessera check` (supergraph.yaml, schema/) in a
/// fresh directory, so a test may change the baseline.
fn scratch_workspace(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tessera-check-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&workspace_root().join("schema"), &dir.join("schema"));
    std::fs::copy(
        workspace_root().join("supergraph.yaml"),
        dir.join("supergraph.yaml"),
    )
    .expect("copy supergraph.yaml");
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read the schema directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

#[test]
fn tessera_check_fails_on_a_breaking_change_and_says_how_to_accept_it() {
    // A baseline in which `User` had a field today's schema lacks: to the check, it
    // was removed.
    let dir = scratch_workspace("breaking");
    let baseline_path = dir.join(BASELINE_FILE);
    let baseline = std::fs::read_to_string(&baseline_path).expect("baseline");
    let user = baseline.find("\ntype User ").expect("type User") + "\ntype User ".len();
    let open = user + baseline[user..].find("{\n").expect("User's fields") + 2;
    let with_nickname = format!(
        "{}  nickname: String\n{}",
        &baseline[..open],
        &baseline[open..]
    );
    std::fs::write(&baseline_path, with_nickname).expect("write the baseline");
    // And an app still shipping an operation that reads it.
    std::fs::write(
        dir.join("schema/persisted/legacy.json"),
        r#"{"old-nickname-v1": "query Nick { me { nickname } }"}"#,
    )
    .expect("write a manifest");
    // And a subgraph file edited by hand: no longer what composition writes.
    let users_sdl = dir.join("schema/users.graphql");
    let committed_users = std::fs::read_to_string(&users_sdl).expect("users.graphql");
    std::fs::write(&users_sdl, format!("{committed_users}\n# edited\n")).expect("edit it");

    let report = check::run(&dir).expect("the checks run");
    let text = report.to_string();
    assert!(!report.passed(), "{text}");
    assert_eq!(report.stale, vec![PathBuf::from("schema/users.graphql")]);
    assert!(
        text.starts_with(
            "composition: STALE schema/users.graphql (run `cargo run -- compose` and commit the result)\n"
        ),
        "{text}"
    );
    let breaking: Vec<(String, String)> = report
        .breaking()
        .map(|c| (c.coordinate.clone(), c.message.clone()))
        .collect();
    assert_eq!(
        breaking,
        vec![(
            "User.nickname".to_owned(),
            "Field `User.nickname` was removed".to_owned()
        )]
    );
    assert!(
        text.contains(
            "API schema against the baseline schema/api.graphql: 1 breaking, 0 dangerous, 0 safe\n\
             BREAKING (1):\n  - Field `User.nickname` was removed  [User.nickname]\n"
        ),
        "{text}"
    );
    assert_eq!(report.broken_operations.len(), 1, "{text}");
    assert!(
        text.contains(&format!(
            "persisted operations: 1 of {} no longer validate:\n  - legacy.json: operation `(unnamed)` (id `old-nickname-v1`): ",
            report.operations
        )),
        "{text}"
    );
    assert!(
        text.contains("type `User` does not have a field `nickname`"),
        "{text}"
    );
    assert!(text.contains("\ncheck FAILED\n"), "{text}");
    assert!(text.ends_with(&format!("{HOW_TO_ACCEPT}\n")), "{text}");

    // Accepting it: the app drops the operation, the baseline is rewritten from the
    // fresh composition, and the check passes again.
    std::fs::remove_file(dir.join("schema/persisted/legacy.json")).expect("remove it");
    std::fs::write(&users_sdl, committed_users).expect("restore users.graphql");
    let composition = tessera::compose::compose_workspace(&dir).expect("composes");
    let api = check::api_schema(composition.supergraph()).expect("loads");
    check::write_baseline(&dir, &api).expect("write the baseline");
    let report = check::run(&dir).expect("the checks run");
    assert!(report.passed(), "{report}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_safe_change_passes_and_asks_for_the_baseline_to_record_it() {
    // A baseline from before `User.displayName` existed: today's schema added it.
    let dir = scratch_workspace("safe");
    let baseline_path = dir.join(BASELINE_FILE);
    let baseline = std::fs::read_to_string(&baseline_path).expect("baseline");
    std::fs::write(
        &baseline_path,
        without_field(&baseline, "User", "displayName"),
    )
    .expect("write the baseline");

    let report = check::run(&dir).expect("the checks run");
    assert!(report.passed(), "{report}");
    assert_eq!(
        report.to_string(),
        format!(
            "composition: the committed schema files are up to date\n\
             API schema against the baseline schema/api.graphql: 0 breaking, 0 dangerous, 1 safe\n\
             SAFE (1):\n  - Field `User.displayName` was added  [User.displayName]\n\
             persisted operations: all {} validate against the API schema\n\
             note: the baseline does not record these changes yet; `cargo run -- check --update-baseline` records them\n\
             check passed\n",
            report.operations
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}
