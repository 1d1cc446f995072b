//! Request-path parsing: the part after `/v1.0/` or `/beta/` split into segments.
//! Empty segments (`//`) are dropped, segments are percent-decoded, a leading
//! `microsoft.graph.` is stripped, `name()` marks a function call and `name('key')` /
//! `name(key)` is split into the name and its key.

use crate::ODataError;

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

/// Splits `education/users/delta()` into segments.
pub fn parse_path(path: &str) -> Result<Vec<Segment>, ODataError> {
    let _ = path;
    todo!("odata: parse_path")
}
