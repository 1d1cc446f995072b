//! The one error type of the OData layer. Every variant becomes a 400 (or 404 for an
//! unknown segment) at the HTTP boundary; `message` is written for the developer and names
//! the offending property, operator or option.
//!
//! Codes: `BadRequest` for anything malformed or wrong (syntax, unknown properties or
//! options, bad literals, type mismatches, invalid bodies); `Request_UnsupportedQuery`
//! for queries that are valid OData but that edugraph does not evaluate (operators such
//! as `has`, functions such as `length`, navigation properties inside `$filter`).

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ODataError {
    /// A Graph-style error code: `BadRequest`, `Request_UnsupportedQuery`, ...
    pub code: &'static str,
    pub message: String,
}

impl ODataError {
    pub const BAD_REQUEST: &'static str = "BadRequest";
    pub const UNSUPPORTED_QUERY: &'static str = "Request_UnsupportedQuery";

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            code: Self::BAD_REQUEST,
            message: message.into(),
        }
    }
    /// Valid OData that this server does not support.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self {
            code: Self::UNSUPPORTED_QUERY,
            message: message.into(),
        }
    }
}
