//! Token responses of the token endpoint, shaped like Entra's:
//! `{"token_type","scope","expires_in","ext_expires_in","access_token","refresh_token"?,
//! "id_token"?,"client_info"?}`. Access tokens come from `auth::build_claims` (so the
//! `Authenticated` extractor verifies them), user tokens with `name` and
//! `preferred_username` added as Entra writes them; id tokens are for the client
//! (`aud` = client id); refresh tokens are random strings stored only by hash, each in
//! the family of the grant it descends from. Access and id tokens carry the tenant's
//! recorded issuer (`auth::issuers`), the one discovery advertises and verification
//! expects.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use edugraph_store::RefreshTokenRecord;
use rand::RngCore;
use serde::Serialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::client::hash_hex;
use super::error::OAuthResult;
use super::scopes::response_scope;
use super::signin::User;
use crate::auth::{build_claims, issuer, Claims, TokenRequest, TokenSubject};
use crate::AppState;

/// How long a refresh token lives unused (Entra's default inactivity limit).
pub const REFRESH_LIFETIME: time::Duration = time::Duration::days(90);

#[derive(Serialize)]
struct UserAccessClaims<'a> {
    #[serde(flatten)]
    base: Claims,
    name: &'a str,
    preferred_username: &'a str,
    upn: &'a str,
}

#[derive(Serialize)]
struct IdClaims<'a> {
    aud: &'a str,
    iss: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    sub: &'a str,
    oid: &'a str,
    tid: &'a str,
    name: &'a str,
    preferred_username: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    ver: &'static str,
}

/// The issuer base recorded for `tenant` (which the caller has just resolved).
async fn issuer_base(state: &AppState, tenant: &str) -> OAuthResult<String> {
    crate::auth::issuers::of_tenant(state, tenant)
        .await?
        .ok_or_else(|| super::tenant::not_found(tenant))
}

/// The response to `client_credentials`: an app token with the consented `roles` (none
/// before consent, so the claim is left out as Entra does).
pub async fn app_response(
    state: &AppState,
    tenant: &str,
    client_id: &str,
    roles: Vec<String>,
    now: OffsetDateTime,
) -> OAuthResult<Value> {
    let lifetime = state.config().token_lifetime_secs;
    let req = TokenRequest {
        tenant: tenant.to_string(),
        subject: TokenSubject::App {
            app_id: client_id.to_string(),
            roles,
        },
        lifetime_secs: lifetime,
    };
    let base = issuer_base(state, tenant).await?;
    let mut claims = build_claims(&base, &req, client_id, now);
    if claims.roles.as_ref().is_some_and(Vec::is_empty) {
        claims.roles = None;
    }
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": state.keys().sign(&claims),
    }))
}

/// What a delegated token response is made of.
pub struct UserGrant<'a> {
    pub user: &'a User,
    pub client_id: &'a str,
    /// Delegated permissions (`scp`).
    pub scopes: &'a [String],
    /// OIDC scopes granted (`openid` → id token, `offline_access` → refresh token).
    pub oidc: &'a [String],
    pub nonce: Option<&'a str>,
    /// The client asked for `client_info=1` (MSAL does).
    pub client_info: bool,
    /// The refresh-token family this grant continues (a rotation); `None` starts one.
    pub family: Option<&'a str>,
}

/// Mints the access token, and the id and refresh tokens the OIDC scopes ask for.
pub async fn user_response(
    state: &AppState,
    grant: &UserGrant<'_>,
    now: OffsetDateTime,
) -> OAuthResult<Value> {
    let user = grant.user;
    let tenant = &user.tenant.id;
    let base = issuer_base(state, tenant).await?;
    let lifetime = state.config().token_lifetime_secs;
    let req = TokenRequest {
        tenant: tenant.clone(),
        subject: TokenSubject::User {
            user_id: user.id.clone(),
            scopes: grant.scopes.to_vec(),
        },
        lifetime_secs: lifetime,
    };
    let access = UserAccessClaims {
        base: build_claims(&base, &req, grant.client_id, now),
        name: &user.name,
        preferred_username: &user.upn,
        upn: &user.upn,
    };
    let mut body = json!({
        "token_type": "Bearer",
        "scope": response_scope(grant.scopes, grant.oidc),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": state.keys().sign(&access),
    });
    let has = |s: &str| grant.oidc.iter().any(|o| o == s);
    if has("offline_access") {
        body["refresh_token"] = json!(new_refresh_token(state, grant, now).await?);
    }
    if has("openid") {
        let iat = now.unix_timestamp();
        let id = IdClaims {
            aud: grant.client_id,
            iss: issuer(&base, tenant),
            iat,
            nbf: iat,
            exp: iat + i64::try_from(lifetime).unwrap_or(3600),
            sub: &user.id,
            oid: &user.id,
            tid: tenant,
            name: &user.name,
            preferred_username: &user.upn,
            nonce: grant.nonce,
            ver: "2.0",
        };
        body["id_token"] = json!(state.keys().sign(&id));
    }
    if grant.client_info {
        let info = json!({"uid": user.id, "utid": tenant}).to_string();
        body["client_info"] = json!(URL_SAFE_NO_PAD.encode(info));
    }
    Ok(body)
}

/// A random opaque token (256 bits, base64url).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// RFC 3339 in UTC with a fixed 7-digit fraction, so stored times compare as text.
pub fn stamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 100
    )
}

async fn new_refresh_token(
    state: &AppState,
    grant: &UserGrant<'_>,
    now: OffsetDateTime,
) -> OAuthResult<String> {
    let token = random_token();
    let mut scopes = grant.scopes.to_vec();
    scopes.extend(grant.oidc.iter().cloned());
    let record = RefreshTokenRecord {
        token_hash: hash_hex(&token),
        tenant: grant.user.tenant.id.clone(),
        client_id: grant.client_id.to_string(),
        user_id: grant.user.id.clone(),
        scopes,
        issued_at: stamp(now),
        expires_at: stamp(now + REFRESH_LIFETIME),
        family_id: grant
            .family
            .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string),
        spent_at: None,
    };
    state.store().put_refresh_token(&record).await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_order_as_text() {
        let a = time::macros::datetime!(2024-05-01 08:09:10 UTC);
        let b = a + time::Duration::nanoseconds(500);
        assert_eq!(stamp(a), "2024-05-01T08:09:10.0000000Z");
        assert!(stamp(a) < stamp(b));
        assert!(stamp(b) < stamp(a + time::Duration::seconds(1)));
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 43);
    }
}
