//! Request-path parsing: the part after `/v1.0/` or `/beta/` split into segments.
//! Empty segments (`//`) are dropped, segments are percent-decoded, a leading
//! `microsoft.graph.` is stripped, `name()` marks a function call and `name('key')` /
//! `name(key)` / `name(id='key')` is split into the name and its key.
//!
//! The parser knows no routes: `delta` stays `Name("delta")` and `delta()` becomes
//! `Call("delta")`, and the router accepts both. Malformed segments (bad percent
//! escapes, unbalanced parentheses or quotes, function parameters, composite keys) are
//! 400 `BadRequest`.

use std::borrow::Cow;

use crate::ODataError;
use percent_encoding::percent_decode_str;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A property, entity set, key or bare function/action name.
    Name(String),
    /// `name()`: a function call with an empty parameter list (`delta()`).
    Call(String),
    /// `$ref`
    Ref,
    /// `$count`
    Count,
    /// `$value`
    Value,
}

impl Segment {
    /// The name of a `Name` or `Call` segment.
    pub fn name(&self) -> Option<&str> {
        match self {
            Segment::Name(n) | Segment::Call(n) => Some(n),
            _ => None,
        }
    }
    /// True for `name` and `name()` alike: how Graph treats bound functions such as `delta`.
    pub fn is_function(&self, name: &str) -> bool {
        self.name() == Some(name)
    }
}

/// Splits `education/users/delta()` into segments. A leading `/` and a query string
/// are not expected (strip them first); empty segments are ignored.
pub fn parse_path(path: &str) -> Result<Vec<Segment>, ODataError> {
    // Room for `education/users/{id}/nav` without growing.
    let mut out = Vec::with_capacity(4);
    for raw in path.split('/').filter(|s| !s.is_empty()) {
        let decoded = decode(raw)?;
        parse_segment(&decoded, &mut out)?;
    }
    Ok(out)
}

/// Parses the target of a reference (`@odata.id` of a `$ref` body, `@id` of a `$ref`
/// DELETE) into segments: an absolute URL on any host (`https://graph.microsoft.com/v1.0/
/// education/users/{id}`), or a relative one (`/beta/users/{id}`, `education/users/{id}`).
/// The scheme and authority, a leading API version segment, and any query or fragment are
/// dropped; which collections are acceptable is the caller's decision.
pub fn parse_reference(url: &str) -> Result<Vec<Segment>, ODataError> {
    let url = url.trim();
    let path = match url.split_once("://") {
        Some((scheme, rest))
            if !scheme.is_empty() && scheme.bytes().all(|c| c.is_ascii_alphabetic()) =>
        {
            rest.find('/').map_or("", |i| &rest[i..])
        }
        Some(_) => {
            return Err(ODataError::bad_request(format!(
                "'{url}' is not a valid reference URL."
            )))
        }
        None => url,
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut segs = parse_path(path)?;
    if segs
        .first()
        .and_then(Segment::name)
        .and_then(crate::ApiVersion::from_segment)
        .is_some()
    {
        segs.remove(0);
    }
    if segs.is_empty() {
        return Err(ODataError::bad_request(format!(
            "'{url}' does not name an entity."
        )));
    }
    Ok(segs)
}

/// The decoded segment, borrowed when it holds no escape (nearly always), so a path is
/// not copied twice on its way to its segments.
fn decode(raw: &str) -> Result<Cow<'_, str>, ODataError> {
    check_escapes(raw).map_err(|at| {
        ODataError::bad_request(format!(
            "Invalid percent-encoding at position {at} of path segment '{raw}'."
        ))
    })?;
    percent_decode_str(raw).decode_utf8().map_err(|_| {
        ODataError::bad_request(format!(
            "Path segment '{raw}' is not valid UTF-8 once decoded."
        ))
    })
}

/// `percent_decode` passes malformed escapes through silently; the byte offset of the
/// first `%` not followed by two hex digits is reported instead.
pub(crate) fn check_escapes(raw: &str) -> Result<(), usize> {
    let b = raw.as_bytes();
    for (i, c) in b.iter().enumerate() {
        if *c == b'%'
            && !(i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit())
        {
            return Err(i);
        }
    }
    Ok(())
}

fn parse_segment(seg: &str, out: &mut Vec<Segment>) -> Result<(), ODataError> {
    if seg.starts_with('$') {
        let s = match seg.to_ascii_lowercase().as_str() {
            "$ref" => Segment::Ref,
            "$count" => Segment::Count,
            "$value" => Segment::Value,
            // `$metadata`, `$batch` and the like are routed by name.
            _ => Segment::Name(seg.to_string()),
        };
        out.push(s);
        return Ok(());
    }
    let seg = seg.strip_prefix("microsoft.graph.").unwrap_or(seg);
    let Some(open) = seg.find('(') else {
        if seg.contains(')') {
            return Err(bad(seg, "unbalanced ')'"));
        }
        out.push(Segment::Name(seg.to_string()));
        return Ok(());
    };
    let name = &seg[..open];
    let Some(args) = seg[open + 1..].strip_suffix(')') else {
        return Err(bad(seg, "expected ')' at the end"));
    };
    if name.is_empty() {
        return Err(bad(seg, "a key needs a name before '('"));
    }
    if args.trim().is_empty() {
        out.push(Segment::Call(name.to_string()));
        return Ok(());
    }
    let key = parse_key(args.trim()).map_err(|why| bad(seg, why))?;
    out.push(Segment::Name(name.to_string()));
    out.push(Segment::Name(key));
    Ok(())
}

/// `'abc'` (with `''` for a quote), `abc`, or `id='abc'`.
fn parse_key(args: &str) -> Result<String, &'static str> {
    let value = match args.split_once('=') {
        // A `=` inside a quoted key is part of the key, not a name.
        Some((name, v)) if !name.contains('\'') => {
            if name.trim() != "id" {
                return Err("only the key property 'id' may be named");
            }
            v.trim()
        }
        _ => args,
    };
    let key = if let Some(inner) = value.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'').ok_or("unterminated quoted key")?;
        if inner.replace("''", "").contains('\'') {
            return Err("a quote inside a key must be doubled");
        }
        inner.replace("''", "'")
    } else {
        if value.contains(['\'', ',', '(', ')']) {
            return Err("composite keys and function parameters are not supported");
        }
        value.to_string()
    };
    if key.is_empty() {
        return Err("the key is empty");
    }
    Ok(key)
}

fn bad(seg: &str, why: &str) -> ODataError {
    ODataError::bad_request(format!("Bad request path segment '{seg}': {why}."))
}

#[cfg(test)]
mod tests;
