//! Every trusted document the apps ship (`schema/persisted/`) must still validate
//! against the API schema: a schema change that breaks one is found before it ships.

use apollo_compiler::{ExecutableDocument, Schema, validation::Valid};
use tessera_router::persisted::manifest::Manifests;

/// The documents of `manifests` that no longer validate against `api`, one line each
/// (`file: operation `name` (id `…`): errors`), sorted.
pub fn broken_operations(api: &Valid<Schema>, manifests: &Manifests) -> Vec<String> {
    let mut failures: Vec<String> = manifests
        .documents()
        .filter_map(|doc| {
            let name = doc.name.as_deref().unwrap_or("(unnamed)");
            let file = doc
                .file
                .file_name()
                .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
            let errors = match ExecutableDocument::parse_and_validate(api, &*doc.body, name) {
                Ok(valid) => match valid.operations.get(doc.name.as_deref()) {
                    Ok(_) => return None,
                    Err(_) => "the document has no operation of that name".to_owned(),
                },
                Err(with) => with.errors.to_string(),
            };
            Some(format!(
                "{file}: operation `{name}` (id `{}`): {errors}",
                doc.id
            ))
        })
        .collect();
    failures.sort();
    failures
}
