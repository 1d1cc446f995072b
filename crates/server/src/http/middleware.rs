//! The one middleware stack every request passes, outermost first:
//! 0. forwarded headers believed only from trusted proxies (`forwarded::normalize`), so
//!    [`base_url`] and the client address never follow a header an untrusted peer sent;
//! 1. `request_ids`: `request-id` (fresh UUID) and `client-request-id` (echoed or fresh),
//!    set as response headers and as the task-local `REQUEST_IDS` the error envelope reads;
//! 2. `request_log`: one log line per request (method, path, status, latency, request id)
//!    and a span carrying the request id for what is logged while it runs;
//! 3. `graph_errors`: any error response that is not already a Graph envelope (axum
//!    extractor rejections, 405 from method routers, 413 from the body limit) is rewritten
//!    into one, so clients only ever see `{"error":{...}}` with a JSON content type;
//! 4. catch-panic → 500 envelope;
//! 5. the URI and header limits (414, 431) and the body limit (`config.body_limit`, 413,
//!    with the oversized body drained first), all in `bounds.rs`;
//! 6. `HEAD` refused with 405 like any method a route does not allow;
//! 7. `//` collapsing, before the router sees the path.

use std::any::Any;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;

use crate::config::Config;
use crate::error::{ApiError, RequestIds, REQUEST_IDS};
use edugraph_platform::forwarded;
pub use edugraph_platform::forwarded::base_url;

mod request_log;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
pub const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");

/// Wraps the routed application in the middleware stack and returns it as one router
/// whose only job is to hand every request to that stack.
pub fn apply(routes: Router, config: &Config) -> Router {
    let limit = config.body_limit;
    let stack = ServiceBuilder::new()
        .map_request(forwarded_layer(config))
        .layer(from_fn(request_ids))
        .layer(from_fn(request_log::request_log))
        .layer(from_fn_with_state(limit, graph_errors))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn(super::bounds::bounded_head))
        .layer(from_fn(refuse_head))
        .layer(from_fn_with_state(limit, super::bounds::bounded_body))
        // axum's extractors carry their own (2 MB) limit; align it with ours.
        .layer(DefaultBodyLimit::max(limit))
        .map_request(collapse_slashes)
        .service(routes);
    Router::new().fallback_service(stack)
}

/// Replaces runs of `/` in the path by one (`/v1.0//education/me` is what the Python SDK
/// sends with its default base URL). The query string is left exactly as it came.
pub fn collapse_slashes<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    if !req.uri().path().contains("//") {
        return req;
    }
    let uri = req.uri();
    let mut path = String::with_capacity(uri.path().len());
    for c in uri.path().chars() {
        if !(c == '/' && path.ends_with('/')) {
            path.push(c);
        }
    }
    let path_and_query = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    let mut parts = uri.clone().into_parts();
    if let Ok(pq) = path_and_query.parse() {
        parts.path_and_query = Some(pq);
        if let Ok(new_uri) = Uri::from_parts(parts) {
            *req.uri_mut() = new_uri;
        }
    }
    req
}

/// A client-request-id worth echoing: short, printable, no spaces.
fn usable_client_id(value: &HeaderValue) -> Option<&str> {
    let s = value.to_str().ok()?;
    (!s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic())).then_some(s)
}

/// A fresh version-4 UUID from the thread's user-space CSPRNG: `Uuid::new_v4` asks the
/// kernel for each one, and every request takes one or two.
fn fresh_id() -> String {
    let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    id.hyphenated()
        .encode_lower(&mut uuid::Uuid::encode_buffer())
        .to_owned()
}

async fn request_ids(mut req: Request, next: Next) -> Response {
    let request_id = fresh_id();
    let client_request_id = match req
        .headers()
        .get(CLIENT_REQUEST_ID)
        .and_then(usable_client_id)
    {
        Some(id) => id.to_owned(),
        None => fresh_id(),
    };
    let ids = RequestIds {
        request_id,
        client_request_id,
    };
    req.extensions_mut().insert(ids.clone());
    let headers = [
        HeaderValue::from_str(&ids.request_id).ok(),
        HeaderValue::from_str(&ids.client_request_id).ok(),
    ];
    let mut resp = REQUEST_IDS.scope(ids, next.run(req)).await;
    let [rid, cid] = headers;
    if let Some(v) = rid {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    if let Some(v) = cid {
        resp.headers_mut().insert(CLIENT_REQUEST_ID, v);
    }
    resp
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        })
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("text/html")
        })
}

/// Rewrites error responses that are not Graph envelopes. Cheap on the success path: one
/// status comparison.
async fn graph_errors(State(limit): State<usize>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let resp = next.run(req).await;
    // JSON bodies (Graph envelopes, OAuth2 errors) and the identity pages' HTML are
    // already what the client should see.
    if resp.status().as_u16() < 400 || is_json(resp.headers()) || is_html(resp.headers()) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    // Rejection bodies are one line of text; anything longer is not worth echoing.
    let text = axum::body::to_bytes(body, 2048).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let mut err = envelope_for(parts.status, &method, &text, limit);
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
        StatusCode::URI_TOO_LONG => super::bounds::uri_too_long(None),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => super::bounds::headers_too_large(None),
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

/// `HEAD` is not part of the Graph API, but axum answers it on every `GET` route by running
/// the `GET` handler (which may issue sign-in tickets or read the audit log). The request
/// goes on under a method no route allows, so each route answers its own 405 and `Allow`;
/// `HEAD` is taken out of that list.
async fn refuse_head(mut req: Request, next: Next) -> Response {
    if req.method() != Method::HEAD {
        return next.run(req).await;
    }
    *req.method_mut() = Method::from_bytes(b"HEAD-REFUSED").unwrap_or(Method::TRACE);
    let resp = next.run(req).await;
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
fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("non-string panic payload");
    tracing::error!(panic = %detail, "handler panicked");
    ApiError::internal("The service could not complete the request.").into_response()
}

/// The request mapping of step 0, with the configured trusted proxies.
fn forwarded_layer(config: &Config) -> impl Fn(Request) -> Request + Clone + Send + Sync + 'static {
    let proxies = std::sync::Arc::new(config.trusted_proxy_nets());
    move |req| forwarded::normalize(req, &proxies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_only_the_path() {
        let req = axum::http::Request::builder()
            .uri("/v1.0//education///me?$filter=a//b")
            .body(())
            .unwrap();
        assert_eq!(
            collapse_slashes(req).uri().to_string(),
            "/v1.0/education/me?$filter=a//b"
        );
    }

    #[test]
    fn reason_phrases_become_lower_camel_codes() {
        assert_eq!(
            lower_camel("Request Header Fields Too Large"),
            "requestHeaderFieldsTooLarge"
        );
    }
}
