//! Query-option parsing (`$filter`, `$select`, `$expand`, `$orderby`, `$top`, `$skip`,
//! `$skiptoken`, `$deltatoken`, `$count`, `$search`, `@id`) into `QueryOptions`, bound and
//! checked against an entity type of the schema.
//!
//! Rules, following Graph:
//! * option names are case-insensitive and may omit the `$` (`filter=`, `$Filter=`);
//!   `@id` and `$id` are the same option; an option given twice is a 400;
//! * names and values are percent-decoded, and `+` is a space as in HTML form encoding
//!   (curl `--data-urlencode` and Python `requests` send spaces that way); a literal plus
//!   is `%2B`;
//! * every option has a size limit (`limits.rs`), refused with a 400 naming it;
//! * unknown `$`-options are a 400 naming them; parameters without `$` that are not
//!   option names (and `@`-aliases) are ignored, as Graph ignores unknown parameters;
//! * every property is checked against the entity type.
//!
//! Error codes: `BadRequest` for malformed or wrong input, `Request_UnsupportedQuery` for
//! valid OData that edugraph does not evaluate (see `ODataError`). `$top` is only checked
//! to be a non-negative integer: the caller applies its own maximum.

mod bind;
mod filter;
mod lexer;
pub mod limits;
mod paths;
mod print;
mod select;

pub use paths::{referenced_paths, PathRef, PathUse};

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

use crate::schema::{EntityType, StructuredType};
use crate::{Expr, ODataError, QueryOptions, Schema};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Filter,
    Select,
    Expand,
    OrderBy,
    Top,
    Skip,
    SkipToken,
    DeltaToken,
    Count,
    Search,
    Format,
    Id,
}

const NAMES: [(&str, Opt); 11] = [
    ("filter", Opt::Filter),
    ("select", Opt::Select),
    ("expand", Opt::Expand),
    ("orderby", Opt::OrderBy),
    ("top", Opt::Top),
    ("skip", Opt::Skip),
    ("skiptoken", Opt::SkipToken),
    ("deltatoken", Opt::DeltaToken),
    ("count", Opt::Count),
    ("search", Opt::Search),
    ("format", Opt::Format),
];

/// Standard OData options edugraph does not implement.
const UNSUPPORTED: [&str; 5] = ["apply", "compute", "levels", "index", "schemaversion"];

/// Which option a parameter name designates; `None` for parameters that are not options.
fn option_of(name: &str) -> Result<Option<Opt>, ODataError> {
    let lower = name.to_ascii_lowercase();
    if lower == "@id" || lower == "$id" {
        return Ok(Some(Opt::Id));
    }
    let (bare, dollar) = match lower.strip_prefix('$') {
        Some(b) => (b, true),
        None => (lower.as_str(), false),
    };
    if let Some((_, opt)) = NAMES.iter().find(|(n, _)| *n == bare) {
        return Ok(Some(*opt));
    }
    if !dollar {
        return Ok(None);
    }
    if UNSUPPORTED.contains(&bare) {
        return Err(ODataError::unsupported(format!(
            "The query option '{name}' is not supported."
        )));
    }
    Err(ODataError::bad_request(format!(
        "Unknown query option '{name}'."
    )))
}

/// Characters escaped by `encode_component`: those that would end or change the meaning
/// of a query parameter, plus `%` itself and anything not printable ASCII.
const QUERY_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'>')
    .add(b'=')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Percent-encodes a query parameter value for links the server writes
/// (`@odata.nextLink`); `decode_component` reverses it. `$`, `'`, `,`, `/`, `:`, `(`, `)`
/// stay readable.
pub fn encode_component(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// Percent-decodes one query component; `+` is a space and `%2B` a plus sign.
pub fn decode_component(raw: &str) -> Result<String, ODataError> {
    crate::path::check_escapes(raw).map_err(|at| {
        ODataError::bad_request(format!(
            "Invalid percent-encoding at position {at} of query parameter '{raw}'."
        ))
    })?;
    // `+` becomes a space before the escapes are decoded, so `%2B` survives as a plus.
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| {
            ODataError::bad_request(format!(
                "Query parameter '{raw}' is not valid UTF-8 once decoded."
            ))
        })
}

/// Parses the raw (still percent-encoded) query string of a request addressed to a
/// collection or entity of `entity_type` (`educationUser`). Unknown `$`-options,
/// unknown properties, unsupported operators and bad literals are errors that name
/// the offending piece. Options without `$` (`filter=`) are accepted as Graph does.
pub fn parse(
    raw_query: Option<&str>,
    schema: &Schema,
    entity_type: &str,
) -> Result<QueryOptions, ODataError> {
    let ty = entity(schema, entity_type)?;
    let mut out = QueryOptions::default();
    let mut seen: Vec<Opt> = Vec::new();
    for pair in raw_query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode_component(k)?;
        let Some(opt) = option_of(&name)? else {
            continue;
        };
        if seen.contains(&opt) {
            return Err(ODataError::bad_request(format!(
                "The query option '{name}' is specified more than once."
            )));
        }
        seen.push(opt);
        let value = decode_component(v)?;
        apply(opt, &name, &value, schema, ty, &mut out)?;
    }
    Ok(out)
}

fn apply(
    opt: Opt,
    name: &str,
    value: &str,
    schema: &Schema,
    ty: &EntityType,
    out: &mut QueryOptions,
) -> Result<(), ODataError> {
    let non_empty = || {
        if value.trim().is_empty() {
            Err(ODataError::bad_request(format!(
                "The query option '{name}' needs a value."
            )))
        } else {
            Ok(value.to_string())
        }
    };
    match opt {
        Opt::Filter => {
            out.filter = Some(filter::parse_filter(
                value,
                schema,
                StructuredType::Entity(ty),
            )?)
        }
        Opt::Select => out.select = Some(select::parse_select(value, schema, ty)?),
        Opt::Expand => out.expand = select::parse_expand(value, schema, ty)?,
        Opt::OrderBy => out.orderby = select::parse_orderby(value, schema, ty)?,
        Opt::Top => out.top = Some(parse_uint(name, value)?),
        Opt::Skip => out.skip = Some(parse_uint(name, value)?),
        Opt::SkipToken => out.skiptoken = Some(non_empty()?),
        Opt::DeltaToken => out.deltatoken = Some(non_empty()?),
        Opt::Search => out.search = Some(non_empty()?),
        Opt::Id => out.ref_id = Some(non_empty()?),
        Opt::Count => {
            out.count = match value.to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => {
                    return Err(ODataError::bad_request(format!(
                        "Invalid value '{value}' for {name}: expected true or false."
                    )))
                }
            }
        }
        Opt::Format => {
            let media = value
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if media != "json" && media != "application/json" {
                return Err(ODataError::unsupported(format!(
                    "The format '{value}' is not supported; use json."
                )));
            }
        }
    }
    Ok(())
}

/// A non-negative decimal integer (`$top`, `$skip`).
pub(crate) fn parse_uint<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, ODataError> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit()) {
        if let Ok(n) = v.parse::<T>() {
            return Ok(n);
        }
    }
    Err(ODataError::bad_request(format!(
        "Invalid value '{value}' for {name}: expected a non-negative integer."
    )))
}

fn entity<'s>(schema: &'s Schema, entity_type: &str) -> Result<&'s EntityType, ODataError> {
    schema
        .entity_type(entity_type)
        .ok_or_else(|| ODataError::bad_request(format!("Unknown entity type '{entity_type}'.")))
}

/// Parses and binds one (already decoded) `$filter` expression against `entity_type`.
pub fn parse_filter(text: &str, schema: &Schema, entity_type: &str) -> Result<Expr, ODataError> {
    let ty = entity(schema, entity_type)?;
    filter::parse_filter(text, schema, StructuredType::Entity(ty))
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_limits;
#[cfg(test)]
mod tests_options;
