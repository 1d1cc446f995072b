//! `GET|POST /{tenant}/adminconsent`: a tenant administrator grants an app its application
//! permissions for the whole tenant. Three steps, each page carrying a flow ticket:
//! 1. GET validates `client_id` and `redirect_uri` (an unknown client or an unregistered
//!    URI stops on the page) and shows the sign-in form;
//! 2. POST with credentials signs in an administrator and shows the permissions with
//!    Accept/Cancel;
//! 3. POST with the decision records the grant and redirects with `admin_consent=True`,
//!    `tenant` and `state`, or redirects with `error=access_denied`.
//!
//! Administrators are the users named in `tenant_admins` (configuration) and, with
//! `--dev`, the demo tenant's administrator persona.
//!
//! Delegated permissions need consent before a token carries them: the administrator's
//! (this grant covers every permission the app is registered for, as the consent page
//! lists them) or the user's own, given by signing in on the authorize page, which names
//! the permissions ([`record_user_consent`]). The `password` grant has no page to consent
//! on, so it is refused without either ([`require_delegated`], Entra's AADSTS65001).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use edugraph_store::{AppRecord, GrantRecord, StoreError, UserConsentRecord};
use serde_json::json;

use super::authorize::{tampered, tenant_name, ticket_form, FormText};
use super::error::{OAuthError, OAuthResult};
use super::events::{self, Event};
use super::flow::{self, get};
use super::mint::random_token;
use super::pages::{self, Consent};
use super::ratelimit::ClientAddr;
use super::signin::{self, Context, User};
use super::tenant::{self, TenantRef};
use super::ticket::{self, cookie_hash, Ticket};
use super::Runtime;
use crate::AppState;

const TITLE: &str = "Admin consent could not continue";
const RESTART: &str =
    "This consent page expired or was changed. Start the admin consent again from the application.";

/// `GET /{tenant}/adminconsent?client_id=&redirect_uri=&state=`.
pub async fn consent_get(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let flow::Opened {
        query: q,
        target,
        app,
        redirect,
    } = match flow::open(&state, &segment, query, TITLE, false).await {
        Ok(opened) => opened,
        Err(page) => return page,
    };
    let cookie = flow::cookie(&headers)
        .filter(|c| c.len() >= 32)
        .unwrap_or_else(random_token);
    let t = Ticket {
        purpose: "consent-signin".into(),
        segment,
        bind: cookie_hash(&cookie),
        client_id: app.client_id.clone(),
        redirect_uri: redirect,
        state: get(&q, "state").map(str::to_string),
        ..Ticket::default()
    };
    sign_in_form(&state, &target, &app, t, &cookie, "", None, StatusCode::OK)
}

#[allow(clippy::too_many_arguments)]
fn sign_in_form(
    state: &AppState,
    target: &TenantRef,
    app: &AppRecord,
    t: Ticket,
    cookie: &str,
    username: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let text = FormText {
        endpoint: "adminconsent",
        heading: "Sign in as an administrator",
        subtitle: format!(
            "{} asks an administrator of {} to approve its permissions.",
            app.display_name,
            tenant_name(target)
        ),
    };
    ticket_form(state, t, cookie, text, username, error, status)
}

/// True when the user may consent for their tenant.
pub fn is_admin(state: &AppState, runtime: &Runtime, user: &User) -> bool {
    let listed = state.config().tenant_admins.iter().any(|a| {
        a.eq_ignore_ascii_case(&user.id)
            || (!user.upn.is_empty() && a.eq_ignore_ascii_case(&user.upn))
    });
    let demo = runtime
        .demo_admin
        .as_ref()
        .is_some_and(|(tenant, id)| *tenant == user.tenant.id && *id == user.id);
    listed || demo
}

/// `POST /{tenant}/adminconsent`: the sign-in or the decision, as the ticket says.
pub async fn consent_post(
    State(state): State<AppState>,
    Extension(runtime): Extension<Arc<Runtime>>,
    Path(segment): Path<String>,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(f) = flow::params(&body) else {
        return flow::error_page(StatusCode::BAD_REQUEST, TITLE, RESTART, Some(9002313));
    };
    let purpose = if get(&f, "decision").is_some() {
        "consent-decide"
    } else {
        "consent-signin"
    };
    let target = match tenant::resolve(&state, &segment).await {
        Ok(t) => t,
        Err(e) => return flow::error_page(e.status, TITLE, &e.message, Some(e.code)),
    };
    let cookie = flow::cookie(&headers);
    let now = state.clock().now();
    let t = match ticket::redeem(
        state.keys(),
        &runtime.tickets,
        get(&f, "ticket").unwrap_or(""),
        purpose,
        &segment,
        cookie.as_deref(),
        now,
    ) {
        Ok(t) if !tampered(&f, &t) => t,
        outcome => {
            let reason = outcome
                .err()
                .map_or("posted parameters differ from the ticket", |r| r.as_str());
            flow::audit_refusal(
                &state,
                target.record().map(|t| t.id.as_str()),
                get(&f, "client_id").unwrap_or("anonymous"),
                "consentRefused",
                &ip,
                reason,
            )
            .await;
            return flow::error_page(StatusCode::BAD_REQUEST, TITLE, RESTART, Some(9002313));
        }
    };
    let (app, redirect) = match flow::client_and_redirect(
        &state,
        &target,
        Some(&t.client_id),
        Some(&t.redirect_uri),
        false,
    )
    .await
    {
        Ok(found) => found,
        Err(page) => return page,
    };
    let cookie = cookie.unwrap_or_default();
    if purpose == "consent-signin" {
        return admin_sign_in(&state, &runtime, &target, &app, t, &cookie, &f, &ip).await;
    }
    decide(
        &state,
        &app,
        &redirect,
        &t,
        get(&f, "decision") == Some("approve"),
        &ip,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn admin_sign_in(
    state: &AppState,
    runtime: &Runtime,
    target: &TenantRef,
    app: &AppRecord,
    t: Ticket,
    cookie: &str,
    f: &std::collections::HashMap<String, String>,
    ip: &str,
) -> Response {
    let username = get(f, "username").unwrap_or("");
    let ctx = Context {
        client_id: &app.client_id,
        client_ip: ip,
        via: "adminconsent",
    };
    let user = match signin::sign_in(
        state,
        &runtime.limiter,
        target,
        username,
        get(f, "password").unwrap_or(""),
        &ctx,
    )
    .await
    {
        Ok(user) => user,
        Err(e) if e.status == StatusCode::INTERNAL_SERVER_ERROR => {
            return flow::error_page(e.status, "Something went wrong", &e.message, None)
        }
        Err(e) => {
            return signin::page_refusal(&e, |status| {
                sign_in_form(
                    state,
                    target,
                    app,
                    t,
                    cookie,
                    username,
                    Some(&e.description()),
                    status,
                )
            })
        }
    };
    if !is_admin(state, runtime, &user) {
        flow::audit_refusal(
            state,
            Some(&user.tenant.id),
            &user.id,
            "consentRefused",
            ip,
            "not an administrator",
        )
        .await;
        let message = format!(
            "AADSTS90094: {} is not an administrator of {}. Admin consent needs a tenant administrator. An operator makes someone one by adding their user principal name to the tenant_admins setting (EDUGRAPH_TENANT_ADMINS, comma-separated) and restarting the server, or consents for the tenant directly with `edugraph app consent {}`.",
            user.upn, user.tenant.display_name, app.client_id
        );
        return sign_in_form(
            state,
            target,
            app,
            t,
            cookie,
            username,
            Some(&message),
            StatusCode::OK,
        );
    }
    // The ticket remembers the permissions shown, so the grant is exactly what was approved.
    let decide = Ticket {
        purpose: "consent-decide".into(),
        user: Some(user.id.clone()),
        tenant: Some(user.tenant.id.clone()),
        scope: Some(app.app_permissions.join(" ")),
        ..t
    };
    let (client_id, redirect_uri, st) = (
        decide.client_id.clone(),
        decide.redirect_uri.clone(),
        decide.state.clone().unwrap_or_default(),
    );
    let action = format!("/{}/adminconsent", decide.segment);
    let signed = ticket::issue(state.keys(), decide, state.clock().now());
    let hidden = [
        ("ticket", signed.as_str()),
        ("client_id", client_id.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("state", st.as_str()),
    ];
    let redirect_host = url::Url::parse(&redirect_uri)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let page = pages::consent(&Consent {
        app_name: &app.display_name,
        client_id: &app.client_id,
        tenant_name: &user.tenant.display_name,
        admin: &user.upn,
        app_permissions: &app.app_permissions,
        delegated_permissions: &app.delegated_permissions,
        redirect_host: &redirect_host,
        action: &action,
        hidden: &hidden,
    });
    pages::html(StatusCode::OK, page, Some((cookie, flow::secure(state))))
}

async fn decide(
    state: &AppState,
    app: &AppRecord,
    redirect: &str,
    t: &Ticket,
    approve: bool,
    ip: &str,
) -> Response {
    let (Some(admin), Some(tenant)) = (t.user.as_deref(), t.tenant.as_deref()) else {
        return flow::error_page(StatusCode::BAD_REQUEST, TITLE, RESTART, Some(9002313));
    };
    if t.scope.as_deref() != Some(app.app_permissions.join(" ").as_str()) {
        return flow::error_page(
            StatusCode::CONFLICT,
            TITLE,
            "The permissions the app asks for changed while this page was open. Start the admin consent again to review them.",
            None,
        );
    }
    let st = t.state.as_deref();
    let event = |action, success| Event {
        tenant: Some(tenant),
        actor: admin,
        action,
        target: Some(&app.client_id),
        success,
        client_ip: ip,
        detail: json!({"permissions": app.app_permissions}),
    };
    if !approve {
        events::record(state, event("consentDenied", true)).await;
        return flow::redirect_error(
            redirect,
            "access_denied",
            "AADSTS65004: The administrator declined to consent to access the app.",
            st,
        );
    }
    let grant = GrantRecord {
        tenant: tenant.to_string(),
        client_id: app.client_id.clone(),
        permissions: app.app_permissions.clone(),
        granted_by: admin.to_string(),
        granted_at: edugraph_odata::shape::format_datetime(state.clock().now()),
    };
    if let Err(e) = state.store().put_grant(&grant).await {
        tracing::error!(error = %e, "cannot store an admin consent grant");
        return flow::error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "The consent could not be recorded. Try again later.",
            None,
        );
    }
    events::record(state, event("consentGranted", true)).await;
    let mut params = vec![("admin_consent", "True"), ("tenant", tenant)];
    if let Some(s) = st {
        params.push(("state", s));
    }
    flow::redirect(redirect, &params)
}

/// Refuses delegated permissions (`granted`, non-empty) neither the tenant's administrator
/// nor the user consented to for `app`.
pub async fn require_delegated(
    state: &AppState,
    user: &User,
    app: &AppRecord,
    granted: &[String],
) -> OAuthResult<()> {
    if granted.is_empty()
        || state
            .store()
            .grant(&user.tenant.id, &app.client_id)
            .await?
            .is_some()
    {
        return Ok(());
    }
    let mine = state
        .store()
        .user_consent(&user.tenant.id, &user.id, &app.client_id)
        .await?;
    let covered = mine.is_some_and(|c| {
        granted
            .iter()
            .all(|g| c.scopes.iter().any(|s| s.eq_ignore_ascii_case(g)))
    });
    if covered {
        return Ok(());
    }
    Err(OAuthError::invalid_grant(
        65001,
        format!(
            "The user or administrator has not consented to use the application with ID '{}' named '{}'. Send an interactive authorization request for this user and resource.",
            app.client_id, app.display_name
        ),
    ))
}

/// Records that the user, signing in on the authorize page, consented to `granted` for
/// `app`, on top of what they consented to before.
pub async fn record_user_consent(
    state: &AppState,
    user: &User,
    app: &AppRecord,
    granted: &[String],
) -> Result<(), StoreError> {
    if granted.is_empty() {
        return Ok(());
    }
    let store = state.store();
    let before = store
        .user_consent(&user.tenant.id, &user.id, &app.client_id)
        .await?;
    let mut scopes = before.map(|c| c.scopes).unwrap_or_default();
    let known = scopes.len();
    for g in granted {
        if !scopes.iter().any(|s| s.eq_ignore_ascii_case(g)) {
            scopes.push(g.clone());
        }
    }
    if known > 0 && scopes.len() == known {
        return Ok(());
    }
    let consent = UserConsentRecord {
        tenant: user.tenant.id.clone(),
        user_id: user.id.clone(),
        client_id: app.client_id.clone(),
        scopes,
        granted_at: edugraph_odata::shape::format_datetime(state.clock().now()),
    };
    store.put_user_consent(&consent).await
}
