//! Schema check of POST/PATCH bodies: every property must exist on the entity or complex
//! type (or on the derived type named by `@odata.type`), and every value must have the
//! declared type, recursively. The checked body comes back normalised: date-times in the
//! stored UTC form, GUIDs in lower case, `@odata.type` as `#microsoft.graph.<name>` and
//! first, other instance annotations dropped.
//!
//! Not checked here: read-only (`computed`) and required-on-create rules, which depend on
//! the operation and belong to the domain layer. All failures are 400 `BadRequest`.

use serde_json::{Map, Value};

use crate::schema::{strip_namespace, Property, Schema, StructuredType, TypeRef};
use crate::shape::{normalize_datetime, normalize_guid, odata_type, parse_date, parse_time_of_day};
use crate::ODataError;

/// Checks `body` against `type_name` (an entity or complex type) and returns it normalised.
pub fn check_body(schema: &Schema, type_name: &str, body: &Value) -> Result<Value, ODataError> {
    let Value::Object(map) = body else {
        return Err(ODataError::bad_request(
            "The request body must be a JSON object.",
        ));
    };
    check_object(schema, type_name, map, "")
}

/// The type a body designates: `declared`, or the type named by its `@odata.type`, which
/// must be `declared` or derive from it.
pub fn effective_type<'s>(
    schema: &'s Schema,
    declared: &str,
    body: &Value,
) -> Result<StructuredType<'s>, ODataError> {
    resolve_type(schema, declared, body.get("@odata.type"))
}

fn resolve_type<'s>(
    schema: &'s Schema,
    declared: &str,
    named: Option<&Value>,
) -> Result<StructuredType<'s>, ODataError> {
    let declared_ty = schema
        .structured_type(declared)
        .ok_or_else(|| ODataError::bad_request(format!("Unknown type '{declared}'.")))?;
    let Some(named) = named else {
        return Ok(declared_ty);
    };
    let Some(named) = named.as_str() else {
        return Err(ODataError::bad_request(
            "The value of '@odata.type' must be a string.",
        ));
    };
    let ty = schema.structured_type(named).ok_or_else(|| {
        ODataError::bad_request(format!(
            "The type '{named}' named by '@odata.type' does not exist."
        ))
    })?;
    if !schema.is_derived_from(ty.name(), declared_ty.name()) {
        return Err(ODataError::bad_request(format!(
            "The type '{}' named by '@odata.type' is not '{}' or derived from it.",
            ty.qualified_name(),
            declared_ty.qualified_name()
        )));
    }
    Ok(ty)
}

fn check_object(
    schema: &Schema,
    declared: &str,
    map: &Map<String, Value>,
    at: &str,
) -> Result<Value, ODataError> {
    let ty = resolve_type(schema, declared, map.get("@odata.type")).map_err(|e| {
        if at.is_empty() {
            e
        } else {
            ODataError::bad_request(format!("{} (property '{at}')", e.message))
        }
    })?;
    let mut out = Map::with_capacity(map.len());
    if map.contains_key("@odata.type") {
        out.insert("@odata.type".into(), Value::String(odata_type(ty.name())));
    }
    for (key, value) in map {
        let path = if at.is_empty() {
            key.clone()
        } else {
            format!("{at}/{key}")
        };
        if let Some((nav, annotation)) = key.split_once('@') {
            if annotation == "odata.bind" {
                return Err(ODataError::bad_request(format!(
                    "Binding '{nav}' with '{key}' in a request body is not supported; add references with $ref."
                )));
            }
            // Instance annotations (`@odata.context`, `@odata.etag`, `name@odata.type`) carry no data.
            continue;
        }
        if let Some(prop) = ty.property(key) {
            out.insert(key.clone(), check_value(schema, prop, value, &path)?);
        } else if ty.navigation(key).is_some() {
            return Err(ODataError::bad_request(format!(
                "The navigation property '{path}' cannot be set in a request body."
            )));
        } else if ty.is_open() {
            out.insert(key.clone(), value.clone());
        } else {
            return Err(ODataError::bad_request(format!(
                "Property '{key}' does not exist on type '{}'.",
                ty.qualified_name()
            )));
        }
    }
    Ok(Value::Object(out))
}

fn check_value(
    schema: &Schema,
    prop: &Property,
    value: &Value,
    path: &str,
) -> Result<Value, ODataError> {
    if prop.collection {
        return match value {
            Value::Null if prop.nullable => Ok(Value::Null),
            Value::Array(items) => items
                .iter()
                .map(|v| check_single(schema, prop, v, path))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            _ => Err(ODataError::bad_request(format!(
                "Property '{path}' is a collection of '{}' and needs a JSON array.",
                prop.ty.display_name()
            ))),
        };
    }
    check_single(schema, prop, value, path)
}

/// One value (a collection element or a single-valued property).
fn check_single(
    schema: &Schema,
    prop: &Property,
    value: &Value,
    path: &str,
) -> Result<Value, ODataError> {
    if value.is_null() {
        return if prop.nullable {
            Ok(Value::Null)
        } else {
            Err(ODataError::bad_request(format!(
                "Property '{path}' cannot be null."
            )))
        };
    }
    let mismatch = || {
        let literal = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        ODataError::bad_request(format!(
            "Cannot convert the literal '{literal}' to the expected type '{}' for property '{path}'.",
            prop.ty.display_name()
        ))
    };
    match &prop.ty {
        TypeRef::Complex(c) => match value {
            Value::Object(map) => check_object(schema, c, map, path),
            _ => Err(mismatch()),
        },
        TypeRef::Enum(e) => {
            let en = schema.enum_type(e).ok_or_else(mismatch)?;
            match value.as_str() {
                Some(member) if en.has_member(member) => Ok(value.clone()),
                Some(member) => Err(ODataError::bad_request(format!(
                    "The value '{member}' is not a valid member of '{}' for property '{path}'. Valid members: {}.",
                    en.qualified_name(),
                    en.member_list()
                ))),
                None => Err(mismatch()),
            }
        }
        TypeRef::Primitive(p) => primitive(p, value).ok_or_else(mismatch),
    }
}

/// Checks and normalises a primitive value; `None` when it does not fit `edm`.
fn primitive(edm: &str, value: &Value) -> Option<Value> {
    let int_in = |lo: i64, hi: i64| {
        value
            .as_i64()
            .filter(|n| (lo..=hi).contains(n))
            .map(|_| value.clone())
    };
    let text = value.as_str();
    match edm {
        "Edm.String" => text.map(|_| value.clone()),
        "Edm.Boolean" => value.as_bool().map(|_| value.clone()),
        "Edm.Byte" => int_in(0, 255),
        "Edm.SByte" => int_in(-128, 127),
        "Edm.Int16" => int_in(i16::MIN.into(), i16::MAX.into()),
        "Edm.Int32" => int_in(i32::MIN.into(), i32::MAX.into()),
        "Edm.Int64" => int_in(i64::MIN, i64::MAX),
        // JSON numbers only; integers are fine for floating-point properties.
        "Edm.Double" | "Edm.Single" | "Edm.Decimal" => value.is_number().then(|| value.clone()),
        "Edm.DateTimeOffset" => text.and_then(normalize_datetime).map(Value::String),
        "Edm.Date" => text
            .filter(|t| parse_date(t).is_some())
            .map(|_| value.clone()),
        "Edm.TimeOfDay" => text
            .filter(|t| parse_time_of_day(t).is_some())
            .map(|_| value.clone()),
        "Edm.Guid" => text.and_then(normalize_guid).map(Value::String),
        // Durations, binary and other rare primitives travel as strings.
        _ => text.map(|_| value.clone()),
    }
}

/// The name without namespace of the type named by a body's `@odata.type`, if any.
pub fn named_type(body: &Value) -> Option<&str> {
    body.get("@odata.type")
        .and_then(Value::as_str)
        .map(strip_namespace)
}

#[cfg(test)]
mod tests;
