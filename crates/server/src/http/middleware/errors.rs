//! Turning every error answer into the Graph envelope: responses the framework produced
//! (extractor rejections, 405 from method routers, bare statuses) are rewritten, a refused
//! `HEAD` gets its own 405, and a panic becomes an opaque 500.

use std::any::Any;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

fn content_type_starts_with(headers: &HeaderMap, prefix: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with(prefix))
}

/// Rewrites an error response that is not a Graph envelope. Cheap on the success path:
/// one status comparison.
pub async fn graph_errors(resp: Response, method: &Method, limit: usize) -> Response {
    // JSON bodies (Graph envelopes, OAuth2 errors) and the identity pages' HTML are
    // already what the client should see.
    if resp.status().as_u16() < 400
        || content_type_starts_with(resp.headers(), "application/json")
        || content_type_starts_with(resp.headers(), "text/html")
    {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    // Rejection bodies are one line of text; anything longer is not worth echoing.
    let text = axum::body::to_bytes(body, 2048).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let mut err = envelope_for(parts.status, method, &text, limit);
    if parts.status == StatusCode::UNAUTHORIZED {
        err.www_authenticate = Some("Bearer realm=\"edugraph\", error=\"invalid_token\"".into());
    }
    let mut out = err.into_response();
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

/// The Graph error for a bare status (and the text the framework gave with it).
fn envelope_for(status: StatusCode, method: &Method, text: &str, limit: usize) -> ApiError {
    let or = |default: &str| {
        if text.is_empty() {
            default.to_string()
        } else {
            text.to_string()
        }
    };
    match status {
        StatusCode::METHOD_NOT_ALLOWED => ApiError::method_not_allowed(format!(
            "The HTTP method '{method}' is not allowed for the requested resource."
        )),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::payload_too_large(limit),
        StatusCode::URI_TOO_LONG => super::super::bounds::uri_too_long(None),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
            super::super::bounds::headers_too_large(None)
        }
        // Graph reports body content errors as 400, never 422.
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
            ApiError::bad_request(or("The request is invalid."))
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            status,
            "UnsupportedMediaType",
            or("The request body must be sent as application/json."),
        ),
        StatusCode::NOT_FOUND => ApiError::new(
            status,
            "UnknownError",
            or("The requested resource was not found."),
        ),
        StatusCode::UNAUTHORIZED => ApiError::unauthorized(or("The request is not authenticated.")),
        StatusCode::FORBIDDEN => ApiError::forbidden(or("Access denied.")),
        StatusCode::REQUEST_TIMEOUT => ApiError::new(status, "timeout", "The request timed out."),
        s if s.is_server_error() => {
            tracing::error!(status = s.as_u16(), body = %text, "error response without a Graph envelope");
            ApiError::new(
                s,
                "generalException",
                "The service could not complete the request.",
            )
        }
        s => ApiError::new(
            s,
            &lower_camel(s.canonical_reason().unwrap_or("Error")),
            or(s.canonical_reason().unwrap_or("Error")),
        ),
    }
}

/// The method a `HEAD` request travels under. `HEAD` is not part of the Graph API, but
/// axum answers it on every `GET` route by running the `GET` handler (which may issue
/// sign-in tickets or read the audit log); under a method no route allows, each route
/// answers its own 405 and `Allow`, which [`refused_head`] then rewrites.
pub fn head_refused_method() -> Method {
    Method::from_bytes(b"HEAD-REFUSED").unwrap_or(Method::TRACE)
}

/// The 405 of a `HEAD` request, with `HEAD` taken out of the route's `Allow` list.
pub fn refused_head(resp: Response) -> Response {
    if resp.status() != StatusCode::METHOD_NOT_ALLOWED {
        return resp;
    }
    let allow: Vec<String> = resp
        .headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty() && !m.eq_ignore_ascii_case("HEAD"))
        .map(str::to_string)
        .collect();
    let allow = allow.join(", ");
    let mut out = ApiError::method_not_allowed(format!(
        "The HTTP method 'HEAD' is not allowed on this resource; allowed: {allow}."
    ))
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&allow) {
        out.headers_mut().insert(header::ALLOW, v);
    }
    out
}

/// `Request Timeout` → `requestTimeout`.
fn lower_camel(reason: &str) -> String {
    let mut out = String::new();
    for (i, word) in reason
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if i == 0 {
                out.push(first.to_ascii_lowercase());
            } else {
                out.push(first.to_ascii_uppercase());
            }
            out.push_str(chars.as_str());
        }
    }
    out
}

/// A handler panicked: log it once here and answer with an opaque 500 envelope.
pub fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("non-string panic payload");
    tracing::error!(panic = %detail, "handler panicked");
    ApiError::internal("The service could not complete the request.").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_phrases_become_lower_camel_codes() {
        assert_eq!(
            lower_camel("Request Header Fields Too Large"),
            "requestHeaderFieldsTooLarge"
        );
    }
}
