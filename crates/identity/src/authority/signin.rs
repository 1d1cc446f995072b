//! Signing an educationUser in with a user principal name and password: shared by the
//! password grant, the authorize page and the admin-consent page. Throttled per account
//! and per client address (see `ratelimit.rs`); every outcome is audited. Unknown users,
//! users without a password and wrong passwords get the same answer (AADSTS50126), so
//! the endpoint does not reveal which accounts exist.

use edugraph_store::{EntityKind, TenantRecord};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::error::{OAuthError, OAuthResult};
use super::events::{self, Event};
use super::ratelimit::{Limiter, Throttled};
use super::tenant::{self, TenantRef};
use crate::auth::issue::{resolve_user, IssueError};
use crate::auth::password::verify_password;
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
    let now = state.clock().now().unix_timestamp();
    let result = attempt(
        state,
        limiter,
        target,
        username,
        password,
        ctx.client_ip,
        now,
    )
    .await;
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

async fn attempt(
    state: &AppState,
    limiter: &Limiter,
    target: &TenantRef,
    username: &str,
    password: &str,
    ip: &str,
    now: i64,
) -> OAuthResult<User> {
    if username.is_empty() {
        return Err(OAuthError::missing("username"));
    }
    if password.is_empty() {
        return Err(OAuthError::missing("password"));
    }
    limiter.check(username, ip, now).map_err(throttled)?;
    let fail = || {
        limiter.failed(username, ip, now);
        bad_credentials()
    };
    let tenant = match target {
        TenantRef::One(t) => t.clone(),
        TenantRef::Any(_) => match tenant::by_upn(state, username).await? {
            Some(t) => t,
            None => return Err(fail()),
        },
    };
    // Sign-in names are user principal names, never object ids.
    if !username.contains('@') {
        return Err(fail());
    }
    let id = match resolve_user(state.store(), &tenant.id, username).await {
        Ok(id) => id,
        Err(IssueError::Store(e)) => return Err(e.into()),
        Err(_) => return Err(fail()),
    };
    let Some(user) = load_user(state, &tenant, &id).await? else {
        return Err(fail());
    };
    let Some(hash) = state.store().password_hash(&tenant.id, &id).await? else {
        return Err(fail());
    };
    if !verify_password(password, &hash).await {
        return Err(fail());
    }
    // Only someone who knows the password learns that the account is disabled.
    if !user.enabled {
        return Err(disabled());
    }
    Ok(user)
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
