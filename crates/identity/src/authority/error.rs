//! OAuth2 errors as Entra ID writes them: `{"error","error_description","error_codes",
//! "timestamp","trace_id","correlation_id","error_uri"}`, the description starting with
//! the `AADSTS` number so developers can look it up, and `Cache-Control: no-store`.
//! `invalid_client` is a 401, throttling a 429, everything else a 400.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use edugraph_platform::error::REQUEST_IDS;

/// One refusal of the token endpoint (or of a step of the browser flows after the client
/// and redirect URI were validated, where it travels as query parameters instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub status: StatusCode,
    /// `invalid_request`, `invalid_client`, `invalid_grant`, ...
    pub error: &'static str,
    /// The AADSTS number.
    pub code: u32,
    /// The sentence after `AADSTS{code}: `.
    pub message: String,
    /// Seconds a throttled client should wait (`Retry-After`).
    pub retry_after: Option<u64>,
}

pub type OAuthResult<T> = Result<T, OAuthError>;

impl OAuthError {
    pub fn new(error: &'static str, code: u32, message: impl Into<String>) -> Self {
        let status = match error {
            "invalid_client" => StatusCode::UNAUTHORIZED,
            "temporarily_unavailable" => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        };
        Self {
            status,
            error,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn invalid_request(code: u32, message: impl Into<String>) -> Self {
        Self::new("invalid_request", code, message)
    }
    pub fn invalid_client(code: u32, message: impl Into<String>) -> Self {
        Self::new("invalid_client", code, message)
    }
    pub fn invalid_grant(code: u32, message: impl Into<String>) -> Self {
        Self::new("invalid_grant", code, message)
    }
    pub fn invalid_scope(code: u32, message: impl Into<String>) -> Self {
        Self::new("invalid_scope", code, message)
    }
    pub fn unauthorized_client(code: u32, message: impl Into<String>) -> Self {
        Self::new("unauthorized_client", code, message)
    }
    /// A required form field is absent.
    pub fn missing(field: &str) -> Self {
        Self::invalid_request(
            900144,
            format!("The request body must contain the following parameter: '{field}'."),
        )
    }
    /// The store failed: an opaque server error, logged where it happened.
    pub fn server_error() -> Self {
        let mut e = Self::new(
            "server_error",
            90100,
            "The service could not complete the request. Try again later.",
        );
        e.status = StatusCode::INTERNAL_SERVER_ERROR;
        e
    }

    /// Too many passwords are being checked at once (see `auth::password`): 503 with
    /// `Retry-After`; nothing was checked, so the attempt does not count as a failure.
    pub fn busy() -> Self {
        let mut e = Self::new(
            "temporarily_unavailable",
            90006,
            format!(
                "The service is temporarily unavailable: too many sign-ins are being checked at once. Try again in {} seconds.",
                crate::auth::password::RETRY_AFTER_SECS
            ),
        );
        e.status = StatusCode::SERVICE_UNAVAILABLE;
        e.retry_after = Some(crate::auth::password::RETRY_AFTER_SECS);
        e
    }

    /// `AADSTS{code}: {message}`, the form both the JSON body and redirects carry.
    pub fn description(&self) -> String {
        format!("AADSTS{}: {}", self.code, self.message)
    }
}

impl From<crate::auth::password::Busy> for OAuthError {
    fn from(_: crate::auth::password::Busy) -> Self {
        OAuthError::busy()
    }
}

impl From<edugraph_store::StoreError> for OAuthError {
    fn from(e: edugraph_store::StoreError) -> Self {
        tracing::error!(error = %e, "store failure in the identity endpoints");
        OAuthError::server_error()
    }
}

/// Entra's timestamp format: `2024-05-01 12:00:00Z`.
pub fn entra_timestamp(now: time::OffsetDateTime) -> String {
    let now = now.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let ids = REQUEST_IDS.try_with(|ids| ids.clone()).unwrap_or_default();
        let timestamp = entra_timestamp(time::OffsetDateTime::now_utc());
        let description = format!(
            "{} Trace ID: {} Correlation ID: {} Timestamp: {timestamp}",
            self.description(),
            ids.request_id,
            ids.client_request_id
        );
        let body = json!({
            "error": self.error,
            "error_description": description,
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": ids.request_id,
            "correlation_id": ids.client_request_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        });
        let mut resp = (self.status, body.to_string()).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store, no-cache"),
        );
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_error_kind() {
        assert_eq!(
            OAuthError::invalid_client(7000215, "x").status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            OAuthError::invalid_grant(50126, "x").status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            OAuthError::new("temporarily_unavailable", 50196, "x").status,
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(
            OAuthError::missing("grant_type").description(),
            "AADSTS900144: The request body must contain the following parameter: 'grant_type'."
        );
    }

    #[test]
    fn timestamps_look_like_entra() {
        let t = time::macros::datetime!(2024-05-01 08:09:10 UTC);
        assert_eq!(entra_timestamp(t), "2024-05-01 08:09:10Z");
    }
}
