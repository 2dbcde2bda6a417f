//! GraphQL errors as the router writes them, for every module that makes one (the
//! pipeline, authorization): the home of the typed error issue #21 asks for.

use apollo_compiler::response::{JsonMap, JsonValue};
use tessera_codes::ErrorCode;

/// A JSON object with one `message` and `extensions.code`.
pub fn error_object(code: ErrorCode, message: &str) -> JsonMap {
    let mut error = JsonMap::new();
    error.insert("message", JsonValue::String(message.into()));
    let mut ext = JsonMap::new();
    ext.insert("code", JsonValue::String(code.as_str().into()));
    error.insert("extensions", JsonValue::Object(ext));
    error
}
