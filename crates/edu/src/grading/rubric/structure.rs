//! The grid of a rubric: levels (columns), qualities (rows) and one criterion per cell.
//! Checks the shape (counts, one criterion per level, weights), normalises each item to
//! its schema order with the id first, and assigns the ids the server owns: `levelId`,
//! `qualityId` and the criterion `id` (which Graph returns although the schema's
//! `rubricCriterion` declares only `description`).

use std::collections::HashSet;

use edugraph_odata::Schema;
use serde_json::{Map, Value};

use super::points;
use crate::grading::document::{
    self, complex_in_order, count_in, number_in, read_only_error, required,
};
use crate::grading::{limits, Ids, RuleError};

/// The ids of a stored rubric, which a PATCH may carry back. Empty on create.
#[derive(Debug, Default)]
pub(super) struct Known {
    levels: HashSet<String>,
    qualities: HashSet<String>,
    criteria: HashSet<String>,
}

impl Known {
    pub(super) fn of(props: &Map<String, Value>) -> Known {
        let items = |name: &str| -> Vec<&Map<String, Value>> {
            props
                .get(name)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_object).collect())
                .unwrap_or_default()
        };
        let ids = |items: &[&Map<String, Value>], key: &str| -> HashSet<String> {
            items
                .iter()
                .filter_map(|m| m.get(key).and_then(Value::as_str).map(str::to_string))
                .collect()
        };
        let qualities = items("qualities");
        let criteria: Vec<&Map<String, Value>> = qualities
            .iter()
            .filter_map(|q| q.get("criteria").and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_object)
            .collect();
        Known {
            levels: ids(&items("levels"), "levelId"),
            qualities: ids(&qualities, "qualityId"),
            criteria: ids(&criteria, "id"),
        }
    }
}

/// Bounds the collections before the schema check walks them, so an oversized body is
/// refused without being traversed.
pub(super) fn precheck(body: &Map<String, Value>) -> Result<(), RuleError> {
    if let Some(levels @ Value::Array(_)) = body.get("levels") {
        count_in(levels, "levels", 0, limits::MAX_LEVELS)?;
    }
    if let Some(value @ Value::Array(qualities)) = body.get("qualities") {
        count_in(value, "qualities", 0, limits::MAX_QUALITIES)?;
        for (i, q) in qualities.iter().enumerate() {
            if let Some(criteria @ Value::Array(_)) = q.get("criteria") {
                count_in(
                    criteria,
                    &format!("qualities/{i}/criteria"),
                    0,
                    limits::MAX_LEVELS,
                )?;
            }
        }
    }
    Ok(())
}

/// The criterion `id`s of a body, by quality and criterion position, taken out so the
/// schema check (which does not know them) can run.
pub(super) type CriterionIds = Vec<Vec<Option<Value>>>;

pub(super) fn take_criterion_ids(
    mut body: Map<String, Value>,
) -> (Map<String, Value>, CriterionIds) {
    let mut taken = Vec::new();
    if let Some(Value::Array(qualities)) = body.get_mut("qualities") {
        for quality in qualities {
            let mut row = Vec::new();
            if let Some(Value::Array(criteria)) = quality.get_mut("criteria") {
                for criterion in criteria {
                    row.push(criterion.as_object_mut().and_then(|c| c.remove("id")));
                }
            }
            taken.push(row);
        }
    }
    (body, taken)
}

/// Puts the taken criterion ids back (the schema check keeps positions).
pub(super) fn restore_criterion_ids(body: &mut Map<String, Value>, taken: CriterionIds) {
    let Some(Value::Array(qualities)) = body.get_mut("qualities") else {
        return;
    };
    for (quality, row) in qualities.iter_mut().zip(taken) {
        let Some(Value::Array(criteria)) = quality.get_mut("criteria") else {
            continue;
        };
        for (criterion, id) in criteria.iter_mut().zip(row) {
            if let (Some(c), Some(id)) = (criterion.as_object_mut(), id) {
                c.insert("id".into(), id);
            }
        }
    }
}

/// On create no nested id may be sent: the server assigns them all. `null` is tolerated
/// (it is what "no id" looks like in an echoed template).
pub(super) fn refuse_nested_ids(
    body: &Map<String, Value>,
    criterion_ids: &CriterionIds,
) -> Result<(), RuleError> {
    let sent = |item: &Value, key: &str| item.get(key).is_some_and(|v| !v.is_null());
    if let Some(Value::Array(levels)) = body.get("levels") {
        if let Some(i) = levels.iter().position(|l| sent(l, "levelId")) {
            return Err(read_only_error(&format!("levels/{i}/levelId")));
        }
    }
    if let Some(Value::Array(qualities)) = body.get("qualities") {
        if let Some(i) = qualities.iter().position(|q| sent(q, "qualityId")) {
            return Err(read_only_error(&format!("qualities/{i}/qualityId")));
        }
    }
    for (i, row) in criterion_ids.iter().enumerate() {
        if let Some(j) = row
            .iter()
            .position(|id| id.as_ref().is_some_and(|v| !v.is_null()))
        {
            return Err(read_only_error(&format!("qualities/{i}/criteria/{j}/id")));
        }
    }
    Ok(())
}

/// Normalised levels and their points (empty for a credit rubric).
pub(super) struct Levels {
    pub items: Vec<Value>,
    pub points: Vec<f64>,
}

/// The levels: 1..=[`limits::MAX_LEVELS`], each with a display name (a column needs a
/// heading **[inferred]**), an optional description, points exactly when the rubric has
/// points, and its `levelId` (kept when known, new when absent).
pub(super) fn levels(
    schema: &Schema,
    levels: &Value,
    points_rubric: bool,
    known: &Known,
    ids: Ids<'_>,
) -> Result<Levels, RuleError> {
    count_in(levels, "levels", 1, limits::MAX_LEVELS)?;
    let mut seen = HashSet::new();
    let mut out = Levels {
        items: Vec::new(),
        points: Vec::new(),
    };
    for (i, level) in levels.as_array().into_iter().flatten().enumerate() {
        let path = format!("levels/{i}");
        let mut level = object(level, &path)?;
        document::display_name(&level, &path)?;
        document::description(&level, &path)?;
        let grading_path = format!("{path}/grading");
        let grading = level.get("grading");
        match (points_rubric, points::is_points_rubric(grading, &grading_path)?) {
            (true, true) => {
                let n = points::level_points(grading.unwrap_or(&Value::Null), &grading_path)?;
                out.points.push(n);
                let value = grading.and_then(|g| g.get("maxPoints")).cloned();
                let mut g = Map::new();
                g.insert("@odata.type".into(), points::POINTS_GRADE_TYPE.into());
                g.insert("maxPoints".into(), value.unwrap_or(Value::Null));
                level.insert("grading".into(), Value::Object(g));
            }
            (true, false) => {
                return Err(RuleError::payload(format!(
                    "A value is required for property '{grading_path}' in a points rubric: {{\"@odata.type\": \"{}\", \"maxPoints\": ...}}.",
                    points::POINTS_GRADE_TYPE
                )))
            }
            (false, true) => {
                return Err(RuleError::payload(format!(
                    "Property '{grading_path}' must be null: the rubric's grading is null (a rubric without points)."
                )))
            }
            (false, false) => {
                level.insert("grading".into(), Value::Null);
            }
        }
        assign_id(
            &mut level,
            "levelId",
            &path,
            &known.levels,
            &mut seen,
            &mut *ids,
        )?;
        out.items.push(Value::Object(complex_in_order(
            schema,
            "rubricLevel",
            level,
            Some("levelId"),
        )));
    }
    Ok(out)
}

/// Normalised qualities and their weights (`None` when no quality has one).
pub(super) struct Qualities {
    pub items: Vec<Value>,
    pub weights: Option<Vec<f64>>,
}

/// The qualities: 1..=[`limits::MAX_QUALITIES`], each with exactly one criterion per level
/// (aligned by position), an optional weight in 0..=100 — when any quality has a weight,
/// all must, and they total 100 (BEHAVIOR §0.9) — and its `qualityId`.
pub(super) fn qualities(
    schema: &Schema,
    qualities: &Value,
    level_count: usize,
    known: &Known,
    ids: Ids<'_>,
) -> Result<Qualities, RuleError> {
    count_in(qualities, "qualities", 1, limits::MAX_QUALITIES)?;
    let mut seen_qualities = HashSet::new();
    let mut seen_criteria = HashSet::new();
    let mut items = Vec::new();
    let mut weights: Vec<Option<f64>> = Vec::new();
    for (i, quality) in qualities.as_array().into_iter().flatten().enumerate() {
        let path = format!("qualities/{i}");
        let mut quality = object(quality, &path)?;
        document::optional_display_name(&quality, &path)?;
        document::description(&quality, &path)?;
        weights.push(match quality.get("weight") {
            None | Some(Value::Null) => None,
            Some(w) => Some(number_in(w, &format!("{path}/weight"), 0.0, 100.0)?),
        });
        // New ids in document order: the quality's own, then its criteria's.
        assign_id(
            &mut quality,
            "qualityId",
            &path,
            &known.qualities,
            &mut seen_qualities,
            &mut *ids,
        )?;
        let criteria_path = format!("{path}/criteria");
        let criteria = required(&quality, &path, "criteria")?;
        let count = count_in(criteria, &criteria_path, 0, limits::MAX_LEVELS)?;
        if count != level_count {
            return Err(RuleError::payload(format!(
                "Property '{criteria_path}' has {count} criteria but the rubric has {level_count} level(s); each quality needs exactly one criterion per level."
            )));
        }
        let mut normalised = Vec::with_capacity(count);
        for (j, criterion) in criteria.as_array().into_iter().flatten().enumerate() {
            let cpath = format!("{criteria_path}/{j}");
            let mut criterion = object(criterion, &cpath)?;
            document::description(&criterion, &cpath)?;
            assign_id(
                &mut criterion,
                "id",
                &cpath,
                &known.criteria,
                &mut seen_criteria,
                &mut *ids,
            )?;
            normalised.push(Value::Object(complex_in_order(
                schema,
                "rubricCriterion",
                criterion,
                Some("id"),
            )));
        }
        quality.insert("criteria".into(), Value::Array(normalised));
        items.push(Value::Object(complex_in_order(
            schema,
            "rubricQuality",
            quality,
            Some("qualityId"),
        )));
    }
    let weights = check_weights(&weights)?;
    Ok(Qualities { items, weights })
}

/// All or none of the qualities carry a weight; when they do, the weights total 100.
fn check_weights(weights: &[Option<f64>]) -> Result<Option<Vec<f64>>, RuleError> {
    if weights.iter().all(Option::is_none) {
        return Ok(None);
    }
    if let Some(i) = weights.iter().position(Option::is_none) {
        return Err(RuleError::payload(format!(
            "A value is required for property 'qualities/{i}/weight': when any quality has a weight, every quality needs one."
        )));
    }
    let weights: Vec<f64> = weights.iter().flatten().copied().collect();
    let total: f64 = weights.iter().sum();
    if (total - 100.0).abs() > limits::WEIGHT_TOLERANCE {
        return Err(RuleError::payload(format!(
            "Rubric quality weights must sum to 100; they sum to {total}."
        )));
    }
    Ok(Some(weights))
}

/// Keeps an id the stored rubric knows, refuses any other and a repeat within the body,
/// and draws a new one when the item has none.
fn assign_id(
    item: &mut Map<String, Value>,
    key: &str,
    path: &str,
    known: &HashSet<String>,
    seen: &mut HashSet<String>,
    ids: Ids<'_>,
) -> Result<(), RuleError> {
    let id = match item.get(key) {
        None | Some(Value::Null) => ids(),
        Some(Value::String(id)) if known.contains(id) => {
            if !seen.insert(id.clone()) {
                return Err(RuleError::payload(format!(
                    "Property '{path}/{key}': '{id}' appears more than once."
                )));
            }
            id.clone()
        }
        Some(other) => {
            return Err(RuleError::payload(format!(
                "Property '{path}/{key}': {other} is not an id of this rubric; leave it out for a new item."
            )))
        }
    };
    item.insert(key.into(), Value::String(id));
    Ok(())
}

fn object(value: &Value, path: &str) -> Result<Map<String, Value>, RuleError> {
    match value {
        Value::Object(map) => Ok(map.clone()),
        _ => Err(RuleError::payload(format!(
            "Property '{path}' must be an object."
        ))),
    }
}
