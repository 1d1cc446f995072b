//! The one middleware stack every request passes, written as one service ([`Front`]) so
//! a request pays for one boxed future and no per-layer clones. In order:
//! 0. forwarded headers believed only from trusted proxies (`forwarded::normalize`), so
//!    [`base_url`] and the client address never follow a header an untrusted peer sent;
//! 1. `request-id` (fresh UUID) and `client-request-id` (echoed or fresh), set as response
//!    headers and as the task-local `REQUEST_IDS` the error envelope and the log read;
//! 2. the URI and header limits (414, 431) and the body limit (`config.body_limit`, 413,
//!    with the oversized body drained first), all in `bounds.rs`;
//! 3. `HEAD` refused with 405 like any method a route does not allow;
//! 4. `//` collapsed before the router sees the path;
//! 5. the routes, with a panic turned into a 500 envelope;
//! 6. any error response that is not already a Graph envelope (axum extractor rejections,
//!    405 from method routers) rewritten into one (`errors.rs`), so clients only ever see
//!    `{"error":{...}}` with a JSON content type;
//! 7. one log line per request (`request_log.rs`).

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures::FutureExt;
use ipnet::IpNet;
use tower::{Layer, Service};

use crate::config::Config;
use crate::error::{RequestIds, REQUEST_IDS};
use edugraph_platform::forwarded;
pub use edugraph_platform::forwarded::base_url;

mod errors;
pub mod request_log;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");
pub const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");

/// Wraps a router in the middleware stack and returns it as one router whose only job is
/// to hand every request to that stack (for tests that route their own probes).
pub fn apply(routes: Router, config: &Config) -> Router {
    Router::new().fallback_service(front(routes, config))
}

/// The middleware stack around `inner`, served as it is (the application's own entry).
pub fn front<S>(inner: S, config: &Config) -> Front<DefaultBodyLimitService<S>> {
    let limit = config.body_limit;
    Front {
        // axum's extractors carry their own (2 MB) limit; align it with ours.
        inner: DefaultBodyLimit::max(limit).layer(inner),
        shared: Arc::new(Shared {
            proxies: config.trusted_proxy_nets(),
            body_limit: limit,
        }),
    }
}

/// What [`DefaultBodyLimit`] makes of a service.
pub type DefaultBodyLimitService<S> = <DefaultBodyLimit as Layer<S>>::Service;

/// What the stack needs from the configuration, read once.
struct Shared {
    proxies: Vec<IpNet>,
    body_limit: usize,
}

/// The middleware stack as one service around the routes.
#[derive(Clone)]
pub struct Front<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S, B> Service<axum::http::Request<B>> for Front<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: axum::http::Request<B>) -> Self::Future {
        // The service that was polled ready serves this request; a clone waits for the next.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        // Any body type (hyper's, or the TLS server's) becomes axum's `Body`, as a `Router`
        // does it.
        let req = req.map(Body::new);
        Box::pin(handle_request(self.shared.clone(), inner, req).map(Ok))
    }
}

async fn handle_request<S>(shared: Arc<Shared>, mut inner: S, req: Request) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let started = Instant::now();
    let mut req = forwarded::normalize(req, &shared.proxies);
    let ids = request_ids(&req);
    let method = req.method().clone();
    let method_name = method.clone();
    // A `Uri` clone shares its bytes; only the path is ever logged.
    let uri = req.uri().clone();
    let limit = shared.body_limit;
    let inner_work = async move {
        if let Err(e) = super::bounds::check_head(&req) {
            return e.into_response();
        }
        let head = req.method() == Method::HEAD;
        if head {
            *req.method_mut() = errors::head_refused_method();
        }
        // Uploads stream their bodies under their own bound (`uploads`).
        let req = if super::uploads::is_upload(req.uri().path()) {
            collapse_slashes(req)
        } else {
            match super::bounds::bounded_body(limit, req).await {
                Ok(req) => collapse_slashes(req),
                Err(resp) => return resp,
            }
        };
        let resp = match AssertUnwindSafe(inner.call(req)).catch_unwind().await {
            Ok(Ok(resp)) => resp,
            Ok(Err(never)) => match never {},
            Err(panic) => errors::panic_response(panic),
        };
        let resp = if head {
            errors::refused_head(resp)
        } else {
            resp
        };
        errors::graph_errors(resp, &method, limit).await
    };
    let mut resp = REQUEST_IDS.scope(ids.clone(), inner_work).await;
    request_log::log(method_name.as_str(), &uri, &resp, &ids.request_id, started);
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ids.request_id) {
        headers.insert(REQUEST_ID, v);
    }
    if let Ok(v) = HeaderValue::from_str(&ids.client_request_id) {
        headers.insert(CLIENT_REQUEST_ID, v);
    }
    resp
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

/// The ids of a request: a fresh `request-id`, and the client's `client-request-id` when
/// it sent a usable one (else a fresh one too).
fn request_ids(req: &Request) -> RequestIds {
    let client_request_id = match req
        .headers()
        .get(CLIENT_REQUEST_ID)
        .and_then(usable_client_id)
    {
        Some(id) => id.to_owned(),
        None => fresh_id(),
    };
    RequestIds {
        request_id: fresh_id(),
        client_request_id,
    }
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
}
