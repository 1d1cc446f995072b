//! Payload shaping: `$select` projection of stored documents, `@odata.context` URLs and
//! the Graph date-time format.

use crate::{ApiVersion, SelectItem};
use serde_json::Value;

/// Keeps only the selected properties of an entity document (nested paths keep the
/// nested parts). `@odata.type` is always kept.
pub fn project(doc: &Value, select: &[SelectItem]) -> Value {
    let _ = (doc, select);
    todo!("odata: project")
}

/// `{base}/{version}/$metadata#{fragment}`.
pub fn context_url(base: &str, version: ApiVersion, fragment: &str) -> String {
    format!("{base}/{}/$metadata#{fragment}", version.as_str())
}
