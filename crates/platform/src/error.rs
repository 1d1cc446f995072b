//! The one error type of the HTTP boundary. Every failure leaves the server as the Graph
//! error envelope `{"error":{"code","message","innerError":{"date","request-id",
//! "client-request-id"}}}` with `Content-Type: application/json`; the request ids come
//! from the task-local set by the request-id middleware.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use edugraph_odata::ODataError;
use edugraph_store::StoreError;
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// `innerError.code`, for the assignment-service style detail codes.
    pub inner_code: Option<String>,
    /// `WWW-Authenticate` header value for 401s.
    pub www_authenticate: Option<String>,
    /// `Retry-After` seconds for 503s (SDKs honour it before retrying).
    /// (`u32` and the boxed details keep the error small: it travels in every `Result`.)
    pub retry_after: Option<u32>,
    /// `error.details`: one `{code, message, target}` per problem, when there are several
    /// (a sync's verification messages).
    pub details: Option<Box<Vec<serde_json::Value>>>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_string(),
            message: message.into(),
            inner_code: None,
            www_authenticate: None,
            retry_after: None,
            details: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFound", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDenied", message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "notAllowed", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        let mut e = Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        );
        e.www_authenticate = Some("Bearer realm=\"edugraph\", error=\"invalid_token\"".into());
        e
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "generalException",
            message,
        )
    }
    /// 413 for a body over `limit` bytes: the one spelling of this error everywhere.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Self::PAYLOAD_TOO_LARGE,
            format!("The request body is larger than the limit of {limit} bytes."),
        )
    }
    pub const PAYLOAD_TOO_LARGE: &'static str = "requestEntityTooLarge";
    /// 503 `serviceNotAvailable`: the request had no effect and may be retried.
    pub fn service_unavailable(message: impl Into<String>, retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "serviceNotAvailable",
            message,
        );
        e.retry_after = Some(u32::try_from(retry_after).unwrap_or(u32::MAX));
        e
    }
    pub fn with_inner_code(mut self, code: &str) -> Self {
        self.inner_code = Some(code.to_string());
        self
    }
    pub fn with_details(mut self, details: Vec<serde_json::Value>) -> Self {
        self.details = (!details.is_empty()).then(|| Box::new(details));
        self
    }
}

impl From<ODataError> for ApiError {
    fn from(e: ODataError) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, e.code, e.message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found("The requested resource does not exist."),
            StoreError::Conflict(what) => ApiError::bad_request(format!(
                "Another object with the same value for property {what} already exists."
            ))
            .with_inner_code("ObjectConflict"),
            StoreError::Stale => ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "PreconditionFailed",
                "The entity changed since it was read.",
            ),
            StoreError::Other(err) => {
                tracing::error!(error = %err, "store failure");
                ApiError::internal("The service could not complete the request.")
            }
        }
    }
}

/// Ids of the request being served, set by `http::middleware::request_ids`.
#[derive(Debug, Clone, Default)]
pub struct RequestIds {
    pub request_id: String,
    pub client_request_id: String,
}

tokio::task_local! {
    pub static REQUEST_IDS: RequestIds;
}

impl ApiError {
    /// The envelope's JSON text for a request with `ids`.
    pub fn envelope(&self, ids: &RequestIds) -> String {
        let date = time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
        let mut inner = json!({
            "date": date.trim_end_matches('Z'),
            "request-id": ids.request_id,
            "client-request-id": ids.client_request_id,
        });
        if let Some(code) = &self.inner_code {
            inner["code"] = json!(code);
        }
        let mut error = json!({"code": self.code, "message": self.message, "innerError": inner});
        if let Some(details) = &self.details {
            error["details"] = json!(details);
        }
        json!({ "error": error }).to_string()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let ids = REQUEST_IDS.try_with(|ids| ids.clone()).unwrap_or_default();
        let body = self.envelope(&ids);
        let mut resp = (self.status, body).into_response();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(value) = self
            .www_authenticate
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}
