//! `$select`, `$expand` and `$orderby`: comma-separated lists of paths, each checked
//! against the entity type, and each list bounded in length (`limits.rs`).

use super::bind::{unknown_property, Clause, Kind, PathBuilder};
use super::lexer::{lex, Tok};
use super::limits::{self, MAX_EXPAND_ITEMS, MAX_ORDERBY_ITEMS, MAX_SELECT_ITEMS};
use crate::schema::{EntityType, Schema, StructuredType};
use crate::{ExpandItem, ODataError, OrderBy, SelectItem};

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `id,displayName,student/externalId` or `*`.
pub(crate) fn parse_select(
    text: &str,
    schema: &Schema,
    ty: &EntityType,
) -> Result<Vec<SelectItem>, ODataError> {
    let items = text.split(',').count();
    limits::check("$select", items, "items", MAX_SELECT_ITEMS)?;
    let mut out: Vec<SelectItem> = Vec::new();
    for raw in text.split(',') {
        let item = raw.trim();
        if item.is_empty() {
            return Err(ODataError::bad_request(format!(
                "$select '{text}' contains an empty item."
            )));
        }
        let segments: Vec<String> = item.split('/').map(|s| s.trim().to_string()).collect();
        if item == "*" {
            out.push(SelectItem(segments));
            continue;
        }
        let mut path = PathBuilder::root(StructuredType::Entity(ty));
        for seg in &segments {
            if !is_identifier(seg) {
                if seg.contains('.') {
                    return Err(ODataError::unsupported(format!(
                        "Type casts ('{seg}') are not supported in $select."
                    )));
                }
                return Err(ODataError::bad_request(format!(
                    "'{item}' is not a valid $select item."
                )));
            }
            path.step(schema, seg, Clause::Select)?;
        }
        let item = SelectItem(segments);
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

/// Splits at `sep` outside parentheses and quotes.
fn split_top(text: &str, sep: char) -> Result<Vec<&str>, ODataError> {
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth < 0 {
                    return Err(ODataError::bad_request(format!(
                        "Unbalanced ')' in '{text}'."
                    )));
                }
            }
            c if c == sep && !quoted && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    if depth != 0 || quoted {
        return Err(ODataError::bad_request(format!(
            "Unbalanced parentheses or quotes in '{text}'."
        )));
    }
    parts.push(&text[start..]);
    Ok(parts)
}

/// `members,schools($select=id,displayName;$top=5)` or `*`.
pub(crate) fn parse_expand(
    text: &str,
    schema: &Schema,
    ty: &EntityType,
) -> Result<Vec<ExpandItem>, ODataError> {
    let items = split_top(text, ',')?;
    limits::check("$expand", items.len(), "items", MAX_EXPAND_ITEMS)?;
    let mut out: Vec<ExpandItem> = Vec::new();
    for raw in items {
        let raw = raw.trim();
        let (name, options) = match raw.find('(') {
            Some(open) => {
                let inner = raw[open + 1..].strip_suffix(')').ok_or_else(|| {
                    ODataError::bad_request(format!(
                        "Expected ')' at the end of $expand item '{raw}'."
                    ))
                })?;
                (raw[..open].trim(), Some(inner))
            }
            None => (raw, None),
        };
        if name.is_empty() {
            return Err(ODataError::bad_request(format!(
                "$expand '{text}' contains an empty item."
            )));
        }
        let target = if name == "*" {
            None
        } else if let Some(nav) = ty.navigation(name) {
            Some(
                schema
                    .entity_type(&nav.target)
                    .ok_or_else(|| unknown_property(name, &ty.qualified_name()))?,
            )
        } else if ty.property(name).is_some() {
            return Err(ODataError::bad_request(format!(
                "Property '{name}' on type '{}' is not a navigation property and cannot be expanded.",
                ty.qualified_name()
            )));
        } else if name.contains('/') {
            return Err(ODataError::unsupported(format!(
                "Multi-segment $expand paths ('{name}') are not supported."
            )));
        } else {
            return Err(unknown_property(name, &ty.qualified_name()));
        };
        let mut item = ExpandItem {
            nav: name.to_string(),
            select: None,
            top: None,
        };
        if let Some(options) = options {
            expand_options(options, schema, target, &mut item)?;
        }
        if out.iter().any(|e| e.nav == item.nav) {
            return Err(ODataError::bad_request(format!(
                "The navigation property '{name}' is expanded more than once."
            )));
        }
        out.push(item);
    }
    Ok(out)
}

fn expand_options(
    options: &str,
    schema: &Schema,
    target: Option<&EntityType>,
    item: &mut ExpandItem,
) -> Result<(), ODataError> {
    for opt in split_top(options, ';')? {
        let opt = opt.trim();
        if opt.is_empty() {
            continue;
        }
        let (key, value) = opt.split_once('=').unwrap_or((opt, ""));
        let key = key.trim().to_ascii_lowercase();
        let key = key.strip_prefix('$').unwrap_or(&key);
        match key {
            "select" => {
                let target = target.ok_or_else(|| {
                    ODataError::unsupported("$select inside $expand=* is not supported; expand the navigations by name.")
                })?;
                if item
                    .select
                    .replace(parse_select(value, schema, target)?)
                    .is_some()
                {
                    return Err(ODataError::bad_request(
                        "$select appears twice in one $expand item.",
                    ));
                }
            }
            "top" => {
                let top = super::parse_uint::<u32>("$top", value)?;
                if item.top.replace(top).is_some() {
                    return Err(ODataError::bad_request(
                        "$top appears twice in one $expand item.",
                    ));
                }
            }
            "filter" | "orderby" | "skip" | "count" | "expand" | "levels" | "search"
            | "compute" => {
                return Err(ODataError::unsupported(format!(
                    "The query option '${key}' is not supported inside $expand."
                )))
            }
            _ => {
                return Err(ODataError::bad_request(format!(
                    "Unknown query option '{opt}' inside $expand."
                )))
            }
        }
    }
    Ok(())
}

/// `displayName desc,student/externalId`.
pub(crate) fn parse_orderby(
    text: &str,
    schema: &Schema,
    ty: &EntityType,
) -> Result<Vec<OrderBy>, ODataError> {
    let items = text.split(',').count();
    limits::check("$orderby", items, "items", MAX_ORDERBY_ITEMS)?;
    let mut out = Vec::new();
    for raw in text.split(',') {
        let toks = lex(raw)?;
        let mut it = toks.iter().map(|t| &t.tok).peekable();
        let mut path = PathBuilder::root(StructuredType::Entity(ty));
        loop {
            match it.next() {
                Some(Tok::Ident(name)) if !name.contains('.') => {
                    path.step(schema, name, Clause::OrderBy)?
                }
                Some(Tok::Ident(name)) => {
                    return Err(ODataError::unsupported(format!(
                        "Type casts ('{name}') are not supported in $orderby."
                    )))
                }
                _ => {
                    return Err(ODataError::bad_request(format!(
                        "'{}' is not a valid $orderby item.",
                        raw.trim()
                    )))
                }
            }
            if it.peek() != Some(&&Tok::Slash) {
                break;
            }
            it.next();
        }
        let desc = match it.next() {
            None => false,
            Some(Tok::Ident(d)) if d.eq_ignore_ascii_case("asc") => false,
            Some(Tok::Ident(d)) if d.eq_ignore_ascii_case("desc") => true,
            Some(_) => {
                return Err(ODataError::bad_request(format!(
                    "'{}' is not a valid $orderby item.",
                    raw.trim()
                )))
            }
        };
        if it.next().is_some() {
            return Err(ODataError::bad_request(format!(
                "'{}' is not a valid $orderby item.",
                raw.trim()
            )));
        }
        match &path.kind {
            Kind::Primitive { collection: false, .. } => {}
            kind => {
                return Err(ODataError::bad_request(format!(
                    "Cannot order by '{}': only single-valued primitive or enum properties can be ordered by (it is of type '{}'{}).",
                    path.text(),
                    kind.type_name(),
                    if kind.collection() { ", a collection" } else { "" }
                )))
            }
        }
        out.push(OrderBy {
            path: path.finish(),
            desc,
        });
    }
    Ok(out)
}
