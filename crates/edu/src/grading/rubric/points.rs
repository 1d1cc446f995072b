//! Points of a points rubric: which `grading` values make one, and the rubric-level
//! `grading.maxPoints` the server computes.
//!
//! The formula, worked out from Graph's example (BEHAVIOR §6: two qualities weighted 50
//! and 50, levels worth 2 and 1 points, rubric `maxPoints` 100): quality weights are
//! percentages of a 100-point rubric. A quality graded at level `l` earns
//! `weight_q × points_l / top`, where `top` is the highest level's points, so its best is
//! `weight_q`, and the rubric's maximum is `Σ_q weight_q × top / top = Σ_q weight_q`,
//! i.e. 100 (weights must total 100). A rubric without weights counts its qualities
//! equally (`100 / n` each), which gives 100 as well. When every level is worth 0 points
//! nothing can be earned and the maximum is 0.

use serde_json::{json, Value};

use crate::grading::document::number_in;
use crate::grading::{limits, RuleError};

/// The one concrete `educationAssignmentGradeType`.
pub const POINTS_GRADE_TYPE: &str = "#microsoft.graph.educationAssignmentPointsGradeType";

/// The rubric-level `maxPoints` (module doc): `level_points` are the levels' `maxPoints`,
/// `weights` the qualities' weights when they carry any (`None`: equal weights).
pub fn max_points(level_points: &[f64], weights: Option<&[f64]>) -> f64 {
    let top = level_points.iter().copied().fold(0.0, f64::max);
    if top <= 0.0 {
        return 0.0;
    }
    match weights {
        // Σ_q weight_q × top / top: `top` cancels, leaving the sum of the weights.
        Some(weights) => weights.iter().sum(),
        // Equal weights of 100/n each total 100; written directly so no rounding creeps in.
        None => 100.0,
    }
}

/// What one quality earns when graded at level `level` (module doc): `weight × points of
/// that level / top level points`; 0 for an unknown level or when no level has points.
/// `weight` is the quality's weight, or `100 / number of qualities` when the rubric has none.
pub fn quality_share(level_points: &[f64], weight: f64, level: usize) -> f64 {
    let top = level_points.iter().copied().fold(0.0, f64::max);
    match level_points.get(level) {
        Some(points) if top > 0.0 => weight * points / top,
        _ => 0.0,
    }
}

/// Whether a `grading` value makes a points rubric (or level): `null`/absent → credit; an
/// object must name the points grade type (the base type is abstract, so an object
/// without `@odata.type` says nothing about how to grade).
pub(crate) fn is_points_rubric(grading: Option<&Value>, path: &str) -> Result<bool, RuleError> {
    match grading {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Object(g)) => match g.get("@odata.type").and_then(Value::as_str) {
            Some(ty) if ty.eq_ignore_ascii_case(POINTS_GRADE_TYPE) => Ok(true),
            _ => Err(RuleError::payload(format!(
                "Property '{path}' needs \"@odata.type\": \"{POINTS_GRADE_TYPE}\" (or null for a rubric without points)."
            ))),
        },
        Some(other) => Err(RuleError::payload(format!(
            "Property '{path}' must be an object or null; got {other}."
        ))),
    }
}

/// A level's points: finite, non-negative, below [`limits::MAX_POINTS`].
pub(crate) fn level_points(grading: &Value, path: &str) -> Result<f64, RuleError> {
    let path = format!("{path}/maxPoints");
    match grading.get("maxPoints") {
        None | Some(Value::Null) => Err(RuleError::payload(format!(
            "A value is required for property '{path}' in a points rubric."
        ))),
        Some(v) => {
            let n = number_in(v, &path, 0.0, limits::MAX_POINTS)?;
            if n >= limits::MAX_POINTS {
                return Err(RuleError::payload(format!(
                    "Property '{path}' must be less than {}.",
                    limits::MAX_POINTS
                )));
            }
            Ok(n)
        }
    }
}

/// The rubric-level `maxPoints` is computed, but clients echo a GET back on PATCH:
/// a sent value is accepted when it equals the computed one and refused otherwise
/// **[inferred]**, so a client never believes a total the server does not use.
pub(crate) fn check_sent_total(sent: Option<&Value>, total: f64) -> Result<(), RuleError> {
    let Some(sent) = sent else {
        return Ok(());
    };
    match sent.as_f64() {
        Some(n) if (n - total).abs() <= limits::WEIGHT_TOLERANCE => Ok(()),
        _ => Err(RuleError::payload(format!(
            "Property 'grading/maxPoints' is computed by the server from the levels' points and the qualities' weights ({total}); leave it out."
        ))),
    }
}

/// `{"@odata.type": points, "maxPoints": n}`, a whole number written without a fraction
/// (as Graph's example shows `100`).
pub(crate) fn grade_type(max_points: f64) -> Value {
    json!({"@odata.type": POINTS_GRADE_TYPE, "maxPoints": number(max_points)})
}

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}
