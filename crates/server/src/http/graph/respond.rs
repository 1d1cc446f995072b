//! Writing Graph payloads: the OData response headers, `@odata.context` spliced in front
//! of stored documents, collections, and the per-caller shaping of an entity (`$select`,
//! the caller's readable properties from `edugraph_edu::access::readable` — the same rule
//! the query options are checked against —, properties shown only on request such as
//! `refreshTokensValidFromDateTime`, hidden enum members masked).
//!
//! A stored document is returned as stored whenever no shaping applies: the string is
//! spliced, not re-serialised. That is the hot path of `GET .../{id}`.

use std::borrow::Cow;

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use edugraph_edu::access::{readable, Grant, Readable};
use edugraph_odata::{shape::project, ApiVersion, SelectItem};
use edugraph_store::EntityKind;
use serde_json::Value;

use super::ctx::Ctx;
use super::mask;

mod memo;

const ODATA_VERSION: HeaderName = HeaderName::from_static("odata-version");

pub const JSON_CONTENT_TYPE: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// A JSON response with the OData headers, echoing the preferences that were honoured.
pub fn json(
    ctx: &Ctx,
    status: StatusCode,
    body: String,
    max_page_applied: Option<u32>,
) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    headers.insert(ODATA_VERSION, HeaderValue::from_static("4.0"));
    if !ctx.prefs.include_unknown_enum_members && max_page_applied.is_none() {
        return resp;
    }
    let mut applied = Vec::new();
    if ctx.prefs.include_unknown_enum_members {
        applied.push("include-unknown-enum-members".to_string());
    }
    if let Some(n) = max_page_applied {
        applied.push(format!("odata.maxpagesize={n}"));
    }
    if let Ok(v) = HeaderValue::from_str(&applied.join(", ")) {
        if !applied.is_empty() {
            headers.insert("preference-applied", v);
        }
    }
    resp
}

/// One entity: its payload with `@odata.context` and `@odata.etag` spliced in front of
/// `body` (the stored text, or its shaped copy) and the same tag as the `ETag` header.
pub fn entity(ctx: &Ctx, status: StatusCode, context: &str, version: i64, body: &str) -> Response {
    let etag = edugraph_edu::writes::etag(version);
    let mut resp = json(ctx, status, splice_entity(context, Some(&etag), body), None);
    if let Ok(v) = HeaderValue::from_str(&etag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

/// 204 No Content.
pub fn no_content() -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    resp
}

/// A JSON string literal (quotes and escapes included).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_quoted(&mut out, s);
    out
}

/// Appends `s` as a JSON string literal: quotes, backslashes and control characters
/// escaped, everything else (UTF-8 included) as it is, as JSON allows.
pub fn push_quoted(out: &mut String, s: &str) {
    use std::fmt::Write as _;
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// `{"@odata.context":"<context>",<rest of doc>}` without parsing `doc`.
pub fn splice_context(context: &str, doc: &str) -> String {
    splice_entity(context, None, doc)
}

/// `{"@odata.context":"<context>","@odata.etag":"<etag>",<rest of doc>}` without parsing
/// `doc`: the control information first, as OData JSON orders it.
pub fn splice_entity(context: &str, etag: Option<&str>, doc: &str) -> String {
    let doc = doc.trim_start();
    let rest = doc.strip_prefix('{').unwrap_or(doc).trim_start();
    let mut out = String::with_capacity(doc.len() + context.len() + 48);
    out.push_str("{\"@odata.context\":");
    push_quoted(&mut out, context);
    if let Some(etag) = etag {
        out.push_str(",\"@odata.etag\":");
        push_quoted(&mut out, etag);
    }
    if !rest.starts_with('}') {
        out.push(',');
    }
    out.push_str(rest);
    out
}

/// `{"@odata.etag":"W/\"<version>\"",<rest of doc>}`: a collection item's entity tag,
/// spliced in front of its text as on a single entity.
pub fn splice_item_etag(doc: &str, version: i64) -> String {
    use std::fmt::Write as _;
    let rest = doc.trim_start();
    let rest = rest.strip_prefix('{').unwrap_or(rest).trim_start();
    let mut out = String::with_capacity(doc.len() + 32);
    out.push_str("{\"@odata.etag\":\"W/\\\"");
    // Written in place: `to_string` would allocate a string per item.
    let _ = write!(out, "{version}");
    out.push_str("\\\"\"");
    if !rest.starts_with('}') {
        out.push(',');
    }
    out.push_str(rest);
    out
}

/// A collection payload. `items` are complete JSON objects.
pub fn collection(
    context: &str,
    count: Option<u64>,
    items: &[String],
    next: Option<&str>,
    delta: Option<&str>,
) -> String {
    let size: usize = items.iter().map(|i| i.len() + 1).sum();
    let mut out = String::with_capacity(size + context.len() + 128);
    out.push_str("{\"@odata.context\":");
    push_quoted(&mut out, context);
    if let Some(n) = count {
        out.push_str(&format!(",\"@odata.count\":{n}"));
    }
    out.push_str(",\"value\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item);
    }
    out.push(']');
    if let Some(link) = next {
        out.push_str(",\"@odata.nextLink\":");
        out.push_str(&quote(link));
    }
    if let Some(link) = delta {
        out.push_str(",\"@odata.deltaLink\":");
        out.push_str(&quote(link));
    }
    out.push('}');
    out
}

/// How one entity is shown to this caller.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    pub version: ApiVersion,
    pub kind: EntityKind,
    pub select: Option<&'a [SelectItem]>,
    /// What the caller may read of `kind`, and what is shown only on request.
    pub readable: Readable,
    pub include_hidden: bool,
}

impl<'a> View<'a> {
    /// The view of the request's own grant.
    pub fn new(ctx: &Ctx, kind: EntityKind, select: Option<&'a [SelectItem]>) -> Self {
        Self::granted(ctx, &ctx.grant, kind, select)
    }

    /// The view of another grant of this request (an `$expand`ed navigation's).
    pub fn granted(
        ctx: &Ctx,
        grant: &Grant,
        kind: EntityKind,
        select: Option<&'a [SelectItem]>,
    ) -> Self {
        View {
            version: ctx.version,
            kind,
            select,
            readable: readable(grant, kind.type_name()),
            include_hidden: ctx.prefs.include_unknown_enum_members,
        }
    }

    fn selects(&self, name: &str) -> bool {
        self.select.is_some_and(|s| {
            s.iter()
                .any(|item| item.0.first().is_some_and(|n| n == name))
        })
    }
}

/// The stored document as this caller sees it, untouched when possible.
pub fn render<'d>(doc: &'d str, view: &View<'_>) -> Cow<'d, str> {
    if view.select.is_none() && view.readable.only().is_none() {
        return memo::plain(doc, view, || render_plain(doc, view));
    }
    reshape(doc, view)
}

/// A collection item: `doc` as [`render`] shows it, with its entity tag spliced in front
/// ([`splice_item_etag`]); a remembered plain rendering is spliced from without being
/// copied first.
pub fn render_item(doc: &str, view: &View<'_>, version: i64) -> String {
    if view.select.is_none() && view.readable.only().is_none() {
        let render = || render_plain(doc, view).into_owned();
        return memo::with_plain(doc, view, render, |text| splice_item_etag(text, version));
    }
    splice_item_etag(&reshape(doc, view), version)
}

/// [`render`] for a view without `$select` that may read every property.
fn render_plain<'d>(doc: &'d str, view: &View<'_>) -> Cow<'d, str> {
    if !mask::may_need(doc, view) {
        if let Some(out) = strip_all(doc, view.kind, view.readable.on_request()) {
            return out;
        }
    }
    reshape(doc, view)
}

/// [`render`] by parsing, shaping and serialising the document.
fn reshape<'d>(doc: &'d str, view: &View<'_>) -> Cow<'d, str> {
    match serde_json::from_str::<Value>(doc) {
        Ok(value) => Cow::Owned(shape(value, view).to_string()),
        // Stored documents are always JSON; pass anything else through rather than fail.
        Err(_) => Cow::Borrowed(doc),
    }
}

/// The parsed counterpart of `render`, for payloads that are assembled further
/// (`$expand`).
pub fn shape(mut value: Value, view: &View<'_>) -> Value {
    if let Some(only) = view.readable.only() {
        let readable: Vec<SelectItem> = only
            .iter()
            .map(|p| SelectItem(p.split('/').map(str::to_string).collect()))
            .collect();
        value = project(&value, &readable);
    }
    if let Some(select) = view.select {
        value = project(&value, select);
    }
    if let Some(obj) = value.as_object_mut() {
        for name in view.readable.on_request() {
            if !view.selects(name) {
                obj.remove(*name);
            }
        }
    }
    mask::mask(&mut value, view);
    value
}

/// The document without the simple top-level members `names` (text surgery, no
/// parsing), or `None` when one of them needs the parsing path.
fn strip_all<'d>(doc: &'d str, kind: EntityKind, names: &[&str]) -> Option<Cow<'d, str>> {
    let mut out = Cow::Borrowed(doc);
    for name in names {
        match strip_member(&out, name, mask::may_nest(kind, name)) {
            Strip::Absent => {}
            Strip::Stripped(s) => out = Cow::Owned(s),
            Strip::Complex => return None,
        }
    }
    Some(out)
}

#[derive(Debug, PartialEq, Eq)]
pub enum Strip {
    Absent,
    Stripped(String),
    /// Present but not in the simple top-level form: use the parsing path.
    Complex,
}

/// Removes the top-level member `"key": <string without escapes | null>` from a JSON
/// object text without parsing it. With `may_nest` false the schema says no complex
/// value has a property `key`, so one occurrence of `"key":` is the top-level member and
/// its depth need not be counted.
pub fn strip_member(doc: &str, key: &str, may_nest: bool) -> Strip {
    let needle = format!("\"{key}\"");
    let Some(start) = doc.find(&needle) else {
        return Strip::Absent;
    };
    if doc[start + needle.len()..].contains(&needle)
        || (may_nest && depth_at(doc, start) != Some(1))
    {
        return Strip::Complex;
    }
    let bytes = doc.as_bytes();
    let mut i = start + needle.len();
    let skip_ws = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    i = skip_ws(i);
    if bytes.get(i) != Some(&b':') {
        return Strip::Complex;
    }
    i = skip_ws(i + 1);
    let end = if doc[i..].starts_with("null") {
        i + 4
    } else if bytes.get(i) == Some(&b'"') {
        match doc[i + 1..].find(['"', '\\']) {
            Some(j) if bytes[i + 1 + j] == b'"' => i + 1 + j + 1,
            _ => return Strip::Complex,
        }
    } else {
        return Strip::Complex;
    };
    // Remove the member together with one neighbouring comma.
    let before = doc[..start].trim_end();
    let after = doc[end..].trim_start();
    if let Some(b) = before.strip_suffix(',') {
        Strip::Stripped(format!("{b}{after}"))
    } else if let Some(a) = after.strip_prefix(',') {
        Strip::Stripped(format!("{before}{}", a.trim_start()))
    } else {
        Strip::Stripped(format!("{before}{after}"))
    }
}

/// Nesting depth of objects/arrays at byte `pos` (outside strings), or `None` when `pos`
/// lies inside a string.
fn depth_at(doc: &str, pos: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in &doc.as_bytes()[..pos] {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    (!in_string).then_some(depth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_the_context_in_front() {
        assert_eq!(
            splice_context("http://h/c", r#"{"a":1}"#),
            r#"{"@odata.context":"http://h/c","a":1}"#
        );
        assert_eq!(splice_context("x\"y", "{}"), r#"{"@odata.context":"x\"y"}"#);
    }

    #[test]
    fn splices_an_item_etag_in_front() {
        let out = splice_item_etag(r##"{"@odata.type":"#t","id":"a"}"##, 7);
        assert_eq!(
            out,
            r##"{"@odata.etag":"W/\"7\"","@odata.type":"#t","id":"a"}"##
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["@odata.etag"], "W/\"7\"");
        assert_eq!(splice_item_etag("{}", 1), r#"{"@odata.etag":"W/\"1\""}"#);
    }

    #[test]
    fn an_item_is_its_rendering_with_its_tag_whether_remembered_or_not() {
        let view = |include_hidden| View {
            version: ApiVersion::V1,
            kind: EntityKind::User,
            select: None,
            readable: Readable::ALL,
            include_hidden,
        };
        let doc = r##"{"@odata.type":"#microsoft.graph.educationUser","id":"u-item","refreshTokensValidFromDateTime":"2020-01-01T00:00:00Z","displayName":"Ann"}"##;
        let want = splice_item_etag(&render(doc, &view(false)), 3);
        // The first call renders and remembers, the second splices from the memory.
        assert_eq!(render_item(doc, &view(false), 3), want);
        assert_eq!(render_item(doc, &view(false), 3), want);
        assert_eq!(
            render_item(doc, &view(false), 12),
            splice_item_etag(&render(doc, &view(false)), 12)
        );
        // Another text of the same length and prefix is rendered for itself.
        let other = doc.replace("Ann", "Bob");
        assert_eq!(
            render_item(&other, &view(false), 3),
            splice_item_etag(&render(&other, &view(false)), 3)
        );
        assert!(render_item(&other, &view(false), 3).contains("Bob"));
        // A `$select` view is shaped, not remembered.
        let select = [SelectItem(vec!["displayName".into()])];
        let selected = View {
            select: Some(&select),
            ..view(false)
        };
        assert_eq!(
            render_item(doc, &selected, 3),
            splice_item_etag(&render(doc, &selected), 3)
        );
    }

    fn strip_member_nested(doc: &str, key: &str) -> Strip {
        strip_member(doc, key, true)
    }

    #[test]
    fn a_member_that_cannot_nest_is_stripped_without_counting_depth() {
        assert_eq!(
            strip_member(r#"{"a":{"b":1},"k":"x"}"#, "k", false),
            Strip::Stripped(r#"{"a":{"b":1}}"#.into())
        );
        // A value spelled like the key is still told apart: it is not followed by `:`.
        assert_eq!(
            strip_member(r#"{"a":"k","k":"x"}"#, "k", false),
            Strip::Complex
        );
    }

    #[test]
    fn strips_a_simple_member_anywhere() {
        let key = "k";
        assert_eq!(
            strip_member_nested(r#"{"a":1,"k":"2024-01-01T00:00:00Z","b":2}"#, key),
            Strip::Stripped(r#"{"a":1,"b":2}"#.into())
        );
        assert_eq!(
            strip_member_nested(r#"{"k":null,"b":2}"#, key),
            Strip::Stripped(r#"{"b":2}"#.into())
        );
        assert_eq!(
            strip_member_nested(r#"{"a":1, "k": "x"}"#, key),
            Strip::Stripped(r#"{"a":1}"#.into())
        );
        assert_eq!(strip_member_nested(r#"{"a":1}"#, key), Strip::Absent);
        // Nested, escaped or non-string values take the parsing path.
        assert_eq!(
            strip_member_nested(r#"{"a":{"k":"x"}}"#, key),
            Strip::Complex
        );
        assert_eq!(strip_member_nested(r#"{"a":"k"}"#, key), Strip::Complex);
        assert_eq!(strip_member_nested(r#"{"k":"a\"b"}"#, key), Strip::Complex);
        assert_eq!(strip_member_nested(r#"{"k":5}"#, key), Strip::Complex);
    }

    #[test]
    fn depth_counts_brackets_outside_strings_only() {
        let doc = r#"{"a":"x{[\"y","b":[{"c":"\\"}],"d":1}"#;
        let at = |needle: &str| depth_at(doc, doc.find(needle).unwrap());
        assert_eq!(at(r#""a""#), Some(1));
        assert_eq!(at(r#""c""#), Some(3));
        assert_eq!(at(r#""d""#), Some(1));
        assert_eq!(at("y"), None);
        assert_eq!(depth_at(doc, doc.len()), Some(0));
        assert_eq!(depth_at(r#"{"a\"#, 4), None);
        assert_eq!(quote("a\"b"), r#""a\"b""#);
        assert_eq!(quote("W/\"7\""), r#""W/\"7\"""#);
        for s in ["a\\b\nc\u{1}d\té", "plain", "", "\"\"", "\u{1f}x"] {
            assert_eq!(quote(s), Value::String(s.to_string()).to_string(), "{s:?}");
        }
        assert_eq!(quote("http://h/x"), r#""http://h/x""#);
    }
}
