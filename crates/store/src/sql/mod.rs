//! SQL shared by both backends: the values a query binds, a sink that both backends'
//! `QueryBuilder`s implement, the JSON-access dialect, the compilers for `$filter`,
//! `$orderby` and listings, the write path, and the one `Store` implementation both
//! backends expand (`store_impl`).
//!
//! The compilers write SQL text and bound values into a [`Sink`]; they never splice a value
//! into SQL. Only property names reach the SQL text (JSON paths must be literals for the
//! expression indexes to apply), and [`check_segment`] restricts those to plain identifiers.

pub(crate) mod bulk;
pub(crate) mod dialect;
pub(crate) mod filter;
pub(crate) mod linked;
pub(crate) mod listing;
pub(crate) mod store_impl;
pub(crate) mod write;

use crate::conflict::other;
use crate::Result;
use sqlx::{Postgres, QueryBuilder, Sqlite};

/// A value bound to a query parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// Where compiled SQL goes: text is appended, values become parameters.
pub(crate) trait Sink {
    fn sql(&mut self, text: &str);
    fn bind(&mut self, value: Bind);
}

macro_rules! sink_for {
    ($db:ty) => {
        impl Sink for QueryBuilder<'_, $db> {
            fn sql(&mut self, text: &str) {
                self.push(text);
            }
            fn bind(&mut self, value: Bind) {
                match value {
                    Bind::Text(v) => self.push_bind(v),
                    Bind::Int(v) => self.push_bind(v),
                    Bind::Float(v) => self.push_bind(v),
                    Bind::Bool(v) => self.push_bind(v),
                };
            }
        }
    };
}
sink_for!(Sqlite);
sink_for!(Postgres);

/// Property names become part of SQL text (inside JSON path literals), so only plain
/// identifiers pass. The OData layer binds every path against the schema, so anything else
/// is a bug upstream, reported as an internal error rather than risked.
pub(crate) fn check_segment(segment: &str) -> Result<&str> {
    let mut chars = segment.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(segment)
    } else {
        Err(other(format!(
            "property name {segment:?} is not a plain identifier"
        )))
    }
}

/// Escapes `%`, `_` and the escape character itself for `LIKE ... ESCAPE '\'`.
pub(crate) fn escape_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_must_be_identifiers() {
        assert!(check_segment("externalId").is_ok());
        assert!(check_segment("_x1").is_ok());
        for bad in ["", "1a", "a.b", "a'b", "a b", "a-b", "é"] {
            assert!(check_segment(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
        assert_eq!(escape_like("plain"), "plain");
    }
}
