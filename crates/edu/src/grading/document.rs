//! What every grading entity shares: checking a body against the schema (annotations,
//! read-only properties, types), merging a PATCH into the stored document, building the
//! document in the one key order, and the small value checks (required, non-blank, in
//! range) whose messages name the property.

use edugraph_odata::{schema::strip_namespace, Schema};
use serde_json::{json, Map, Value};

use super::{limits, RuleError};
use crate::Caller;

/// `#microsoft.graph.<type>`.
pub(crate) fn odata_type(type_name: &str) -> String {
    format!("#microsoft.graph.{type_name}")
}

/// The `identitySet` of whoever acts (BEHAVIOR §0.3): every part present, unused parts
/// `null`. A user acts as the `user`; an application acting on its own is the
/// `application`, and the `user` object stays with a null id, as Graph emits it for
/// events no user performed.
pub fn identity_set(caller: &Caller) -> Value {
    match caller {
        Caller::User { user_id, .. } => json!({
            "application": null,
            "device": null,
            "user": {"id": user_id, "displayName": null},
        }),
        Caller::App { app_id, .. } => json!({
            "application": {"id": app_id, "displayName": null},
            "device": null,
            "user": {"id": null, "displayName": null},
        }),
    }
}

/// The checks every create and update body goes through: top-level annotations, the
/// properties a client may never send (`read_only`, plus whatever the schema marks
/// computed), then the schema check (unknown properties, navigation properties, types,
/// enum members of this API version). Returns the body with annotations removed.
pub(crate) fn check_body(
    schema: &Schema,
    type_name: &str,
    mut body: Map<String, Value>,
    read_only: &[&str],
) -> Result<Map<String, Value>, RuleError> {
    strip_annotations(type_name, &mut body)?;
    let entity = schema
        .entity_type(type_name)
        .ok_or_else(|| RuleError::payload(format!("The schema has no type {type_name}.")))?;
    if let Some(name) = body.keys().find(|name| {
        read_only.contains(&name.as_str()) || entity.property(name).is_some_and(|p| p.computed)
    }) {
        return Err(read_only_error(name));
    }
    let checked = edugraph_odata::body::check_body(schema, type_name, &Value::Object(body))
        .map_err(|e| RuleError {
            code: e.code,
            message: e.message,
        })?;
    match checked {
        Value::Object(map) => Ok(map),
        _ => Err(RuleError::payload(
            "The request body must be a JSON object.",
        )),
    }
}

pub(crate) fn read_only_error(path: &str) -> RuleError {
    RuleError::payload(format!("Property '{path}' is read-only and cannot be set."))
}

/// Removes the instance annotations clients echo back from a GET (`@odata.type`,
/// `@odata.context`, `@odata.etag`, `@odata.id`). `@odata.type` must name this type;
/// any other annotation (`...@odata.bind`, `...@delta`) is refused, because the grading
/// entities have no navigation a body could bind.
fn strip_annotations(type_name: &str, body: &mut Map<String, Value>) -> Result<(), RuleError> {
    if let Some(ty) = body.remove("@odata.type") {
        let name = ty.as_str().map(strip_namespace).unwrap_or_default();
        if !name.eq_ignore_ascii_case(type_name) {
            return Err(RuleError::payload(format!(
                "The @odata.type {ty} does not match the type of this resource, {}.",
                odata_type(type_name)
            )));
        }
    }
    for key in ["@odata.context", "@odata.etag", "@odata.id"] {
        body.remove(key);
    }
    if let Some(key) = body.keys().find(|k| k.contains('@')) {
        return Err(RuleError::payload(format!(
            "The annotation '{key}' is not supported on this resource."
        )));
    }
    Ok(())
}

/// The stored document's properties other than `@odata.type` and `id`, and its id.
pub(crate) fn split_existing(existing: &Value) -> Result<(String, Map<String, Value>), RuleError> {
    let Some(map) = existing.as_object() else {
        return Err(RuleError::payload(
            "The stored entity is not a JSON object.",
        ));
    };
    let Some(id) = map.get("id").and_then(Value::as_str) else {
        return Err(RuleError::payload("The stored entity has no id."));
    };
    let mut props = map.clone();
    props.remove("@odata.type");
    props.remove("id");
    Ok((id.to_string(), props))
}

/// PATCH semantics for the grading entities: a property in the patch replaces the stored
/// value whole (complex values and collections included), so a client never ends up with
/// a half-old, half-new rubric level or item body.
pub(crate) fn merge(
    mut props: Map<String, Value>,
    patch: Map<String, Value>,
) -> Map<String, Value> {
    for (name, value) in patch {
        props.insert(name, value);
    }
    props
}

/// `@odata.type`, `id`, then every property of `type_name` in schema order: from `props`,
/// else from `default(name)`, else `null` (`[]` for collections). Properties the schema
/// does not know are dropped (callers validate first).
pub(crate) fn build(
    schema: &Schema,
    type_name: &str,
    id: &str,
    mut props: Map<String, Value>,
    default: impl Fn(&str) -> Option<Value>,
) -> Value {
    let mut doc = Map::new();
    doc.insert("@odata.type".into(), Value::String(odata_type(type_name)));
    doc.insert("id".into(), Value::String(id.to_string()));
    if let Some(entity) = schema.entity_type(type_name) {
        for prop in entity.properties.iter().filter(|p| p.name != "id") {
            let value = props
                .remove(&prop.name)
                .or_else(|| default(&prop.name))
                .unwrap_or(if prop.collection {
                    json!([])
                } else {
                    Value::Null
                });
            doc.insert(prop.name.clone(), value);
        }
    }
    Value::Object(doc)
}

/// A type whose documents are its checked properties and nothing the server computes
/// (a category, a grading category): create and PATCH are the body check, the merge, the
/// type's validation and [`build`].
pub(crate) struct Plain {
    pub type_name: &'static str,
    /// Properties a client may never send.
    pub read_only: &'static [&'static str],
    /// The rules of a complete document's properties.
    pub validate: fn(&Map<String, Value>) -> Result<(), RuleError>,
}

impl Plain {
    /// A new document with id `id` from a POST body.
    pub(crate) fn create(
        &self,
        schema: &Schema,
        id: &str,
        body: Map<String, Value>,
    ) -> Result<Value, RuleError> {
        let props = check_body(schema, self.type_name, body, self.read_only)?;
        (self.validate)(&props)?;
        Ok(build(schema, self.type_name, id, props, |_| None))
    }

    /// The stored document `existing` after a PATCH.
    pub(crate) fn update(
        &self,
        schema: &Schema,
        existing: &Value,
        patch: Map<String, Value>,
    ) -> Result<Value, RuleError> {
        let patch = check_body(schema, self.type_name, patch, self.read_only)?;
        let (id, props) = split_existing(existing)?;
        let props = merge(props, patch);
        (self.validate)(&props)?;
        Ok(build(schema, self.type_name, &id, props, |_| None))
    }
}

/// A complex value in schema order: `@odata.type` when present, then `first` (an id
/// property; it need not be declared: Graph returns a criterion `id` the schema omits),
/// then the type's properties, unset ones `null`. Undeclared keys are dropped.
pub(crate) fn complex_in_order(
    schema: &Schema,
    type_name: &str,
    mut value: Map<String, Value>,
    first: Option<&str>,
) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(odata) = value.remove("@odata.type") {
        out.insert("@odata.type".into(), odata);
    }
    if let Some(first) = first {
        out.insert(first.into(), value.remove(first).unwrap_or(Value::Null));
    }
    if let Some(ty) = schema.complex_type(type_name) {
        for prop in &ty.properties {
            if first == Some(prop.name.as_str()) {
                continue;
            }
            let v = value.remove(&prop.name).unwrap_or(Value::Null);
            out.insert(prop.name.clone(), v);
        }
    }
    out
}

/// A required property: present, not null.
pub(crate) fn required<'v>(
    props: &'v Map<String, Value>,
    path: &str,
    name: &str,
) -> Result<&'v Value, RuleError> {
    match props.get(name) {
        Some(v) if !v.is_null() => Ok(v),
        _ => Err(RuleError::payload(format!(
            "A value is required for property '{}'.",
            join(path, name)
        ))),
    }
}

/// A display name: required, not blank, at most [`limits::MAX_DISPLAY_NAME`] characters.
pub(crate) fn display_name(props: &Map<String, Value>, path: &str) -> Result<(), RuleError> {
    let value = required(props, path, "displayName")?;
    text(value, &join(path, "displayName"), limits::MAX_DISPLAY_NAME)?;
    if value.as_str().is_some_and(|s| s.trim().is_empty()) {
        return Err(RuleError::payload(format!(
            "Invalid value for property '{}': it cannot be empty.",
            join(path, "displayName")
        )));
    }
    Ok(())
}

/// An optional display name (rubric qualities): when set, within the length limit.
pub(crate) fn optional_display_name(
    props: &Map<String, Value>,
    path: &str,
) -> Result<(), RuleError> {
    match props.get("displayName") {
        None | Some(Value::Null) => Ok(()),
        Some(v) => text(v, &join(path, "displayName"), limits::MAX_DISPLAY_NAME),
    }
}

/// An optional `educationItemBody` (`description`): its content within
/// [`limits::MAX_DESCRIPTION`] characters.
pub(crate) fn description(props: &Map<String, Value>, path: &str) -> Result<(), RuleError> {
    let Some(Value::Object(body)) = props.get("description") else {
        return Ok(());
    };
    match body.get("content") {
        None | Some(Value::Null) => Ok(()),
        Some(v) => text(
            v,
            &join(path, "description/content"),
            limits::MAX_DESCRIPTION,
        ),
    }
}

/// A string of at most `max` characters (the schema check has already refused non-strings
/// for string properties; this also guards callers that did not run it).
pub(crate) fn text(value: &Value, path: &str, max: usize) -> Result<(), RuleError> {
    let Some(s) = value.as_str() else {
        return Err(RuleError::payload(format!(
            "Property '{path}' must be a string."
        )));
    };
    if s.chars().count() > max {
        return Err(RuleError::payload(format!(
            "Property '{path}' is longer than {max} characters."
        )));
    }
    Ok(())
}

/// A number within `lo..=hi`.
pub(crate) fn number_in(value: &Value, path: &str, lo: f64, hi: f64) -> Result<f64, RuleError> {
    match value.as_f64() {
        Some(n) if n.is_finite() && (lo..=hi).contains(&n) => Ok(n),
        Some(_) => Err(RuleError::payload(format!(
            "Property '{path}' must be between {lo} and {hi}; got {value}."
        ))),
        None => Err(RuleError::payload(format!(
            "Property '{path}' must be a number; got {value}."
        ))),
    }
}

/// A collection's element count within `min..=max`; the collection must be an array.
pub(crate) fn count_in(
    value: &Value,
    path: &str,
    min: usize,
    max: usize,
) -> Result<usize, RuleError> {
    let Some(items) = value.as_array() else {
        return Err(RuleError::payload(format!(
            "Property '{path}' must be a JSON array."
        )));
    };
    if items.len() < min {
        return Err(RuleError::payload(format!(
            "Property '{path}' needs at least {min} item(s)."
        )));
    }
    if items.len() > max {
        return Err(RuleError::payload(format!(
            "Property '{path}' has {} items; at most {max} are allowed.",
            items.len()
        )));
    }
    Ok(items.len())
}

/// `path/name`, or `name` at the top level: the same form the schema check's messages use.
pub(crate) fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}/{name}")
    }
}
