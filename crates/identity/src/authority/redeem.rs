//! The grants that redeem something issued earlier: `authorization_code` (with PKCE) and
//! `refresh_token`. Both are taken from the store atomically, so each works once (a
//! refresh token is rotated: the response carries its successor), and both are bound to
//! the client, tenant and (for codes) redirect URI they were issued for. The client
//! authenticates as it was registered (`client.rs`).
//!
//! Refresh tokens come in families: the first token of a grant starts one, rotation hands
//! it on. A used token stays as a spent marker, so presenting it again (someone kept a
//! copy: the client or a thief) revokes every live token of the family, as the OAuth 2.0
//! Security Best Current Practice asks; both parties must then sign in again.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use edugraph_store::{RefreshTokenRecord, TenantRecord};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::client::{self, hash_hex};
use super::error::{OAuthError, OAuthResult};
use super::events::{self, Event};
use super::mint::{self, stamp, UserGrant};
use super::scopes::{self, OIDC_SCOPES};
use super::signin::{self, User};
use super::tenant::TenantRef;
use super::token::TokenCall;
use crate::auth::issue::resolve_tenant;

fn grant_error(code: u32, message: &str) -> OAuthError {
    OAuthError::invalid_grant(code, message)
}

fn expired_at(at: &str, now: OffsetDateTime) -> bool {
    OffsetDateTime::parse(at, &Rfc3339).map_or(true, |t| t <= now)
}

/// Splits stored scopes into delegated permissions and OIDC scopes.
fn split(scopes: &[String]) -> (Vec<String>, Vec<String>) {
    scopes
        .iter()
        .cloned()
        .partition(|s| !OIDC_SCOPES.contains(&s.as_str()))
}

/// The tenant a code or refresh token was issued in; it must be the one the request is
/// addressed to (any, on `common`).
async fn issued_tenant(call: &TokenCall<'_>, tenant: &str) -> OAuthResult<TenantRecord> {
    let wrong = || {
        grant_error(
            70000,
            "The provided grant is invalid or malformed: it was issued for another tenant.",
        )
    };
    match &call.target {
        TenantRef::One(t) if t.id == tenant => Ok(t.clone()),
        TenantRef::One(_) => Err(wrong()),
        TenantRef::Any(_) => resolve_tenant(call.state.store(), Some(tenant))
            .await
            .map_err(|_| wrong()),
    }
}

/// The user a grant names, still present and enabled.
async fn live_user(
    call: &TokenCall<'_>,
    tenant: &TenantRecord,
    user_id: &str,
) -> OAuthResult<User> {
    let user = signin::load_user(call.state, tenant, user_id)
        .await?
        .ok_or_else(|| {
            grant_error(
                50034,
                "The user account does not exist in the directory anymore.",
            )
        })?;
    if !user.enabled {
        return Err(signin::disabled());
    }
    Ok(user)
}

/// `grant_type=authorization_code`: code, redirect URI and PKCE verifier.
pub async fn authorization_code(call: &TokenCall<'_>) -> OAuthResult<Value> {
    let code = call.require("code")?;
    let redirect_uri = call.require("redirect_uri")?;
    let client_id = call.require("client_id").or_else(|_| {
        call.client
            .client_id
            .as_deref()
            .ok_or_else(|| OAuthError::missing("client_id"))
    })?;
    let now = call.state.clock().now();
    let record = call
        .state
        .store()
        .take_auth_code(&hash_hex(code))
        .await?
        .ok_or_else(|| grant_error(54005, "OAuth2 Authorization code was already redeemed or is not valid; request a new code."))?;
    if expired_at(&record.expires_at, now) {
        return Err(grant_error(70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."));
    }
    if !record.client_id.eq_ignore_ascii_case(client_id) {
        return Err(grant_error(70000, "The provided grant is invalid or malformed: the code was issued to a different client."));
    }
    if record.redirect_uri != redirect_uri {
        return Err(grant_error(500117, "The reply uri specified in the request does not match the reply uri used in the authorization request."));
    }
    let tenant = issued_tenant(call, &record.tenant).await?;
    let app = client::authenticate(call.state, &call.client, &tenant.id, now).await?;
    if app.public_client && record.code_challenge.is_none() {
        return Err(pkce_required());
    }
    check_pkce(
        record.code_challenge.as_deref(),
        record.challenge_method.as_deref(),
        call.field("code_verifier"),
    )?;
    let user = live_user(call, &tenant, &record.user_id).await?;
    let (delegated, oidc) = split(&record.scopes);
    let grant = UserGrant {
        user: &user,
        client_id: &app.client_id,
        scopes: &delegated,
        oidc: &oidc,
        nonce: record.nonce.as_deref(),
        client_info: call.wants_client_info(),
        family: None,
    };
    mint::user_response(call.state, &grant, now).await
}

/// A public client's code flow without PKCE: it has no secret, so the code verifier is
/// what keeps an intercepted code from being redeemed.
pub fn pkce_required() -> OAuthError {
    OAuthError::invalid_request(
        9002325,
        "Proof Key for Code Exchange is required for public clients: send code_challenge (with code_challenge_method=S256) to the authorize endpoint and code_verifier to the token endpoint.",
    )
}

/// PKCE (RFC 7636): a code issued with a challenge needs the matching verifier.
pub fn check_pkce(
    challenge: Option<&str>,
    method: Option<&str>,
    verifier: Option<&str>,
) -> OAuthResult<()> {
    let Some(challenge) = challenge else {
        return Ok(());
    };
    let verifier = verifier.ok_or_else(|| {
        OAuthError::invalid_request(
            9002325,
            "Proof Key for Code Exchange is required: the request body must contain the following parameter: 'code_verifier'.",
        )
    })?;
    let valid_shape = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    let computed = match method.unwrap_or("plain") {
        m if m.eq_ignore_ascii_case("S256") => {
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
        }
        _ => verifier.to_string(),
    };
    if !valid_shape || computed != challenge {
        return Err(grant_error(501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."));
    }
    Ok(())
}

/// `grant_type=refresh_token`: the token is used up and a new one issued; a narrower
/// `scope` may be asked for, never a wider one.
pub async fn refresh_token(call: &TokenCall<'_>) -> OAuthResult<Value> {
    let token = call.require("refresh_token")?;
    let hash = hash_hex(token);
    let now = call.state.clock().now();
    let unknown = || {
        grant_error(70000, "The provided grant is invalid or malformed: the refresh token is unknown or was already used (refresh tokens are rotated; use the one from the latest response).")
    };
    // Looked at first and taken only once the client is authenticated, so a request that
    // fails (a leaked token without the client's secret) changes nothing.
    let record = call
        .state
        .store()
        .refresh_token(&hash)
        .await?
        .ok_or_else(unknown)?;
    let presented = call.client.client_id.as_deref().unwrap_or("");
    if !record.client_id.eq_ignore_ascii_case(presented) {
        if presented.is_empty() {
            return Err(OAuthError::missing("client_id"));
        }
        return Err(grant_error(70000, "The provided grant is invalid or malformed: the refresh token was issued to a different client."));
    }
    if expired_at(&record.expires_at, now) {
        return Err(grant_error(
            700082,
            "The refresh token has expired due to inactivity. Sign in again.",
        ));
    }
    let tenant = issued_tenant(call, &record.tenant).await?;
    let app = client::authenticate(call.state, &call.client, &tenant.id, now).await?;
    // Spent already, or spent by a concurrent request since we looked: reuse.
    let live = match record.spent_at {
        Some(_) => None,
        None => {
            call.state
                .store()
                .take_refresh_token(&hash, &stamp(now))
                .await?
        }
    };
    let Some(record) = live else {
        return Err(reused(call, &record).await);
    };
    let user = live_user(call, &tenant, &record.user_id).await?;
    let issued = OffsetDateTime::parse(&record.issued_at, &Rfc3339).ok();
    if let (Some(from), Some(issued)) = (user.valid_from, issued) {
        if issued < from {
            // Sessions of this user before the change are over; drop their other tokens too.
            call.state
                .store()
                .revoke_refresh_tokens(&tenant.id, &user.id)
                .await?;
            return Err(grant_error(50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password."));
        }
    }
    let (mut delegated, mut oidc) = split(&record.scopes);
    if let Some(scope) = call.field("scope") {
        let requested = scopes::parse(scope, &call.state.config().issuer_base())?;
        if !requested.default && !requested.names.is_empty() {
            delegated = scopes::delegated_grant(&requested, &delegated)?;
        }
        // offline_access stays: a rotated token must get its successor.
        oidc.retain(|s| s == "offline_access" || requested.has(s));
    }
    let grant = UserGrant {
        user: &user,
        client_id: &app.client_id,
        scopes: &delegated,
        oidc: &oidc,
        nonce: None,
        client_info: call.wants_client_info(),
        family: Some(&record.family_id),
    };
    mint::user_response(call.state, &grant, now).await
}

/// A spent refresh token was presented again: every live token of its family is revoked
/// and the reuse is audited.
async fn reused(call: &TokenCall<'_>, record: &RefreshTokenRecord) -> OAuthError {
    let revoked = match call
        .state
        .store()
        .revoke_refresh_family(&record.family_id)
        .await
    {
        Ok(n) => n,
        Err(e) => return e.into(),
    };
    let event = Event {
        tenant: Some(&record.tenant),
        actor: &record.client_id,
        action: "refreshTokenReused",
        target: Some(&record.user_id),
        success: false,
        client_ip: &call.ip,
        detail: serde_json::json!({
            "familyId": record.family_id,
            "spentDateTime": record.spent_at,
            "revokedTokens": revoked,
        }),
    };
    events::record(call.state, event).await;
    grant_error(
        70000,
        "The provided grant is invalid or malformed: the refresh token was already used. Refresh tokens are rotated and a used one was presented again, so every refresh token of this sign-in is now revoked. Sign in again.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_and_plain() {
        // BASE64URL(SHA-256(verifier)), computed independently (Python's hashlib).
        let verifier = "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "ngF5GsXcbwljx6u133FFr3Xht9xooA_DuaX_3QwODtc";
        assert!(check_pkce(Some(challenge), Some("S256"), Some(verifier)).is_ok());
        assert_eq!(
            check_pkce(
                Some(challenge),
                Some("S256"),
                Some(&verifier.replace('d', "e"))
            )
            .unwrap_err()
            .code,
            501481
        );
        assert!(check_pkce(Some(verifier), None, Some(verifier)).is_ok());
        assert!(check_pkce(Some(verifier), Some("plain"), Some(verifier)).is_ok());
        assert_eq!(
            check_pkce(Some(challenge), Some("S256"), None)
                .unwrap_err()
                .error,
            "invalid_request"
        );
        assert_eq!(
            check_pkce(Some("short"), None, Some("short"))
                .unwrap_err()
                .code,
            501481
        );
        assert!(check_pkce(None, None, None).is_ok());
    }
}
