//! `educationCategory` {id, displayName}: the assignment categories of a class
//! (BEHAVIOR §8.1). A display name is all there is, and it is required.

use edugraph_odata::Schema;
use serde_json::{Map, Value};

use super::document::{self, build, check_body, merge, split_existing};
use super::RuleError;

const TYPE: &str = "educationCategory";
/// `id` is assigned by the server (the caller passes it in).
const READ_ONLY: &[&str] = &["id"];

/// A new category; `body` is the POST body.
pub fn create(schema: &Schema, id: &str, body: Map<String, Value>) -> Result<Value, RuleError> {
    let props = check_body(schema, TYPE, body, READ_ONLY)?;
    validate(&props)?;
    Ok(build(schema, TYPE, id, props, |_| None))
}

/// The stored category `existing` after a PATCH.
pub fn update(
    schema: &Schema,
    existing: &Value,
    patch: Map<String, Value>,
) -> Result<Value, RuleError> {
    let patch = check_body(schema, TYPE, patch, READ_ONLY)?;
    let (id, props) = split_existing(existing)?;
    let props = merge(props, patch);
    validate(&props)?;
    Ok(build(schema, TYPE, &id, props, |_| None))
}

/// The rules of a complete category (the schema lets `displayName` be null; a category
/// without a name could not be picked in any UI, so edugraph requires it **[inferred]**).
fn validate(props: &Map<String, Value>) -> Result<(), RuleError> {
    document::display_name(props, "")
}
