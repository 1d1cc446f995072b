//! The one middleware stack every request passes, outermost first:
//! 1. `request_ids`: `request-id` (fresh UUID) and `client-request-id` (echoed or fresh),
//!    set as response headers and as the task-local `REQUEST_IDS` the error envelope reads;
//! 2. `request_log`: one log line per request (method, path, status, latency, request id)
//!    and a span carrying the request id for what is logged while it runs;
//! 3. `graph_errors`: any error response that is not already a Graph envelope (axum
//!    extractor rejections, 405 from method routers, 413 from the body limit) is rewritten
//!    into one, so clients only ever see `{"error":{...}}` with a JSON content type;
//! 4. catch-panic → 500 envelope;
//! 5. the body limit (`config.body_limit`);
//! 6. `//` collapsing, before the router sees the path.

use std::any::Any;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;

use crate::config::Config;
use crate::error::{ApiError, RequestIds, REQUEST_IDS};

mod request_log;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
pub const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");

/// Wraps the routed application in the middleware stack and returns it as one router
/// whose only job is to hand every request to that stack.
pub fn apply(routes: Router, config: &Config) -> Router {
    let limit = config.body_limit;
    let stack = ServiceBuilder::new()
        .layer(from_fn(request_ids))
        .layer(from_fn(request_log::request_log))
        .layer(from_fn_with_state(limit, graph_errors))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(RequestBodyLimitLayer::new(limit))
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
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            status,
            "requestEntityTooLarge",
            format!("The request body is larger than the limit of {limit} bytes."),
        ),
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

/// The origin the client used, without a trailing slash: `config.public_url` when set,
/// else `X-Forwarded-Proto` + `X-Forwarded-Host`, else `Host` (scheme `http`), else the
/// listen address. Header values that are not plausible hosts are ignored, so a request
/// cannot inject text into the links we build.
pub fn base_url(headers: &HeaderMap, config: &Config) -> String {
    if let Some(url) = &config.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let first = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
    };
    let proto = match first("x-forwarded-proto")
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("https") => "https",
        _ => "http",
    };
    let host = first("x-forwarded-host")
        .filter(|h| plausible_host(h))
        .or_else(|| first("host").filter(|h| plausible_host(h)))
        .unwrap_or(config.listen.as_str());
    format!("{proto}://{host}")
}

fn plausible_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_')
        })
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
    fn base_url_prefers_config_then_forwarded_then_host() {
        let mut config = Config::default();
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:9000"));
        assert_eq!(base_url(&headers, &config), "http://127.0.0.1:9000");
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https, http"));
        headers.insert(
            "x-forwarded-host",
            HeaderValue::from_static("graph.example.edu"),
        );
        assert_eq!(base_url(&headers, &config), "https://graph.example.edu");
        headers.insert("x-forwarded-host", HeaderValue::from_static("evil\"host"));
        assert_eq!(base_url(&headers, &config), "https://127.0.0.1:9000");
        config.public_url = Some("https://edu.example/".into());
        assert_eq!(base_url(&headers, &config), "https://edu.example");
        assert_eq!(
            base_url(&HeaderMap::new(), &Config::default()),
            "http://127.0.0.1:8080"
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
