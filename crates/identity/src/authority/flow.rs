//! What the browser flows (authorize, admin consent) share: reading query and form
//! parameters, the flow cookie, validating the client and its redirect URI before
//! anything may be redirected, error pages, and building the redirect back to the app.

use std::collections::HashMap;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use edugraph_store::AppRecord;

use super::events::{self, Event};
use super::pages;
use super::tenant::{sanitize, TenantRef};
use super::ticket::COOKIE;
use crate::AppState;

/// Parameters of a query string or form body; a repeated parameter is refused.
pub fn params(raw: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        if out.insert(k.to_string(), v.into_owned()).is_some() {
            return Err(format!(
                "The parameter '{}' appears more than once.",
                sanitize(&k)
            ));
        }
    }
    Ok(out)
}

pub fn get<'a>(p: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    p.get(name).map(String::as_str).filter(|v| !v.is_empty())
}

/// The flow cookie of the request, if any.
pub fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// Whether cookies should carry `Secure` (the server is reached over HTTPS).
pub fn secure(state: &AppState) -> bool {
    state.config().issuer_base().starts_with("https://")
}

/// A page that ends the flow without redirecting.
pub fn error_page(status: StatusCode, title: &str, message: &str, code: Option<u32>) -> Response {
    pages::html(status, pages::error(title, message, code), None)
}

/// The checked start of a browser flow (`authorize`, `adminconsent`): its query
/// parameters, the tenant it addresses, the client and the registered redirect URI.
pub struct Opened {
    pub query: HashMap<String, String>,
    pub target: TenantRef,
    pub app: AppRecord,
    pub redirect: String,
}

/// Parses the query of a browser flow's first request and checks tenant, client and
/// redirect URI; every failure is a page titled `title` (never a redirect).
pub async fn open(
    state: &AppState,
    segment: &str,
    raw_query: Option<String>,
    title: &str,
    in_tenant: bool,
) -> Result<Opened, Response> {
    let query = params(raw_query.unwrap_or_default().as_bytes())
        .map_err(|m| error_page(StatusCode::BAD_REQUEST, title, &m, Some(9002313)))?;
    let target = super::tenant::resolve(state, segment)
        .await
        .map_err(|e| error_page(e.status, title, &e.message, Some(e.code)))?;
    let (app, redirect) = client_and_redirect(
        state,
        &target,
        get(&query, "client_id"),
        get(&query, "redirect_uri"),
        in_tenant,
    )
    .await?;
    Ok(Opened {
        query,
        target,
        app,
        redirect,
    })
}

/// Validates the client and redirect URI of a browser flow. Failures are pages, never
/// redirects: an unregistered URI must not receive anything. `in_tenant` also requires the
/// app to be usable in the tenant already (home tenant or consented).
pub async fn client_and_redirect(
    state: &AppState,
    target: &TenantRef,
    client_id: Option<&str>,
    redirect_uri: Option<&str>,
    in_tenant: bool,
) -> Result<(AppRecord, String), Response> {
    let bad = |code, message: String| {
        error_page(
            StatusCode::BAD_REQUEST,
            "Sorry, but we're having trouble signing you in.",
            &message,
            Some(code),
        )
    };
    let client_id = client_id.ok_or_else(|| {
        bad(
            900144,
            "The request must contain the parameter 'client_id'.".into(),
        )
    })?;
    let unknown = || {
        bad(
            700016,
            format!(
                "Application with identifier '{}' was not found in the directory '{}'.",
                sanitize(client_id),
                sanitize(target.segment())
            ),
        )
    };
    if uuid::Uuid::parse_str(client_id).is_err() {
        return Err(unknown());
    }
    let app = match state.store().app(&client_id.to_ascii_lowercase()).await {
        Ok(Some(app)) => app,
        Ok(None) => return Err(unknown()),
        Err(e) => {
            tracing::error!(error = %e, "store failure reading an app");
            return Err(error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The service could not complete the request. Try again later.",
                None,
            ));
        }
    };
    if let (true, TenantRef::One(t)) = (in_tenant, target) {
        let granted = match state.store().grant(&t.id, &app.client_id).await {
            Ok(g) => g.is_some(),
            Err(e) => {
                tracing::error!(error = %e, "store failure reading a grant");
                false
            }
        };
        if app.home_tenant != t.id && !granted {
            return Err(unknown());
        }
    }
    let redirect = match redirect_uri {
        Some(uri) => uri.to_string(),
        // Without one, Entra uses the app's first registered URI.
        None => app.redirect_uris.first().cloned().ok_or_else(|| {
            bad(
                500113,
                "No reply address is registered for the application.".into(),
            )
        })?,
    };
    if !app.redirect_uris.contains(&redirect) || url::Url::parse(&redirect).is_err() {
        return Err(bad(
            50011,
            format!(
                "The redirect URI '{}' specified in the request does not match the redirect URIs configured for the application '{}'. Register it with the app (edugraph app create --redirect-uri).",
                sanitize(&redirect),
                app.client_id
            ),
        ));
    }
    Ok((app, redirect))
}

/// `302` to the (registered) redirect URI with `params` appended to its query.
pub fn redirect(uri: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(uri) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Invalid redirect URI",
            "The redirect URI cannot be parsed.",
            Some(50011),
        );
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(url.as_str()) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Redirects an OAuth error, after the client and redirect URI were validated.
pub fn redirect_error(uri: &str, error: &str, description: &str, state: Option<&str>) -> Response {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(s) = state {
        params.push(("state", s));
    }
    redirect(uri, &params)
}

/// Audits a refused browser step.
pub async fn audit_refusal(
    state: &AppState,
    tenant: Option<&str>,
    actor: &str,
    action: &'static str,
    ip: &str,
    reason: &str,
) {
    let event = Event {
        tenant,
        actor,
        action,
        target: None,
        success: false,
        client_ip: ip,
        detail: serde_json::json!({"reason": reason}),
    };
    events::record(state, event).await;
}
