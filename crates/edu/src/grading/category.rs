//! `educationCategory` {id, displayName}: the assignment categories of a class
//! (BEHAVIOR §8.1). A display name is all there is, and it is required.

use edugraph_odata::Schema;
use serde_json::{Map, Value};

use super::document::{self, Plain};
use super::RuleError;

const PLAIN: Plain = Plain {
    type_name: "educationCategory",
    // `id` is assigned by the server (the caller passes it in).
    read_only: &["id"],
    validate,
};

/// A new category; `body` is the POST body.
pub fn create(schema: &Schema, id: &str, body: Map<String, Value>) -> Result<Value, RuleError> {
    PLAIN.create(schema, id, body)
}

/// The stored category `existing` after a PATCH.
pub fn update(
    schema: &Schema,
    existing: &Value,
    patch: Map<String, Value>,
) -> Result<Value, RuleError> {
    PLAIN.update(schema, existing, patch)
}

/// The rules of a complete category (the schema lets `displayName` be null; a category
/// without a name could not be picked in any UI, so edugraph requires it **[inferred]**).
fn validate(props: &Map<String, Value>) -> Result<(), RuleError> {
    document::display_name(props, "")
}
