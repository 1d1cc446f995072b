//! Trusted external issuers (`[[external_issuers]]` in the configuration): a school's own
//! Entra ID tenant or Keycloak signs the tokens, we verify them against its JWKS and map
//! them onto one of our tenants.
//!
//! - The issuer is picked by the token's exact `iss`; everything else is verified: RS256
//!   with a kid from the issuer's JWKS, signature, `aud`, `iss`, `exp`/`nbf`.
//! - JWKS documents are fetched on first use and cached per URL for [`JWKS_TTL`]; a kid
//!   the cache does not know triggers one re-fetch (at most every [`REFETCH_SECS`]), so
//!   the issuer's key rotations are picked up without letting made-up kids flood it.
//! - A token with `scp` (or Keycloak's `scope`) is delegated: its `user_claim` finds the
//!   educationUser by id, `student/externalId`/`teacher/externalId`, or user principal
//!   name. A token with `roles` and no scopes is app-only.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use edugraph_edu::Caller;
use edugraph_odata::ast::{CmpOp, EdmType, Expr, Literal, PropertyPath};
use edugraph_store::{EntityKind, ListQuery, Scope};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use time::OffsetDateTime;

use crate::auth::issue::resolve_tenant;
use crate::auth::{AuthError, LEEWAY_SECS};
use crate::AppState;
use edugraph_platform::config::{Config, ExternalIssuer};
use edugraph_platform::error::ApiError;

/// How long a fetched JWKS is used before it is fetched again.
pub const JWKS_TTL: Duration = Duration::from_secs(3600);
/// Least time between two fetches of one JWKS caused by unknown kids.
pub const REFETCH_SECS: i64 = 30;

struct CachedJwks {
    fetched_at: i64,
    keys: HashMap<String, DecodingKey>,
}

/// Process-wide, keyed by JWKS URL (the same URL serves the same keys to every router).
fn cache() -> &'static Mutex<HashMap<String, CachedJwks>> {
    static CACHE: OnceLock<Mutex<HashMap<String, CachedJwks>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The configured issuer whose `iss` the (unverified) token carries, if any.
pub fn issuer_of<'a>(config: &'a Config, token: &str) -> Option<&'a ExternalIssuer> {
    if config.external_issuers.is_empty() {
        return None;
    }
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    let iss = claims.get("iss")?.as_str()?;
    config.external_issuers.iter().find(|e| e.issuer == iss)
}

/// Fetches and parses a JWKS document (RSA signing keys with a kid).
async fn fetch(url: &str) -> Result<HashMap<String, DecodingKey>, String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let resp = client.get(url).send().await.map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("HTTP {}", resp.status()));
    }
    let doc: Value = resp.json().await.map_err(|e| e.to_string())?;
    let mut keys = HashMap::new();
    for k in doc
        .get("keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let field = |name: &str| k.get(name).and_then(Value::as_str);
        if field("kty") != Some("RSA") || field("use").is_some_and(|u| u != "sig") {
            continue;
        }
        if let (Some(kid), Some(n), Some(e)) = (field("kid"), field("n"), field("e")) {
            if let Ok(key) = DecodingKey::from_rsa_components(n, e) {
                keys.insert(kid.to_string(), key);
            }
        }
    }
    Ok(keys)
}

/// The issuer's key with this kid, fetching the JWKS when needed.
async fn key_for(url: &str, kid: &str, now: i64) -> Option<DecodingKey> {
    let stale = {
        let cache = cache().lock().unwrap_or_else(|p| p.into_inner());
        match cache.get(url) {
            Some(c) if now - c.fetched_at < JWKS_TTL.as_secs() as i64 => {
                if let Some(key) = c.keys.get(kid) {
                    return Some(key.clone());
                }
                // Unknown kid: re-fetch, but not more often than REFETCH_SECS.
                now - c.fetched_at >= REFETCH_SECS
            }
            _ => true,
        }
    };
    if !stale {
        return None;
    }
    match fetch(url).await {
        Ok(keys) => {
            let found = keys.get(kid).cloned();
            let entry = CachedJwks {
                fetched_at: now,
                keys,
            };
            cache()
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(url.to_string(), entry);
            found
        }
        Err(e) => {
            tracing::warn!(jwks_url = %url, error = %e, "cannot fetch an external issuer's keys");
            None
        }
    }
}

/// Verifies a token of `ext` and builds the caller; returns its expiry too.
pub async fn verify(
    state: &AppState,
    ext: &ExternalIssuer,
    token: &str,
    now: OffsetDateTime,
) -> Result<(Caller, i64), ApiError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Algorithm)?;
    if header.alg != Algorithm::RS256 {
        return Err(AuthError::Algorithm.into());
    }
    let kid = header.kid.ok_or(AuthError::UnknownKey)?;
    let key = key_for(&ext.jwks_url, &kid, now.unix_timestamp())
        .await
        .ok_or(AuthError::UnknownKey)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.required_spec_claims.clear();
    validation.set_audience(&[ext.audience.as_str()]);
    validation.set_issuer(&[ext.issuer.as_str()]);
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => AuthError::Signature,
            jsonwebtoken::errors::ErrorKind::InvalidAudience => AuthError::Audience,
            jsonwebtoken::errors::ErrorKind::InvalidIssuer => AuthError::Issuer,
            _ => AuthError::Malformed("cannot be decoded".into()),
        })?
        .claims;
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    let exp = number("exp").ok_or_else(|| AuthError::Malformed("exp is missing".into()))?;
    let now = now.unix_timestamp();
    if now >= exp.saturating_add(LEEWAY_SECS) {
        return Err(AuthError::Expired.into());
    }
    if number("nbf").is_some_and(|nbf| now < nbf.saturating_sub(LEEWAY_SECS)) {
        return Err(AuthError::NotYetValid.into());
    }
    let tenant = resolve_tenant(state.store(), Some(&ext.tenant))
        .await
        .map_err(|_| AuthError::UnknownTenant)?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_string);
    let app_id = text("appid")
        .or_else(|| text("azp"))
        .or_else(|| text("client_id"))
        .unwrap_or_default();
    let scopes = text("scp").or_else(|| text("scope"));
    let roles: Option<Vec<String>> = claims.get("roles").and_then(Value::as_array).map(|r| {
        r.iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    });
    if let (None, Some(roles)) = (&scopes, roles) {
        return Ok((
            Caller::App {
                tenant: tenant.id,
                app_id,
                roles,
            },
            exp,
        ));
    }
    let subject = text(&ext.user_claim)
        .ok_or_else(|| AuthError::Malformed(format!("claim {} is missing", ext.user_claim)))?;
    let user_id = find_user(state, &tenant.id, &ext.user_lookup, &subject)
        .await?
        .ok_or_else(|| {
            AuthError::Malformed("the user is not an educationUser of the tenant".into())
        })?;
    let scopes = scopes
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    Ok((
        Caller::User {
            tenant: tenant.id,
            app_id,
            user_id,
            scopes,
        },
        exp,
    ))
}

/// The educationUser the external subject names.
async fn find_user(
    state: &AppState,
    tenant: &str,
    lookup: &str,
    subject: &str,
) -> Result<Option<String>, ApiError> {
    let paths: &[&[&str]] = match lookup {
        "id" => {
            return Ok(state
                .store()
                .get(tenant, EntityKind::User, subject)
                .await?
                .map(|d| d.id))
        }
        "userPrincipalName" => {
            let id = crate::auth::issue::resolve_user(state.store(), tenant, subject)
                .await
                .ok();
            return Ok(id);
        }
        _ => &[&["student", "externalId"], &["teacher", "externalId"]],
    };
    for segments in paths {
        let filter = Expr::Compare {
            left: PropertyPath {
                lambda: None,
                segments: segments.iter().map(|s| s.to_string()).collect(),
                ty: EdmType::String,
                collection: false,
            },
            op: CmpOp::Eq,
            right: Literal::String(subject.to_string()),
        };
        let query = ListQuery {
            kind: EntityKind::User,
            scope: Scope::All,
            filter: Some(&filter),
            orderby: &[],
            skip: 0,
            limit: 2,
            count: false,
        };
        let items = state.store().list(tenant, &query).await?.items;
        // An externalId shared by two users names nobody.
        if items.len() == 1 {
            return Ok(items.into_iter().next().map(|d| d.id));
        }
    }
    Ok(None)
}
