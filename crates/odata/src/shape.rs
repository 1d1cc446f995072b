//! Payload shaping: `$select` projection of stored documents, `@odata.context` URLs,
//! `@odata.type` stamping, evolvable-enum masking, and the Graph value formats
//! (date-time, date, time of day, GUID) shared by the query parser and body checks.
//!
//! Date-times are stored and written as UTC with `Z`: `YYYY-MM-DDTHH:MM:SSZ` when the
//! fraction is zero, otherwise `YYYY-MM-DDTHH:MM:SS.fffffffZ` with trailing zeros trimmed
//! (100 ns precision, as Graph writes). Text order equals time order except *within one
//! second* between a whole-second value and a fractional one (`…:05Z` sorts after
//! `…:05.5Z` because `Z` > `.`). `$filter` literals are normalised the same way, so
//! equality is exact; only sub-second range comparisons across that boundary can be off.

use crate::schema::{Schema, StructuredType, TypeRef, NAMESPACE};
use crate::{ApiVersion, SelectItem};
use serde_json::{Map, Value};
use time::{Date, Month, OffsetDateTime, Time, UtcOffset};

/// Keeps only the selected properties of an entity document (nested paths keep the
/// nested parts; collections of complex values are projected element-wise). `*` keeps
/// everything. Instance annotations (`@odata.type`, `@removed`, ...) are always kept.
pub fn project(doc: &Value, select: &[SelectItem]) -> Value {
    let paths: Vec<&[String]> = select.iter().map(|s| s.0.as_slice()).collect();
    project_paths(doc, &paths)
}

fn project_paths(doc: &Value, paths: &[&[String]]) -> Value {
    match doc {
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| project_paths(v, paths)).collect())
        }
        Value::Object(map) => {
            if paths
                .iter()
                .any(|p| p.is_empty() || (p.len() == 1 && p[0] == "*"))
            {
                return doc.clone();
            }
            let mut out = Map::new();
            for (key, value) in map {
                if key.starts_with('@') {
                    out.insert(key.clone(), value.clone());
                    continue;
                }
                let sub: Vec<&[String]> = paths
                    .iter()
                    .filter(|p| p.first() == Some(key))
                    .map(|p| &p[1..])
                    .collect();
                if sub.is_empty() {
                    continue;
                }
                let projected = if sub.iter().any(|p| p.is_empty()) {
                    value.clone()
                } else {
                    project_paths(value, &sub)
                };
                out.insert(key.clone(), projected);
            }
            Value::Object(out)
        }
        // Nested paths into a null or primitive keep the value as it is.
        other => other.clone(),
    }
}

/// The select list as written inside an `@odata.context` fragment:
/// `education/users(id,student/externalId)` uses `id,student/externalId`.
pub fn select_fragment(select: &[SelectItem]) -> String {
    select
        .iter()
        .map(|s| s.0.join("/"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `{base}/{version}/$metadata#{fragment}`.
pub fn context_url(base: &str, version: ApiVersion, fragment: &str) -> String {
    // Pushed piece by piece into one buffer of the right size: every response with a
    // payload builds one, and `format!` costs several times as much.
    let version = version.as_str();
    let mut out = String::with_capacity(base.len() + version.len() + fragment.len() + 12);
    out.push_str(base);
    out.push('/');
    out.push_str(version);
    out.push_str("/$metadata#");
    out.push_str(fragment);
    out
}

/// `#microsoft.graph.educationUser`.
pub fn odata_type(type_name: &str) -> String {
    format!("#{NAMESPACE}.{}", crate::schema::strip_namespace(type_name))
}

/// Sets `@odata.type` on an object, as its first key (Graph writes it first, and some
/// clients read it before the rest).
pub fn set_odata_type(doc: &mut Value, type_name: &str) {
    if let Value::Object(map) = doc {
        let mut out = Map::with_capacity(map.len() + 1);
        out.insert("@odata.type".into(), Value::String(odata_type(type_name)));
        for (k, v) in std::mem::take(map) {
            if k != "@odata.type" {
                out.insert(k, v);
            }
        }
        *map = out;
    }
}

/// Replaces evolvable-enum members that Graph hides from callers not sending
/// `Prefer: include-unknown-enum-members` (members after `unknownFutureValue`) with
/// `unknownFutureValue`, through nested complex values. `type_name` is the entity or
/// complex type of `doc`; a nested `@odata.type` picks the derived type.
pub fn mask_hidden_enum_members(schema: &Schema, type_name: &str, doc: &mut Value) {
    let Value::Object(map) = doc else { return };
    let declared = map
        .get("@odata.type")
        .and_then(Value::as_str)
        .unwrap_or(type_name)
        .to_string();
    let Some(ty) = schema
        .structured_type(&declared)
        .or_else(|| schema.structured_type(type_name))
    else {
        return;
    };
    for (key, value) in map.iter_mut() {
        let Some(prop) = StructuredType::property(ty, key) else {
            continue;
        };
        let targets: Vec<&mut Value> = match value {
            Value::Array(items) if prop.collection => items.iter_mut().collect(),
            v => vec![v],
        };
        for v in targets {
            match &prop.ty {
                TypeRef::Enum(e) => {
                    if let (Some(en), Value::String(s)) = (schema.enum_type(e), &*v) {
                        if en.hidden_members().any(|h| h == s) {
                            *v = Value::String("unknownFutureValue".into());
                        }
                    }
                }
                TypeRef::Complex(c) => mask_hidden_enum_members(schema, c, v),
                TypeRef::Primitive(_) => {}
            }
        }
    }
}

/// Parses an ISO-8601 date-time with an offset: `Z` (or `z`) or `±HH:MM`, seconds
/// required, up to 9 fractional digits (kept to 100 ns, Graph's precision).
pub fn parse_datetime(s: &str) -> Option<OffsetDateTime> {
    let b = s.as_bytes();
    if b.len() < 20 || !(b[10] == b'T' || b[10] == b't') {
        return None;
    }
    let date = parse_date(s.get(..10)?)?;
    let (time, rest) = parse_time(s.get(11..)?)?;
    let offset = match rest {
        "Z" | "z" => UtcOffset::UTC,
        _ => {
            let ob = rest.as_bytes();
            if ob.len() != 6 || ob[3] != b':' {
                return None;
            }
            let sign: i8 = match ob[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let h = digits(rest.get(1..3)?)? as i8;
            let m = digits(rest.get(4..6)?)? as i8;
            if h > 23 || m > 59 {
                return None;
            }
            UtcOffset::from_hms(sign * h, sign * m, 0).ok()?
        }
    };
    let dt = date.with_time(time).assume_offset(offset);
    // Only instants whose UTC form is still a four-digit year are accepted, so that every
    // parsed value can be written back (and re-parsed) in the stored form.
    let utc = dt.checked_to_offset(UtcOffset::UTC)?;
    (0..=9999).contains(&utc.year()).then_some(dt)
}

/// Parses `HH:MM:SS[.fffffff]` (Edm.TimeOfDay); returns the time and the text after it.
fn parse_time(s: &str) -> Option<(Time, &str)> {
    let b = s.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, sec) = (
        digits(s.get(0..2)?)?,
        digits(s.get(3..5)?)?,
        digits(s.get(6..8)?)?,
    );
    let mut rest = s.get(8..)?;
    let mut nanos = 0u32;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 9 {
            return None;
        }
        let kept = n.min(7);
        nanos = digits(frac.get(..kept)?)? * 10u32.pow(9 - kept as u32);
        rest = frac.get(n..)?;
    }
    let time = Time::from_hms_nano(h as u8, m as u8, sec as u8, nanos).ok()?;
    Some((time, rest))
}

/// Parses an Edm.TimeOfDay (`HH:MM:SS` with optional fraction).
pub fn parse_time_of_day(s: &str) -> Option<Time> {
    match parse_time(s)? {
        (t, "") => Some(t),
        _ => None,
    }
}

/// Parses an Edm.Date, `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(s.get(0..4)?)? as i32;
    let month = Month::try_from(digits(s.get(5..7)?)? as u8).ok()?;
    Date::from_calendar_date(year, month, digits(s.get(8..10)?)? as u8).ok()
}

/// All-ASCII-digit text to a number (no sign, no spaces).
fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Writes a date-time as stored and returned: UTC, `Z`, fraction only when non-zero
/// (trimmed, at most 7 digits).
pub fn format_datetime(dt: OffsetDateTime) -> String {
    // `checked_` because a far-future local time can overflow the calendar in UTC; such
    // values never come out of `parse_datetime`, and are written in their own offset.
    let dt = dt.checked_to_offset(UtcOffset::UTC).unwrap_or(dt);
    let mut out = format!(
        "{}T{:02}:{:02}:{:02}",
        format_date(dt.date()),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    let ticks = dt.nanosecond() / 100;
    if ticks != 0 {
        let frac = format!("{ticks:07}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Parses and re-writes a date-time in the stored form; `None` if it is not one.
pub fn normalize_datetime(s: &str) -> Option<String> {
    parse_datetime(s).map(format_datetime)
}

/// Checks a GUID (`8-4-4-4-12` hex digits) and returns it in lower case, the stored form.
pub fn normalize_guid(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let ok = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    ok.then(|| s.to_ascii_lowercase())
}

#[cfg(test)]
mod tests;
