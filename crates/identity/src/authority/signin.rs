//! Signing an educationUser in with a user principal name and password: shared by the
//! password grant, the authorize page and the admin-consent page. Throttled per account
//! and per client address (see `ratelimit.rs`); every outcome is audited. Unknown users,
//! users without a password and wrong passwords get the same answer (AADSTS50126), so
//! the endpoint does not reveal which accounts exist; and they take the same time: a
//! missing account's password is checked against a dummy Argon2 hash (`auth::password`).
//! The attempt is counted by the throttle before any password is checked, so a burst of
//! concurrent attempts cannot run more Argon2 checks than the limits allow.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use edugraph_store::{EntityKind, TenantRecord};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::error::{OAuthError, OAuthResult};
use super::events::{self, Event};
use super::ratelimit::{Limiter, Throttled};
use super::tenant::{self, TenantRef};
use crate::auth::issue::{resolve_user, IssueError};
use crate::AppState;

/// A signed-in (or token-holding) educationUser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub tenant: TenantRecord,
    pub id: String,
    pub upn: String,
    pub name: String,
    pub enabled: bool,
    /// `refreshTokensValidFromDateTime`: refresh tokens issued before it are dead.
    pub valid_from: Option<OffsetDateTime>,
}

impl User {
    fn from_doc(tenant: TenantRecord, id: String, doc: &Value) -> User {
        let text = |name: &str| {
            doc.get(name)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        User {
            tenant,
            id,
            upn: text("userPrincipalName"),
            name: text("displayName"),
            enabled: doc
                .get("accountEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            valid_from: doc
                .get("refreshTokensValidFromDateTime")
                .and_then(Value::as_str)
                .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok()),
        }
    }
}

/// The educationUser with this id, if it still exists.
pub async fn load_user(
    state: &AppState,
    tenant: &TenantRecord,
    id: &str,
) -> OAuthResult<Option<User>> {
    let doc = state.store().get(&tenant.id, EntityKind::User, id).await?;
    let Some(doc) = doc else {
        return Ok(None);
    };
    let value: Value = serde_json::from_str(&doc.json).map_err(|e| {
        tracing::error!(error = %e, "stored user document is not JSON");
        OAuthError::server_error()
    })?;
    Ok(Some(User::from_doc(tenant.clone(), doc.id, &value)))
}

/// What the sign-in is for, for the audit log.
pub struct Context<'a> {
    pub client_id: &'a str,
    pub client_ip: &'a str,
    /// `password`, `authorize`, `adminconsent`.
    pub via: &'static str,
}

/// Checks the credentials, with throttling and auditing.
pub async fn sign_in(
    state: &AppState,
    limiter: &Limiter,
    target: &TenantRef,
    username: &str,
    password: &str,
    ctx: &Context<'_>,
) -> OAuthResult<User> {
    let username = username.trim();
    let result = attempt(state, limiter, target, username, password, ctx.client_ip).await;
    let (tenant, actor) = match &result {
        Ok(user) => (Some(user.tenant.id.clone()), user.id.clone()),
        Err(_) => (target.record().map(|t| t.id.clone()), username.to_string()),
    };
    let detail = match &result {
        Ok(_) => json!({"clientId": ctx.client_id, "via": ctx.via}),
        Err(e) => {
            let mut d = events::refusal(e);
            d["clientId"] = json!(ctx.client_id);
            d["via"] = json!(ctx.via);
            d
        }
    };
    let event = Event {
        tenant: tenant.as_deref(),
        actor: &actor,
        action: if result.is_ok() {
            "signIn"
        } else {
            "signInFailed"
        },
        target: Some(username),
        success: result.is_ok(),
        client_ip: ctx.client_ip,
        detail,
    };
    events::record(state, event).await;
    result
}

/// Checks the credentials with throttling, without auditing. Alone it serves a password
/// grant on `common` naming a domain no tenant has: refused like an unknown user, after
/// the same throttling and the same (dummy) password check.
pub async fn attempt(
    state: &AppState,
    limiter: &Limiter,
    target: &TenantRef,
    username: &str,
    password: &str,
    ip: &str,
) -> OAuthResult<User> {
    let username = username.trim();
    let now = state.clock().now().unix_timestamp();
    if username.is_empty() {
        return Err(OAuthError::missing("username"));
    }
    if password.is_empty() {
        return Err(OAuthError::missing("password"));
    }
    let reservation = limiter.reserve(username, ip, now).map_err(throttled)?;
    let result = check(state, target, username, password).await;
    // Only a wrong password (or no such account) keeps counting.
    if !matches!(&result, Err(e) if *e == bad_credentials()) {
        limiter.release(reservation);
    }
    result
}

/// Finds the account and checks its password. Every way of not having a usable account
/// still checks the password against the dummy hash, so all refusals cost the same and
/// a disabled account is told apart only after its password matched.
async fn check(
    state: &AppState,
    target: &TenantRef,
    username: &str,
    password: &str,
) -> OAuthResult<User> {
    let account = find(state, target, username).await?;
    let hash = match &account {
        Some((tenant, id)) => state.store().password_hash(&tenant.id, id).await?,
        None => None,
    };
    let user = match &account {
        Some((tenant, id)) => load_user(state, tenant, id).await?,
        None => None,
    };
    let matched = state
        .hashing()
        .verify(password, user.as_ref().and(hash.as_deref()))
        .await?;
    match user {
        Some(user) if matched && !user.enabled => Err(disabled()),
        Some(user) if matched => Ok(user),
        _ => Err(bad_credentials()),
    }
}

/// The tenant and user id the sign-in name points at, if any.
async fn find(
    state: &AppState,
    target: &TenantRef,
    username: &str,
) -> OAuthResult<Option<(TenantRecord, String)>> {
    // Sign-in names are user principal names, never object ids.
    if !username.contains('@') {
        return Ok(None);
    }
    let tenant = match target {
        TenantRef::One(t) => t.clone(),
        TenantRef::Any(_) => match tenant::by_upn(state, username).await? {
            Some(t) => t,
            None => return Ok(None),
        },
    };
    match resolve_user(state.store(), &tenant.id, username).await {
        Ok(id) => Ok(Some((tenant, id))),
        Err(IssueError::Store(e)) => Err(e.into()),
        Err(_) => Ok(None),
    }
}

/// A sign-in page shown again after a refusal, with the message on it: 503 when the
/// password could not be checked right now, 429 when throttled, otherwise 200; with the
/// refusal's `Retry-After`.
pub fn page_refusal(e: &OAuthError, page: impl FnOnce(StatusCode) -> Response) -> Response {
    let status = match e.retry_after {
        _ if e.status == StatusCode::SERVICE_UNAVAILABLE => e.status,
        Some(_) => StatusCode::TOO_MANY_REQUESTS,
        None => StatusCode::OK,
    };
    let mut resp = page(status);
    if let Some(secs) = e.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

pub fn bad_credentials() -> OAuthError {
    OAuthError::invalid_grant(
        50126,
        "Error validating credentials due to invalid username or password.",
    )
}

pub fn disabled() -> OAuthError {
    OAuthError::invalid_grant(
        50057,
        "The user account is disabled. The account has been disabled by an administrator (accountEnabled is false).",
    )
}

fn throttled(t: Throttled) -> OAuthError {
    match t {
        Throttled::Account { retry_after } => {
            let mut e = OAuthError::invalid_grant(
                50053,
                format!("Your account is locked because you've tried to sign in too many times with an incorrect user ID or password. Try again in {retry_after} seconds."),
            );
            e.retry_after = Some(retry_after);
            e
        }
        Throttled::Address { retry_after } => {
            let mut e = OAuthError::new(
                "temporarily_unavailable",
                50196,
                format!("Too many failed sign-ins from this client address. Try again in {retry_after} seconds."),
            );
            e.retry_after = Some(retry_after);
            e
        }
    }
}
