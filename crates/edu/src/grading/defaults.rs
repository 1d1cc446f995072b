//! The two contained singletons of a class (BEHAVIOR §8.2, §8.3): `assignmentDefaults`
//! (what a new assignment of the class inherits) and `assignmentSettings` (class-wide
//! assignment options). Both exist from the class's creation on: a class that never
//! wrote one reads the default document, whose id is the class id.
//!
//! Nullability **[inferred]**: the schema lets every property be null, but the
//! properties with a documented default (`addedStudentAction`, `addToCalendarAction`,
//! `dueTime`, `submissionAnimationDisabled`) would then mean nothing, so a PATCH may not
//! set them to null; `notificationChannelUrl` may be null (post to the default channel).

use edugraph_odata::Schema;
use serde_json::{json, Map, Value};

use super::document::{build, check_body, merge, split_existing, text};
use super::{limits, RuleError};

const DEFAULTS_TYPE: &str = "educationAssignmentDefaults";
const SETTINGS_TYPE: &str = "educationAssignmentSettings";
/// The singleton's id is the class id; nothing else is server-managed.
const READ_ONLY: &[&str] = &["id"];

/// `educationAssignmentDefaults` of a class that never wrote one (id = the class id).
/// The keys follow the schema order (the same in v1.0 and beta).
pub fn assignment_defaults(class_id: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.educationAssignmentDefaults",
        "id": class_id,
        "addedStudentAction": "none",
        "addToCalendarAction": "none",
        "dueTime": "23:59:00",
        "notificationChannelUrl": null,
    })
}

/// The stored (or default) `existing` after a PATCH. Only the four own properties may be
/// sent; the schema check refuses anything else, bad enum members (`addedStudentAction`:
/// `none` | `assignIfOpen`; `addToCalendarAction`: `none` | `studentsAndPublisher` |
/// `studentsAndTeamOwners` | `studentsOnly`) and a `dueTime` that is not `HH:MM:SS` with an
/// optional fraction of a second.
pub fn update_assignment_defaults(
    schema: &Schema,
    existing: &Value,
    patch: Map<String, Value>,
) -> Result<Value, RuleError> {
    let patch = check_body(schema, DEFAULTS_TYPE, patch, READ_ONLY)?;
    for name in ["addedStudentAction", "addToCalendarAction", "dueTime"] {
        not_null(&patch, name)?;
    }
    if let Some(url) = patch.get("notificationChannelUrl").filter(|v| !v.is_null()) {
        text(url, "notificationChannelUrl", limits::MAX_URL)?;
    }
    let (id, props) = split_existing(existing)?;
    let fallback = assignment_defaults(&id);
    Ok(build(
        schema,
        DEFAULTS_TYPE,
        &id,
        merge(props, patch),
        |name| fallback.get(name).cloned(),
    ))
}

/// `educationAssignmentSettings` of a class that never wrote one (id = the class id): only
/// its own property. The collections (`gradingCategories`, `gradingSchemes`) and
/// `defaultGradingScheme` are separate entities. The beta schema adds no own property to
/// this type, so the document is the same in both versions.
pub fn assignment_settings(class_id: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.educationAssignmentSettings",
        "id": class_id,
        "submissionAnimationDisabled": false,
    })
}

/// The settings' own scalar properties after a PATCH. The HTTP side handles
/// `gradingCategories` and `gradingCategories@delta` itself (through
/// [`super::grading_category`]) and passes the body without them; any navigation left in
/// the body is refused by the schema check, any other annotation as unsupported.
pub fn update_assignment_settings(
    schema: &Schema,
    existing: &Value,
    patch: Map<String, Value>,
) -> Result<Value, RuleError> {
    let patch = check_body(schema, SETTINGS_TYPE, patch, READ_ONLY)?;
    not_null(&patch, "submissionAnimationDisabled")?;
    let (id, props) = split_existing(existing)?;
    let fallback = assignment_settings(&id);
    Ok(build(
        schema,
        SETTINGS_TYPE,
        &id,
        merge(props, patch),
        |name| fallback.get(name).cloned(),
    ))
}

fn not_null(patch: &Map<String, Value>, name: &str) -> Result<(), RuleError> {
    if patch.get(name).is_some_and(Value::is_null) {
        return Err(RuleError::payload(format!(
            "Property '{name}' cannot be null; send one of its values instead."
        )));
    }
    Ok(())
}
