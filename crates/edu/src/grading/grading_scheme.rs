//! `educationGradingScheme` {id, displayName, hidePointsDuringGrading, grades[]}: a class's
//! letter-grade schemes (BEHAVIOR §8.5). Each grade (`educationGradingSchemeGrade`) names a
//! letter, the lowest percentage that earns it and optionally the percentage a teacher's
//! pick of that letter stands for.
//!
//! Rules on the grades **[inferred]** (Graph documents none of them; they make the
//! percentage → letter mapping well defined):
//! * at least one grade, at most [`limits::MAX_GRADES`];
//! * `displayName` required and not blank; `minPercentage` required, `defaultPercentage`
//!   optional, both in 0..=100;
//! * no two grades share a `minPercentage` (the letter for that percentage would be
//!   ambiguous);
//! * a grade's `defaultPercentage` maps back to that grade: at least its own
//!   `minPercentage` and below the next higher grade's `minPercentage` (Pass ≥ 60 with
//!   default 100, Fail ≥ 0 with default 0);
//! * the order is the client's: grades are stored as sent, not sorted, so a GET returns
//!   them the way the teacher wrote them. [`grade_for`] does not depend on the order.

use edugraph_odata::Schema;
use serde_json::{json, Map, Value};

use super::document::{self, build, check_body, complex_in_order, count_in, merge, split_existing};
use super::{limits, RuleError};

const TYPE: &str = "educationGradingScheme";
const GRADE_TYPE: &str = "educationGradingSchemeGrade";
const READ_ONLY: &[&str] = &["id"];

/// A new grading scheme. `hidePointsDuringGrading` defaults to `false`.
pub fn create(schema: &Schema, id: &str, body: Map<String, Value>) -> Result<Value, RuleError> {
    precheck(&body)?;
    let props = check_body(schema, TYPE, body, READ_ONLY)?;
    finish(schema, id, props)
}

/// The stored scheme `existing` after a PATCH; `grades`, when sent, replaces the list whole.
pub fn update(
    schema: &Schema,
    existing: &Value,
    patch: Map<String, Value>,
) -> Result<Value, RuleError> {
    precheck(&patch)?;
    let patch = check_body(schema, TYPE, patch, READ_ONLY)?;
    let (id, props) = split_existing(existing)?;
    finish(schema, &id, merge(props, patch))
}

/// The grade whose band holds `percentage`: the one with the highest `minPercentage` not
/// above it. `None` when the percentage is below every grade (or the document has none).
pub fn grade_for(scheme: &Value, percentage: f64) -> Option<&Value> {
    scheme
        .get("grades")?
        .as_array()?
        .iter()
        .filter_map(|g| Some((g, g.get("minPercentage")?.as_f64()?)))
        .filter(|(_, min)| *min <= percentage)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(g, _)| g)
}

/// Bounds the grade count before the schema check walks the list.
fn precheck(body: &Map<String, Value>) -> Result<(), RuleError> {
    match body.get("grades") {
        Some(grades @ Value::Array(_)) => {
            count_in(grades, "grades", 0, limits::MAX_GRADES).map(|_| ())
        }
        _ => Ok(()),
    }
}

fn finish(schema: &Schema, id: &str, mut props: Map<String, Value>) -> Result<Value, RuleError> {
    document::display_name(&props, "")?;
    let grades = document::required(&props, "", "grades")?;
    count_in(grades, "grades", 1, limits::MAX_GRADES)?;
    let grades = check_grades(grades.as_array().map(Vec::as_slice).unwrap_or_default())?;
    let grades = grades
        .into_iter()
        .map(|g| Value::Object(complex_in_order(schema, GRADE_TYPE, g, None)))
        .collect();
    props.insert("grades".into(), Value::Array(grades));
    if props
        .get("hidePointsDuringGrading")
        .is_none_or(Value::is_null)
    {
        props.insert("hidePointsDuringGrading".into(), json!(false));
    }
    Ok(build(schema, TYPE, id, props, |_| None))
}

/// The grade rules of the module doc; returns the grades as objects.
fn check_grades(grades: &[Value]) -> Result<Vec<Map<String, Value>>, RuleError> {
    let mut out = Vec::with_capacity(grades.len());
    let mut mins = Vec::with_capacity(grades.len());
    for (i, grade) in grades.iter().enumerate() {
        let path = format!("grades/{i}");
        let Value::Object(grade) = grade else {
            return Err(RuleError::payload(format!(
                "Property '{path}' must be an object."
            )));
        };
        document::display_name(grade, &path)?;
        let min = document::required(grade, &path, "minPercentage")?;
        let min = document::number_in(min, &format!("{path}/minPercentage"), 0.0, 100.0)?;
        if let Some(default) = grade.get("defaultPercentage").filter(|v| !v.is_null()) {
            document::number_in(default, &format!("{path}/defaultPercentage"), 0.0, 100.0)?;
        }
        if let Some(j) = mins.iter().position(|m| *m == min) {
            return Err(RuleError::payload(format!(
                "Property '{path}/minPercentage': grades {j} and {i} both start at {min}; each grade needs its own minPercentage."
            )));
        }
        mins.push(min);
        out.push(grade.clone());
    }
    for (i, grade) in out.iter().enumerate() {
        let Some(default) = grade.get("defaultPercentage").and_then(Value::as_f64) else {
            continue;
        };
        let min = mins[i];
        let next = mins.iter().copied().filter(|m| *m > min).reduce(f64::min);
        let fits = default >= min && next.is_none_or(|next| default < next);
        if !fits {
            return Err(RuleError::payload(format!(
                "Property 'grades/{i}/defaultPercentage': {default} does not fall in the grade's own band (from {min}{}).",
                next.map(|n| format!(" up to, not including, {n}")).unwrap_or_default()
            )));
        }
    }
    Ok(out)
}
