//! `educationRubric`: a teacher's grading rubric (BEHAVIOR §6), a grid of `levels`
//! (columns) and `qualities` (rows) with one criterion per cell. The server assigns the
//! `levelId`s, `qualityId`s and criterion `id`s, stamps created/modified by and at, and
//! for a points rubric computes the rubric-level `grading.maxPoints` (`points.rs`). The
//! grid rules themselves are in `structure.rs`.
//!
//! `grading` null makes a credit rubric (levels carry no points); a points rubric has
//! `grading: {"@odata.type": "#microsoft.graph.educationAssignmentPointsGradeType"}` and
//! every level then carries its own points grade type with `maxPoints`.

mod points;
mod structure;

use edugraph_odata::{shape::format_datetime, Schema};
use serde_json::{json, Map, Value};

use super::document::{self, build, check_body, merge, split_existing};
use super::{identity_set, Ids, RuleError, Stamp};

pub use points::{max_points, quality_share, POINTS_GRADE_TYPE};
use structure::Known;

const TYPE: &str = "educationRubric";
/// Server-managed on the rubric itself; the nested ids are handled in `structure.rs`.
const READ_ONLY: &[&str] = &[
    "id",
    "createdBy",
    "createdDateTime",
    "lastModifiedBy",
    "lastModifiedDateTime",
];

/// A new rubric owned by `stamp.caller`. Required: `displayName`, `levels` (≥ 1),
/// `qualities` (≥ 1). The body may not carry `levelId`, `qualityId` or criterion `id`s.
/// New ids are drawn from `ids` in document order: every level, then each quality
/// followed by its criteria.
pub fn create(
    schema: &Schema,
    id: &str,
    body: Map<String, Value>,
    stamp: Stamp<'_>,
    ids: Ids<'_>,
) -> Result<Value, RuleError> {
    structure::precheck(&body)?;
    let (body, criterion_ids) = structure::take_criterion_ids(body);
    structure::refuse_nested_ids(&body, &criterion_ids)?;
    let props = check_body(schema, TYPE, body, READ_ONLY)?;
    let mut props = finish(schema, props, &Known::default(), ids)?;
    let by = identity_set(stamp.caller);
    let at = json!(format_datetime(stamp.now));
    props.insert("createdBy".into(), by.clone());
    props.insert("createdDateTime".into(), at.clone());
    props.insert("lastModifiedBy".into(), by);
    props.insert("lastModifiedDateTime".into(), at);
    Ok(build(schema, TYPE, id, props, |_| None))
}

/// The stored rubric `existing` after a PATCH by `stamp.caller`. `levels` and `qualities`,
/// when sent, replace the stored ones whole and go through the same rules as on create;
/// they may carry the `levelId`, `qualityId` and criterion `id` values of the stored
/// rubric (a client echoing a GET), which are kept, while unknown ids are refused and
/// items without one get a new id. The modified stamps move; the created ones stay.
pub fn update(
    schema: &Schema,
    existing: &Value,
    patch: Map<String, Value>,
    stamp: Stamp<'_>,
    ids: Ids<'_>,
) -> Result<Value, RuleError> {
    structure::precheck(&patch)?;
    let (patch, criterion_ids) = structure::take_criterion_ids(patch);
    let mut patch = check_body(schema, TYPE, patch, READ_ONLY)?;
    structure::restore_criterion_ids(&mut patch, criterion_ids);
    let (id, props) = split_existing(existing)?;
    let known = Known::of(&props);
    let mut props = finish(schema, merge(props, patch), &known, ids)?;
    props.insert("lastModifiedBy".into(), identity_set(stamp.caller));
    props.insert(
        "lastModifiedDateTime".into(),
        json!(format_datetime(stamp.now)),
    );
    Ok(build(schema, TYPE, &id, props, |_| None))
}

/// The rules of a complete rubric; returns its properties with the grid normalised (ids
/// assigned, keys in schema order) and the points total computed.
fn finish(
    schema: &Schema,
    mut props: Map<String, Value>,
    known: &Known,
    ids: Ids<'_>,
) -> Result<Map<String, Value>, RuleError> {
    document::display_name(&props, "")?;
    document::description(&props, "")?;
    let points = points::is_points_rubric(props.get("grading"), "grading")?;
    let levels = document::required(&props, "", "levels")?;
    let levels = structure::levels(schema, levels, points, known, &mut *ids)?;
    let qualities = document::required(&props, "", "qualities")?;
    let qualities = structure::qualities(schema, qualities, levels.items.len(), known, ids)?;
    if points {
        let total = max_points(&levels.points, qualities.weights.as_deref());
        let sent = props
            .get("grading")
            .and_then(|g| g.get("maxPoints"))
            .filter(|v| !v.is_null());
        points::check_sent_total(sent, total)?;
        props.insert("grading".into(), points::grade_type(total));
    } else {
        props.insert("grading".into(), Value::Null);
    }
    props.insert("levels".into(), Value::Array(levels.items));
    props.insert("qualities".into(), Value::Array(qualities.items));
    Ok(props)
}
