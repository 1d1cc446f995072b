//! Minting access tokens shaped like Entra ID v2 access tokens for Microsoft Graph, so
//! code that inspects Graph tokens (`tid`, `oid`, `roles`, `scp`, `idtyp`) works unchanged.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Keys;

/// The audience of tokens we mint: Graph's resource URI.
pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
/// Graph's first-party application id, also accepted as an audience.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Client id of tokens minted by the CLI and the dev endpoint when no app is named.
pub const DEV_CLIENT_ID: &str = "6f1d4c3e-2b7a-4e0c-9d51-0edc9a0f1c0d";

/// What a token is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    pub tenant: String,
    pub subject: TokenSubject,
    pub lifetime_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSubject {
    /// App-only token with application permissions (`roles`).
    App { app_id: String, roles: Vec<String> },
    /// Delegated token for an educationUser with delegated permissions (`scp`).
    User {
        user_id: String,
        scopes: Vec<String>,
    },
}

/// The claims we write and read. Optional fields keep tokens from other issuers (a later
/// issue trusts external Entra tenants) parseable.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub tid: String,
    pub oid: String,
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    pub ver: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idtyp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uti: Option<String>,
}

/// The issuer of a tenant's tokens: `{issuer_base}/{tenant}/v2.0`, as Entra spells it.
pub fn issuer(issuer_base: &str, tenant: &str) -> String {
    format!("{}/{tenant}/v2.0", issuer_base.trim_end_matches('/'))
}

/// Mints an RS256 access token valid from `now` for `req.lifetime_secs`. User tokens
/// name the built-in development client; the identity endpoints use [`build_claims`]
/// with the real client instead.
pub fn mint(keys: &Keys, issuer_base: &str, req: &TokenRequest, now: OffsetDateTime) -> String {
    let client_id = match &req.subject {
        TokenSubject::App { app_id, .. } => app_id.as_str(),
        TokenSubject::User { .. } => DEV_CLIENT_ID,
    };
    keys.sign(&build_claims(issuer_base, req, client_id, now))
}

/// The claims of an access token for `req`, issued to `client_id` (`appid`/`azp`).
pub fn build_claims(
    issuer_base: &str,
    req: &TokenRequest,
    client_id: &str,
    now: OffsetDateTime,
) -> Claims {
    let iat = now.unix_timestamp();
    let lifetime = i64::try_from(req.lifetime_secs).unwrap_or(i64::MAX / 2);
    let (oid, roles, scp, idtyp) = match &req.subject {
        // An app token's object id is its service principal; we have no separate
        // service-principal objects yet, so the app id stands in for it.
        TokenSubject::App { app_id, roles } => (app_id.clone(), Some(roles.clone()), None, "app"),
        TokenSubject::User { user_id, scopes } => {
            (user_id.clone(), None, Some(scopes.join(" ")), "user")
        }
    };
    let mut uti = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut uti);
    Claims {
        aud: GRAPH_AUDIENCE.into(),
        iss: issuer(issuer_base, &req.tenant),
        iat,
        nbf: iat,
        exp: iat.saturating_add(lifetime),
        tid: req.tenant.clone(),
        sub: oid.clone(),
        oid,
        appid: Some(client_id.to_string()),
        azp: Some(client_id.to_string()),
        ver: "2.0".into(),
        roles,
        scp,
        idtyp: Some(idtyp.into()),
        uti: Some(URL_SAFE_NO_PAD.encode(uti)),
    }
}
