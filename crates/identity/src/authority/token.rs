//! `POST /{tenant}/oauth2/v2.0/token`: the form, client authentication and the grants.
//! `client_credentials` and `password` are here; the grants that redeem something issued
//! earlier (`authorization_code`, `refresh_token`) are in `redeem.rs`. Every refusal is an
//! OAuth2 error (see `error.rs`) and goes to the audit log.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde_json::{json, Value};

use super::client::{self, Presented};
use super::error::{OAuthError, OAuthResult};
use super::events::{self, Event};
use super::mint::{self, UserGrant};
use super::ratelimit::ClientAddr;
use super::signin::{self, Context};
use super::tenant::{self, TenantRef};
use super::{consent, redeem, scopes, Runtime};
use crate::AppState;

/// One token request, parsed.
pub struct TokenCall<'a> {
    pub state: &'a AppState,
    pub runtime: &'a Runtime,
    pub form: HashMap<String, String>,
    pub client: Presented,
    pub target: TenantRef,
    pub ip: String,
    /// Set once a sign-in recorded its own audit entry, so the refusal is not logged twice.
    pub audited: AtomicBool,
}

impl TokenCall<'_> {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
    pub fn require(&self, name: &str) -> OAuthResult<&str> {
        self.field(name).ok_or_else(|| OAuthError::missing(name))
    }
    pub fn wants_client_info(&self) -> bool {
        self.field("client_info") == Some("1")
    }
    /// The tenant of a grant that needs one up front (app-only tokens).
    fn tenant_id(&self) -> OAuthResult<&str> {
        match &self.target {
            TenantRef::One(t) => Ok(&t.id),
            TenantRef::Any(_) => Err(OAuthError::invalid_request(
                50059,
                "No tenant-identifying information found in either the request or implied by any provided credentials. Use the tenant's own token endpoint (its id or domain instead of common).",
            )),
        }
    }
}

/// The handler.
pub async fn token(
    State(state): State<AppState>,
    Extension(runtime): Extension<Arc<Runtime>>,
    Path(segment): Path<String>,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let form = parse_form(&headers, &body)?;
        let client = client::presented(&form, &headers)?;
        let target = tenant::resolve(&state, &segment).await?;
        let call = TokenCall {
            state: &state,
            runtime: &runtime,
            form,
            client,
            target,
            ip: ip.clone(),
            audited: AtomicBool::new(false),
        };
        let outcome = run(&call).await;
        if let Err(e) = &outcome {
            if !call.audited.load(Ordering::Relaxed) {
                refused(&call, e).await;
            }
        }
        outcome
    }
    .await;
    match result {
        Ok(body) => success(body),
        Err(e) => e.into_response(),
    }
}

async fn run(call: &TokenCall<'_>) -> OAuthResult<Value> {
    let grant_type = call.require("grant_type")?;
    match grant_type {
        "client_credentials" => client_credentials(call).await,
        "password" => password(call).await,
        "authorization_code" => redeem::authorization_code(call).await,
        "refresh_token" => redeem::refresh_token(call).await,
        other => Err(OAuthError::new(
            "unsupported_grant_type",
            70003,
            format!(
                "The app requested an unsupported grant type '{}'. Supported: {}.",
                tenant::sanitize(other),
                super::discovery::GRANT_TYPES.join(", ")
            ),
        )),
    }
}

/// Reads an `application/x-www-form-urlencoded` body; a parameter may appear once.
fn parse_form(headers: &HeaderMap, body: &[u8]) -> OAuthResult<HashMap<String, String>> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/x-www-form-urlencoded");
    if !content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        return Err(OAuthError::invalid_request(
            900144,
            "The request body must be sent as application/x-www-form-urlencoded.",
        ));
    }
    let mut form = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        if form.insert(k.to_string(), v.into_owned()).is_some() {
            return Err(OAuthError::invalid_request(
                90015,
                format!("Parameter '{}' is duplicated.", tenant::sanitize(&k)),
            ));
        }
    }
    Ok(form)
}

fn success(body: Value) -> Response {
    let mut resp = axum::Json(body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

async fn refused(call: &TokenCall<'_>, err: &OAuthError) {
    let mut detail = events::refusal(err);
    detail["grantType"] = json!(call.field("grant_type"));
    let actor = call
        .client
        .client_id
        .clone()
        .unwrap_or_else(|| "anonymous".into());
    let event = Event {
        tenant: call.target.record().map(|t| t.id.as_str()),
        actor: &actor,
        action: "tokenRefused",
        target: call.client.client_id.as_deref(),
        success: false,
        client_ip: &call.ip,
        detail,
    };
    events::record(call.state, event).await;
}

/// App-only token: a valid secret, `{resource}/.default`, and the roles the tenant's
/// administrator consented to.
async fn client_credentials(call: &TokenCall<'_>) -> OAuthResult<Value> {
    let tenant = call.tenant_id()?;
    let now = call.state.clock().now();
    let app = client::authenticate_confidential(call.state, &call.client, tenant, now).await?;
    scopes::check_app_only(call.require("scope")?, &call.state.config().issuer_base())?;
    let roles = call
        .state
        .store()
        .grant(tenant, &app.client_id)
        .await?
        .map(|g| g.permissions)
        .unwrap_or_default();
    let event = Event {
        tenant: Some(tenant),
        actor: &app.client_id,
        action: "appSignIn",
        target: Some(&app.client_id),
        success: true,
        client_ip: &call.ip,
        detail: json!({"grantType": "client_credentials", "roles": roles}),
    };
    events::record(call.state, event).await;
    mint::app_response(call.state, tenant, &app.client_id, roles, now).await
}

/// Resource owner password credentials, for test and automation accounts. There is no
/// page to consent on, so the permissions must have been consented before (`consent.rs`).
async fn password(call: &TokenCall<'_>) -> OAuthResult<Value> {
    let username = call.require("username")?;
    let password = call.require("password")?;
    let scope = call.require("scope")?;
    let now = call.state.clock().now();
    // On `common` the account's domain names the tenant the client must be known in.
    let client_tenant = match &call.target {
        TenantRef::One(t) => Some(t.clone()),
        TenantRef::Any(_) => tenant::by_upn(call.state, username).await?,
    };
    let app = match &client_tenant {
        Some(t) => client::authenticate(call.state, &call.client, &t.id, now).await?,
        None => {
            call.require("client_id")?;
            let (limiter, ip) = (&call.runtime.limiter, &call.ip);
            // Refused like an unknown user: throttled, and a (dummy) password check.
            let refused =
                signin::attempt(call.state, limiter, &call.target, username, password, ip);
            return Err(refused.await.err().unwrap_or_else(signin::bad_credentials));
        }
    };
    let requested = scopes::parse(scope, &call.state.config().issuer_base())?;
    let granted = scopes::delegated_grant(&requested, &app.delegated_permissions)?;
    let ctx = Context {
        client_id: &app.client_id,
        client_ip: &call.ip,
        via: "password",
    };
    call.audited.store(true, Ordering::Relaxed);
    let user = signin::sign_in(
        call.state,
        &call.runtime.limiter,
        &call.target,
        username,
        password,
        &ctx,
    )
    .await?;
    call.audited.store(false, Ordering::Relaxed);
    consent::require_delegated(call.state, &user, &app, &granted).await?;
    let grant = UserGrant {
        user: &user,
        client_id: &app.client_id,
        scopes: &granted,
        oidc: &requested.oidc,
        nonce: None,
        client_info: call.wants_client_info(),
        family: None,
    };
    mint::user_response(call.state, &grant, now).await
}
