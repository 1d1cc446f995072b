//! `GET|POST /{tenant}/oauth2/v2.0/authorize`: the authorization-code flow's sign-in page.
//! GET validates the client and redirect URI (failures are shown on the page, never
//! redirected), then the rest of the request (failures are redirected back with `error`,
//! `error_description` and `state`), and shows the sign-in form. POST checks the flow
//! ticket, signs the user in and redirects with a single-use code bound to the client,
//! redirect URI, scopes and PKCE challenge. A public client must send a PKCE challenge.
//!
//! The sign-in page names the delegated permissions the app asks for; signing in is the
//! user's consent to them, recorded per tenant, user and app (`consent.rs`), which is what
//! later lets the `password` grant issue them.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use edugraph_store::{AppRecord, AuthCodeRecord};

use super::client::hash_hex;
use super::error::OAuthError;
use super::flow::{self, get};
use super::mint::{random_token, stamp};
use super::pages::{self, SignIn};
use super::ratelimit::ClientAddr;
use super::signin::{self, Context};
use super::tenant::{self, TenantRef};
use super::ticket::{self, cookie_hash, Ticket};
use super::{scopes, Runtime};
use crate::AppState;

/// How long an authorization code may wait to be redeemed.
pub const CODE_LIFETIME: time::Duration = time::Duration::minutes(10);

const TITLE: &str = "Sorry, but we're having trouble signing you in.";

fn unsafe_challenge(c: &str) -> bool {
    !(43..=128).contains(&c.len())
        || !c
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Everything after the client and redirect URI: refusals here are redirected.
fn check_request(
    q: &HashMap<String, String>,
    app: &AppRecord,
    issuer_base: &str,
) -> Result<(), OAuthError> {
    match get(q, "response_type") {
        Some("code") => {}
        None => return Err(OAuthError::missing("response_type")),
        Some(other) => {
            return Err(OAuthError::new(
                "unsupported_response_type",
                700054,
                format!(
                    "response_type '{}' is not enabled for the application; use code.",
                    tenant::sanitize(other)
                ),
            ))
        }
    }
    if let Some(mode) = get(q, "response_mode").filter(|m| *m != "query") {
        return Err(OAuthError::invalid_request(
            900561,
            format!(
                "response_mode '{}' is not supported; use query.",
                tenant::sanitize(mode)
            ),
        ));
    }
    let scope = get(q, "scope").ok_or_else(|| OAuthError::missing("scope"))?;
    let requested = scopes::parse(scope, issuer_base)?;
    scopes::delegated_grant(&requested, &app.delegated_permissions)?;
    match (get(q, "code_challenge"), get(q, "code_challenge_method")) {
        (None, Some(_)) => {
            return Err(OAuthError::invalid_request(
                501491,
                "code_challenge_method was sent without a code_challenge.",
            ))
        }
        (Some(c), _) if unsafe_challenge(c) => return Err(OAuthError::invalid_request(
            501491,
            "Invalid size of Code_Challenge parameter: 43 to 128 characters of [A-Za-z0-9-._~].",
        )),
        (_, Some(m)) if m != "S256" && m != "plain" => {
            return Err(OAuthError::invalid_request(
                501491,
                "code_challenge_method must be S256 or plain.",
            ))
        }
        _ => {}
    }
    if app.public_client && get(q, "code_challenge").is_none() {
        return Err(super::redeem::pkce_required());
    }
    if get(q, "prompt") == Some("none") {
        return Err(OAuthError::new(
            "login_required",
            50058,
            "A silent sign-in request was sent but no user is signed in.",
        ));
    }
    Ok(())
}

/// `GET .../authorize`.
pub async fn authorize_get(
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
    } = match flow::open(&state, &segment, query, TITLE, true).await {
        Ok(opened) => opened,
        Err(page) => return page,
    };
    let st = get(&q, "state");
    if let Err(e) = check_request(&q, &app, &state.config().issuer_base()) {
        return flow::redirect_error(&redirect, e.error, &e.description(), st);
    }
    let cookie = flow::cookie(&headers)
        .filter(|c| c.len() >= 32)
        .unwrap_or_else(random_token);
    let t = Ticket {
        purpose: "authorize".into(),
        segment: segment.clone(),
        bind: cookie_hash(&cookie),
        client_id: app.client_id.clone(),
        redirect_uri: redirect,
        state: st.map(str::to_string),
        scope: get(&q, "scope").map(str::to_string),
        code_challenge: get(&q, "code_challenge").map(str::to_string),
        code_challenge_method: get(&q, "code_challenge").map(|_| {
            get(&q, "code_challenge_method")
                .unwrap_or("plain")
                .to_string()
        }),
        nonce: get(&q, "nonce").map(str::to_string),
        ..Ticket::default()
    };
    let hint = get(&q, "login_hint").unwrap_or("");
    form(
        &state,
        &target,
        &app,
        t,
        &cookie,
        hint,
        None,
        StatusCode::OK,
    )
}

/// The sign-in form for a (re)issued ticket.
#[allow(clippy::too_many_arguments)]
fn form(
    state: &AppState,
    target: &TenantRef,
    app: &AppRecord,
    t: Ticket,
    cookie: &str,
    username: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let asked = scopes::parse(
        t.scope.as_deref().unwrap_or(""),
        &state.config().issuer_base(),
    )
    .and_then(|r| scopes::delegated_grant(&r, &app.delegated_permissions))
    .unwrap_or_default();
    let consent = if asked.is_empty() {
        String::new()
    } else {
        format!(
            ". By signing in you allow it to act in your name with: {}",
            asked.join(", ")
        )
    };
    let text = FormText {
        endpoint: "oauth2/v2.0/authorize",
        heading: "Sign in",
        subtitle: format!(
            "to continue to {} ({}){consent}",
            app.display_name,
            tenant_name(target)
        ),
    };
    ticket_form(state, t, cookie, text, username, error, status)
}

/// What differs between the sign-in forms of the code flow and of admin consent.
pub struct FormText<'a> {
    /// The endpoint after `/{tenant}/` that the form posts back to.
    pub endpoint: &'a str,
    pub heading: &'a str,
    pub subtitle: String,
}

/// The tenant's display name for page text.
pub fn tenant_name(target: &TenantRef) -> String {
    target
        .record()
        .map_or("your organization".to_string(), |t| t.display_name.clone())
}

/// A sign-in form carrying a freshly signed ticket and, as hidden fields, the flow
/// parameters the ticket was issued for (checked again with [`tampered`] on the post).
pub fn ticket_form(
    state: &AppState,
    t: Ticket,
    cookie: &str,
    text: FormText<'_>,
    username: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let action = format!("/{}/{}", t.segment, text.endpoint);
    let (client_id, redirect_uri, st) = (
        t.client_id.clone(),
        t.redirect_uri.clone(),
        t.state.clone().unwrap_or_default(),
    );
    let signed = ticket::issue(state.keys(), t, state.clock().now());
    let hidden = [
        ("ticket", signed.as_str()),
        ("client_id", client_id.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("state", st.as_str()),
    ];
    let page = pages::sign_in(&SignIn {
        heading: text.heading,
        subtitle: text.subtitle,
        action: &action,
        hidden: &hidden,
        username,
        error,
    });
    pages::html(status, page, Some((cookie, flow::secure(state))))
}

/// The posted copies of the flow parameters must be the ticket's.
pub fn tampered(form: &HashMap<String, String>, t: &Ticket) -> bool {
    get(form, "client_id") != Some(t.client_id.as_str())
        || get(form, "redirect_uri") != Some(t.redirect_uri.as_str())
        || get(form, "state") != t.state.as_deref()
}

/// `POST .../authorize`: the sign-in form.
pub async fn authorize_post(
    State(state): State<AppState>,
    Extension(runtime): Extension<Arc<Runtime>>,
    Path(segment): Path<String>,
    ClientAddr(ip): ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let restart =
        "This sign-in page expired or was changed. Go back to the application and sign in again.";
    let Ok(f) = flow::params(&body) else {
        return flow::error_page(StatusCode::BAD_REQUEST, TITLE, restart, Some(9002313));
    };
    let target = match tenant::resolve(&state, &segment).await {
        Ok(target) => target,
        Err(e) => return flow::error_page(e.status, TITLE, &e.message, Some(e.code)),
    };
    let cookie = flow::cookie(&headers);
    let now = state.clock().now();
    let t = match ticket::redeem(
        state.keys(),
        &runtime.tickets,
        get(&f, "ticket").unwrap_or(""),
        "authorize",
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
                "authorizeRefused",
                &ip,
                reason,
            )
            .await;
            return flow::error_page(StatusCode::BAD_REQUEST, TITLE, restart, Some(9002313));
        }
    };
    let cookie = cookie.unwrap_or_default();
    let (app, redirect) = match flow::client_and_redirect(
        &state,
        &target,
        Some(&t.client_id),
        Some(&t.redirect_uri),
        true,
    )
    .await
    {
        Ok(found) => found,
        Err(page) => return page,
    };
    let username = get(&f, "username").unwrap_or("");
    let ctx = Context {
        client_id: &app.client_id,
        client_ip: &ip,
        via: "authorize",
    };
    let user = match signin::sign_in(
        &state,
        &runtime.limiter,
        &target,
        username,
        get(&f, "password").unwrap_or(""),
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
                form(
                    &state,
                    &target,
                    &app,
                    t,
                    &cookie,
                    username,
                    Some(&e.description()),
                    status,
                )
            })
        }
    };
    let st = t.state.as_deref();
    // On `common` the user's tenant must know the app.
    if app.home_tenant != user.tenant.id
        && matches!(
            state.store().grant(&user.tenant.id, &app.client_id).await,
            Ok(None)
        )
    {
        let e = OAuthError::unauthorized_client(
            700016,
            format!(
                "Application with identifier '{}' was not found in the directory '{}'.",
                app.client_id, user.tenant.id
            ),
        );
        return flow::redirect_error(&redirect, e.error, &e.description(), st);
    }
    let requested = match scopes::parse(
        t.scope.as_deref().unwrap_or(""),
        &state.config().issuer_base(),
    ) {
        Ok(r) => r,
        Err(e) => return flow::redirect_error(&redirect, e.error, &e.description(), st),
    };
    let mut granted = match scopes::delegated_grant(&requested, &app.delegated_permissions) {
        Ok(g) => g,
        Err(e) => return flow::redirect_error(&redirect, e.error, &e.description(), st),
    };
    if let Err(e) = super::consent::record_user_consent(&state, &user, &app, &granted).await {
        tracing::error!(error = %e, "cannot record a user's consent");
        return flow::error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "The service could not complete the request. Try again later.",
            None,
        );
    }
    granted.extend(requested.oidc.iter().cloned());
    let code = random_token();
    let record = AuthCodeRecord {
        code_hash: hash_hex(&code),
        tenant: user.tenant.id.clone(),
        client_id: app.client_id.clone(),
        user_id: user.id.clone(),
        redirect_uri: redirect.clone(),
        scopes: granted,
        code_challenge: t.code_challenge.clone(),
        challenge_method: t.code_challenge_method.clone(),
        nonce: t.nonce.clone(),
        expires_at: stamp(now + CODE_LIFETIME),
    };
    if let Err(e) = state.store().put_auth_code(&record).await {
        tracing::error!(error = %e, "cannot store an authorization code");
        return flow::error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong",
            "The service could not complete the request. Try again later.",
            None,
        );
    }
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = st {
        params.push(("state", s));
    }
    flow::redirect(&redirect, &params)
}
