//! Helpers of the identity tests: app registrations straight in the store, form posts to
//! the token endpoint, the browser flows' hidden fields and cookie, and JWT payloads.
#![allow(dead_code)]

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, Method, Request};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use edugraph_server::authority::client::hash_hex;
use edugraph_store::{AppRecord, AppSecretRecord, GrantRecord};
use serde_json::Value;

use crate::common::{Resp, TestApp};

/// The secret of every app these tests register.
pub const SECRET: &str = "Qx8~abcdefghijklmnopqrstuvwxyz0123456789AB";
pub const REDIRECT: &str = "https://app.example/callback";
pub const PASSWORD: &str = "Sup3r-secret!";

/// Registers an app in `tenant` with one secret ([`SECRET`]) and returns its client id.
pub async fn register_app(
    t: &TestApp,
    tenant: &str,
    app_permissions: &[&str],
    delegated: &[&str],
) -> String {
    let client_id = put_app(t, tenant, app_permissions, delegated, false).await;
    let secret = AppSecretRecord {
        client_id: client_id.clone(),
        secret_id: uuid::Uuid::new_v4().to_string(),
        hash: hash_hex(SECRET),
        hint: SECRET[..3].to_string(),
        created_at: "2025-01-01T00:00:00Z".into(),
        expires_at: None,
        revoked_at: None,
    };
    t.state.store().add_app_secret(&secret).await.unwrap();
    client_id
}

/// [`register_app`] with the tenant administrator's consent (to the application
/// permissions, and so to the delegated ones): what the `password` grant needs.
pub async fn register_consented_app(
    t: &TestApp,
    tenant: &str,
    app_permissions: &[&str],
    delegated: &[&str],
) -> String {
    let client_id = register_app(t, tenant, app_permissions, delegated).await;
    consent(t, tenant, &client_id, app_permissions).await;
    client_id
}

/// Registers a public client (no secret) with delegated permissions.
pub async fn register_public_app(t: &TestApp, tenant: &str, delegated: &[&str]) -> String {
    put_app(t, tenant, &[], delegated, true).await
}

async fn put_app(
    t: &TestApp,
    tenant: &str,
    app_permissions: &[&str],
    delegated: &[&str],
    public_client: bool,
) -> String {
    let client_id = uuid::Uuid::new_v4().to_string();
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let app = AppRecord {
        client_id: client_id.clone(),
        home_tenant: tenant.to_string(),
        display_name: "Gradebook <Sync>".into(),
        redirect_uris: vec![REDIRECT.to_string(), "http://localhost:5000/cb?x=1".into()],
        app_permissions: strings(app_permissions),
        delegated_permissions: strings(delegated),
        created_at: "2025-01-01T00:00:00Z".into(),
        public_client,
    };
    t.state.store().put_app(&app).await.unwrap();
    client_id
}

/// Records admin consent of `permissions` in `tenant`.
pub async fn consent(t: &TestApp, tenant: &str, client_id: &str, permissions: &[&str]) {
    let grant = GrantRecord {
        tenant: tenant.into(),
        client_id: client_id.into(),
        permissions: permissions.iter().map(|s| s.to_string()).collect(),
        granted_by: "cli".into(),
        granted_at: "2025-01-01T00:00:00Z".into(),
    };
    t.state.store().put_grant(&grant).await.unwrap();
}

pub fn encode(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// POSTs a form, with extra headers.
pub async fn post_form(
    t: &TestApp,
    path: &str,
    pairs: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Resp {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    t.send(req.body(Body::from(encode(pairs))).unwrap()).await
}

pub fn token_path(tenant: &str) -> String {
    format!("/{tenant}/oauth2/v2.0/token")
}

/// A `client_credentials` request for the Graph `.default` scope.
pub async fn app_token(t: &TestApp, tenant: &str, client_id: &str) -> Resp {
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", SECRET),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    post_form(t, &token_path(tenant), &form, &[]).await
}

/// A `password` request as MSAL sends it for a confidential client (with [`SECRET`]).
pub async fn password_token(
    t: &TestApp,
    tenant: &str,
    client_id: &str,
    username: &str,
    password: &str,
) -> Resp {
    let form = [
        ("grant_type", "password"),
        ("client_id", client_id),
        ("client_secret", SECRET),
        ("username", username),
        ("password", password),
        (
            "scope",
            "https://graph.microsoft.com/.default openid profile offline_access",
        ),
        ("client_info", "1"),
    ];
    post_form(t, &token_path(tenant), &form, &[]).await
}

/// The payload of a JWT, unverified.
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Asserts an OAuth2 error response and returns its AADSTS code.
#[track_caller]
pub fn oauth_error(resp: &Resp, status: u16, error: &str) -> u64 {
    assert_eq!(resp.status.as_u16(), status, "{}", resp.text());
    let v = resp.json();
    assert_eq!(v["error"], error, "{v}");
    let code = v["error_codes"][0].as_u64().expect("error_codes");
    let description = v["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    assert!(
        v["trace_id"].is_string() && v["correlation_id"].is_string() && v["timestamp"].is_string(),
        "{v}"
    );
    assert_eq!(resp.header("cache-control"), "no-store, no-cache");
    code
}

/// The hidden inputs of an HTML form (`name` → `value`, unescaped).
pub fn hidden_fields(html: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for part in html.split("<input type=\"hidden\" ").skip(1) {
        let attr = |name: &str| {
            let start = part.find(&format!("{name}=\""))? + name.len() + 2;
            let end = part[start..].find('"')? + start;
            Some(unescape(&part[start..end]))
        };
        if let (Some(k), Some(v)) = (attr("name"), attr("value")) {
            out.insert(k, v);
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The flow cookie a page set (`name=value`, ready for a `Cookie` header).
pub fn flow_cookie(resp: &Resp) -> String {
    let set = resp.header("set-cookie");
    set.split(';').next().unwrap_or_default().to_string()
}

/// The query parameters of a redirect's `Location`.
pub fn location_params(resp: &Resp) -> HashMap<String, String> {
    let location = resp.header("location");
    let url = url::Url::parse(&location).unwrap_or_else(|e| panic!("Location {location:?}: {e}"));
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A GET with optional cookie.
pub async fn get_page(t: &TestApp, path: &str, cookie: Option<&str>) -> Resp {
    let mut req = Request::builder().uri(path);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    t.send(req.body(Body::empty()).unwrap()).await
}
