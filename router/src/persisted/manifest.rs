//! Trusted documents: the operations a client ships with, from manifest files.
//!
//! Two formats are read, told apart by their content:
//! - Apollo's (`@apollo/generate-persisted-query-manifest`):
//!   `{"format": "apollo-persisted-query-manifest", "version": 1,
//!     "operations": [{"id", "name", "type", "body"}]}`;
//! - Relay's and the plain one: `{"<id>": "<body>", …}`.
//!
//! A manifest source is a file or a directory (every `*.json` in it, not recursive).
//! [`Manifests::changed`] compares the files' modification times and sizes with those
//! of the last load, so the router reloads only when something changed.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::Arc,
    time::SystemTime,
};

use serde::Deserialize;

use super::{Sha256, sha256};

/// One trusted operation.
#[derive(Debug)]
pub struct TrustedDocument {
    /// Its id in the manifest (what clients send).
    pub id: String,
    /// The operation's name, when the manifest gives it.
    pub name: Option<String>,
    /// The document text.
    pub body: Arc<str>,
    /// SHA-256 of `body` (free-form text is recognised by it).
    pub hash: Sha256,
    /// The file it came from.
    pub file: PathBuf,
}

/// Every trusted document of the configured sources.
#[derive(Debug, Default)]
pub struct Manifests {
    by_id: HashMap<String, Arc<TrustedDocument>>,
    by_hash: HashMap<Sha256, Arc<TrustedDocument>>,
    /// Each file read, with the modification time and size it had.
    files: Vec<(PathBuf, Option<SystemTime>, u64)>,
}

/// Why manifests could not be loaded; names the file.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", file.display())]
pub struct ManifestError {
    /// The file or directory.
    pub file: PathBuf,
    /// What is wrong with it.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApolloManifest {
    format: String,
    version: u32,
    operations: Vec<ApolloOperation>,
}

#[derive(Deserialize)]
struct ApolloOperation {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "type")]
    _kind: Option<String>,
    body: String,
}

impl Manifests {
    /// Reads every source. A directory that does not exist holds no manifest; a file
    /// that does not exist, is not a manifest, or gives an id a second body is an error.
    pub fn load(sources: &[PathBuf]) -> Result<Self, ManifestError> {
        let mut manifests = Self::default();
        for file in files_of(sources)? {
            let (modified, len) = stamp(&file);
            let text = std::fs::read_to_string(&file).map_err(|err| ManifestError {
                file: file.clone(),
                message: format!("cannot be read: {err}"),
            })?;
            for (id, name, body) in parse(&text).map_err(|message| ManifestError {
                file: file.clone(),
                message,
            })? {
                manifests.add(TrustedDocument {
                    hash: sha256(&body),
                    id,
                    name,
                    body: body.into(),
                    file: file.clone(),
                })?;
            }
            manifests.files.push((file, modified, len));
        }
        Ok(manifests)
    }

    fn add(&mut self, document: TrustedDocument) -> Result<(), ManifestError> {
        if let Some(known) = self.by_id.get(&document.id)
            && known.body != document.body
        {
            return Err(ManifestError {
                message: format!(
                    "the id `{}` is given a different body than in {}",
                    document.id,
                    known.file.display()
                ),
                file: document.file,
            });
        }
        let document = Arc::new(document);
        self.by_hash
            .entry(document.hash)
            .or_insert_with(|| document.clone());
        self.by_id.insert(document.id.clone(), document);
        Ok(())
    }

    /// The document with this id.
    pub fn get(&self, id: &str) -> Option<&Arc<TrustedDocument>> {
        self.by_id.get(id)
    }

    /// The document whose text hashes to `hash`.
    pub fn by_hash(&self, hash: &Sha256) -> Option<&Arc<TrustedDocument>> {
        self.by_hash.get(hash)
    }

    /// How many ids are trusted.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether no document is trusted.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Every trusted document (for the contract check).
    pub fn documents(&self) -> impl Iterator<Item = &Arc<TrustedDocument>> {
        self.by_id.values()
    }

    /// Whether the sources now hold other files, or files changed since the load.
    pub fn changed(&self, sources: &[PathBuf]) -> bool {
        let Ok(files) = files_of(sources) else {
            return true;
        };
        files.len() != self.files.len()
            || files
                .iter()
                .zip(&self.files)
                .any(|(now, (then, modified, len))| now != then || stamp(now) != (*modified, *len))
    }
}

fn stamp(file: &Path) -> (Option<SystemTime>, u64) {
    std::fs::metadata(file).map_or((None, 0), |m| (m.modified().ok(), m.len()))
}

/// The manifest files of `sources`, sorted within each directory.
fn files_of(sources: &[PathBuf]) -> Result<Vec<PathBuf>, ManifestError> {
    let mut files = Vec::new();
    for source in sources {
        if source.is_dir() {
            let entries = std::fs::read_dir(source).map_err(|err| ManifestError {
                file: source.clone(),
                message: format!("cannot be listed: {err}"),
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
                .collect();
            found.sort();
            files.extend(found);
        } else if source.is_file() {
            files.push(source.clone());
        } else if source.extension().is_some_and(|e| e == "json") {
            return Err(ManifestError {
                file: source.clone(),
                message: "no such manifest file".to_owned(),
            });
        }
        // A directory that does not exist yet holds no manifest.
    }
    Ok(files)
}

/// `(id, name, body)` of every operation in one manifest.
fn parse(text: &str) -> Result<Vec<(String, Option<String>, String)>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| format!("is not JSON: {err}"))?;
    let serde_json::Value::Object(map) = &value else {
        return Err("must be a JSON object".to_owned());
    };
    if map.contains_key("format") {
        let manifest: ApolloManifest = serde_json::from_value(value)
            .map_err(|err| format!("is not an Apollo persisted query manifest: {err}"))?;
        if manifest.format != "apollo-persisted-query-manifest" {
            return Err(format!(
                "has the format `{}`; only `apollo-persisted-query-manifest` is known",
                manifest.format
            ));
        }
        if manifest.version != 1 {
            return Err(format!(
                "is version {} of the Apollo manifest format; only version 1 is known",
                manifest.version
            ));
        }
        return Ok(manifest
            .operations
            .into_iter()
            .map(|op| (op.id, op.name, op.body))
            .collect());
    }
    map.iter()
        .map(|(id, body)| match body {
            serde_json::Value::String(body) => Ok((id.clone(), None, body.clone())),
            _ => Err(format!(
                "maps `{id}` to something that is not a document (a string)"
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    #[test]
    fn both_formats_load_and_are_found_by_id_and_by_text() {
        let dir = tempfile::tempdir().expect("dir");
        write(
            dir.path(),
            "web.json",
            r#"{"format":"apollo-persisted-query-manifest","version":1,"operations":[
                {"id":"abc","name":"Me","type":"query","body":"query Me { me { id } }"}]}"#,
        );
        write(
            dir.path(),
            "relay.json",
            r#"{"r1":"{ exercises { name } }"}"#,
        );
        write(dir.path(), "notes.txt", "not a manifest");
        let manifests = Manifests::load(&[dir.path().to_owned()]).expect("load");
        assert_eq!(manifests.len(), 2);
        let me = manifests.get("abc").expect("abc");
        assert_eq!(me.name.as_deref(), Some("Me"));
        assert_eq!(&*me.body, "query Me { me { id } }");
        assert_eq!(
            manifests
                .by_hash(&sha256("{ exercises { name } }"))
                .map(|d| d.id.as_str()),
            Some("r1")
        );
        assert!(manifests.get("nope").is_none());
        assert!(!manifests.changed(&[dir.path().to_owned()]));
        write(dir.path(), "more.json", r#"{"r2":"{ me { id } }"}"#);
        assert!(manifests.changed(&[dir.path().to_owned()]));
    }

    #[test]
    fn bad_manifests_are_refused_naming_the_file_and_the_reason() {
        let dir = tempfile::tempdir().expect("dir");
        let cases = [
            ("{", "is not JSON"),
            ("[1]", "must be a JSON object"),
            (
                r#"{"a": 1}"#,
                "maps `a` to something that is not a document",
            ),
            (
                r#"{"format":"apollo-persisted-query-manifest","version":2,"operations":[]}"#,
                "version 2",
            ),
            (
                r#"{"format":"relay","version":1,"operations":[]}"#,
                "has the format `relay`",
            ),
        ];
        for (text, expected) in cases {
            let file = write(dir.path(), "bad.json", text);
            let err = Manifests::load(std::slice::from_ref(&file)).expect_err(text);
            assert!(err.to_string().contains("bad.json"), "{err}");
            assert!(err.message.contains(expected), "{text}: {err}");
        }
        let err = Manifests::load(&[dir.path().join("missing.json")]).expect_err("missing");
        assert!(err.message.contains("no such manifest file"), "{err}");
        // A missing directory is an empty list.
        assert!(
            Manifests::load(&[dir.path().join("later")])
                .expect("empty")
                .is_empty()
        );
    }

    #[test]
    fn an_id_with_two_bodies_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        write(dir.path(), "a.json", r#"{"x":"{ me { id } }"}"#);
        write(dir.path(), "b.json", r#"{"x":"{ me { handle } }"}"#);
        let err = Manifests::load(&[dir.path().to_owned()]).expect_err("clash");
        assert!(err.message.contains("the id `x`"), "{err}");
        assert!(err.message.contains("a.json"), "{err}");
    }
}
