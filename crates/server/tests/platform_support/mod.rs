//! Shared helpers of the platform tests: an in-memory store with one tenant, one RSA key
//! for the whole test binary (generation is slow), and a small response wrapper.
#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use edugraph_edu::SystemClock;
use edugraph_server::auth::Keys;
use edugraph_server::config::Config;
use edugraph_server::AppState;
use edugraph_store::{EntityKind, ListQuery, Scope, TenantRecord};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub const TENANT: &str = "5d0c2a5e-6f4e-4b8a-9a53-1c2d3e4f5a6b";

pub fn shared_keys() -> Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(Keys::generate).clone()
}

/// In-memory store without tenants.
pub async fn empty_state(config: Config) -> AppState {
    let store = edugraph_store::open("sqlite::memory:")
        .await
        .expect("in-memory store");
    AppState::new(config, store, Arc::new(SystemClock), shared_keys())
}

/// In-memory store holding the tenant `TENANT`.
pub async fn test_state(config: Config) -> AppState {
    let state = empty_state(config).await;
    let tenant = TenantRecord {
        id: TENANT.into(),
        display_name: "Test District".into(),
        domain: "test.example".into(),
    };
    state.store().put_tenant(&tenant).await.unwrap();
    state
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Sends `req` to `app`: the whole application (`http::App`) or a probe router.
pub async fn send<S>(app: S, req: Request<Body>) -> TestResponse
where
    S: tower::Service<
        Request<Body>,
        Response = axum::response::Response,
        Error = std::convert::Infallible,
    >,
{
    let resp = app.oneshot(req).await.unwrap();
    let (parts, body) = resp.into_parts();
    let body = body.collect().await.unwrap().to_bytes().to_vec();
    TestResponse {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

pub fn get_req(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

pub fn post_json(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub async fn count(state: &AppState, tenant: &str, kind: EntityKind) -> u64 {
    let query = ListQuery {
        kind,
        scope: Scope::All,
        filter: None,
        orderby: &[],
        skip: 0,
        limit: 1,
        count: true,
    };
    state
        .store()
        .list(tenant, &query)
        .await
        .unwrap()
        .total
        .unwrap()
}
