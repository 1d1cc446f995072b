//! `educationGradingCategory` {id, displayName, percentageWeight}: how much each kind of
//! assignment counts toward the class average (BEHAVIOR §8.4), and the class-wide
//! invariant that the weights of a class total exactly 100.

use edugraph_odata::Schema;
use serde_json::{Map, Value};

use super::document::{self, Plain};
use super::{limits, RuleError};

const PLAIN: Plain = Plain {
    type_name: "educationGradingCategory",
    read_only: &["id"],
    validate,
};

/// The message Graph answers when a change leaves the weights off 100 (BEHAVIOR §0.7).
pub const WEIGHTS_MESSAGE: &str = "GradingCategory weights must sum to 100.";

/// A new grading category. Only this one category is checked; the caller checks the whole
/// set of the class with [`check_weights`] once all changes of the request are applied.
pub fn create(schema: &Schema, id: &str, body: Map<String, Value>) -> Result<Value, RuleError> {
    PLAIN.create(schema, id, body)
}

/// The stored category `existing` after a PATCH (the set's total is the caller's check).
pub fn update(
    schema: &Schema,
    existing: &Value,
    patch: Map<String, Value>,
) -> Result<Value, RuleError> {
    PLAIN.update(schema, existing, patch)
}

/// The class-wide invariant: a non-empty set of categories has weights totalling exactly
/// 100 (within [`limits::WEIGHT_TOLERANCE`], since the weights are JSON numbers). An empty
/// set is fine: a class may have no grading categories at all. A category whose weight is
/// missing or not a number counts as breaking the total.
pub fn check_weights(all: &[Value]) -> Result<(), RuleError> {
    if all.is_empty() {
        return Ok(());
    }
    let mut total = 0.0;
    for category in all {
        match category.get("percentageWeight").and_then(Value::as_f64) {
            Some(w) => total += w,
            None => return Err(RuleError::payload(WEIGHTS_MESSAGE)),
        }
    }
    if (total - 100.0).abs() <= limits::WEIGHT_TOLERANCE {
        Ok(())
    } else {
        Err(RuleError::payload(WEIGHTS_MESSAGE))
    }
}

/// A complete grading category: a name, and a weight in 0..=100 (the schema makes it an
/// `Edm.Int32`, so the schema check has already refused fractions and non-numbers).
fn validate(props: &Map<String, Value>) -> Result<(), RuleError> {
    document::display_name(props, "")?;
    let weight = document::required(props, "", "percentageWeight")?;
    document::number_in(weight, "percentageWeight", 0.0, 100.0)?;
    Ok(())
}
