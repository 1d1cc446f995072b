//! The one error type of the OData layer. Every variant becomes a 400 (or 404 for an
//! unknown segment) at the HTTP boundary; `message` is written for the developer and names
//! the offending property, operator or option.

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ODataError {
    /// A Graph-style error code: `BadRequest`, `invalidRequest`, ...
    pub code: &'static str,
    pub message: String,
}

impl ODataError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            code: "BadRequest",
            message: message.into(),
        }
    }
}
