//! Verifying bearer tokens. The checks, in order: RS256 header with a kid we know (so
//! `none` and HMAC algorithms never reach a key), signature, audience, `nbf`/`exp` against
//! the injected clock, that the tenant exists, and the issuer recorded for that tenant
//! (`auth::issuers`).
//!
//! Verified tokens are cached by the token string itself until they expire, so an
//! authenticated request on the hot path costs a map lookup (a keyed hash of the token's
//! last bytes and one full comparison) instead of an RSA verification and a store round
//! trip. The cache holds what the token says, never what the account is: a delegated caller's account is checked on every request
//! (`accounts.rs`, itself cached for a few seconds), so a disabled or deleted user's
//! tokens stop working within seconds.

use std::collections::HashMap;
use std::sync::RwLock;

use edugraph_edu::Caller;
use jsonwebtoken::{Algorithm, Validation};
use time::OffsetDateTime;

use super::token::{issuer, Claims, GRAPH_APP_ID, GRAPH_AUDIENCE};
use super::Keys;
use crate::AppState;
use edugraph_platform::error::ApiError;

/// Clock skew tolerated on `nbf` and `exp`.
pub const LEEWAY_SECS: i64 = 60;
/// Most verified tokens remembered at once; beyond it expired entries are purged first.
const CACHE_CAPACITY: usize = 10_000;

/// Why a token was refused. The message goes to the client in the error body and in
/// `error_description`, so it never contains quotes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("Access token is empty.")]
    Missing,
    #[error("The Authorization header must use the Bearer scheme.")]
    NotBearer,
    #[error("Access token is malformed: {0}.")]
    Malformed(String),
    #[error("Access token must be signed with RS256.")]
    Algorithm,
    #[error("Access token was signed with an unknown or retired key.")]
    UnknownKey,
    #[error("Access token signature is invalid.")]
    Signature,
    #[error("Access token validation failure. Invalid audience.")]
    Audience,
    #[error("Access token has expired.")]
    Expired,
    #[error("Access token is not yet valid.")]
    NotYetValid,
    #[error("Access token validation failure. Invalid issuer.")]
    Issuer,
    /// The issuer is not the one recorded for the token's tenant, which the message names
    /// so an operator sees which address the tokens must be minted for.
    #[error("Access token validation failure. Invalid issuer: tokens of tenant {tenant} must be issued by {expected}.")]
    WrongIssuer { tenant: String, expected: String },
    #[error("Access token names a tenant that does not exist.")]
    UnknownTenant,
    #[error("Access token was revoked: the user account is disabled or no longer exists.")]
    AccountGone,
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        let message = e.to_string();
        let mut err = ApiError::unauthorized(message.clone());
        err.www_authenticate = Some(format!(
            "Bearer realm=\"edugraph\", error=\"invalid_token\", error_description=\"{message}\""
        ));
        err
    }
}

/// Verified tokens. Lives inside [`Keys`], so it is per key set. (Tenants and their
/// issuers are cached by `auth::issuers`, per application state.)
///
/// Entries are found by a keyed hash of the token's last bytes (its signature, which
/// differs between any two tokens we issued), so a lookup hashes 32 bytes rather than the
/// whole kilobyte, and are then compared byte for byte: no other string can ever find an
/// entry. Only verified tokens are inserted, so nobody can fill one hash with entries.
#[derive(Default)]
pub(crate) struct TokenCache {
    hasher: std::collections::hash_map::RandomState,
    tokens: RwLock<HashMap<u64, Vec<Cached>>>,
}

struct Cached {
    token: Box<str>,
    caller: Caller,
    exp: i64,
}

impl TokenCache {
    fn key(&self, token: &str) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let bytes = token.as_bytes();
        let mut h = self.hasher.build_hasher();
        h.write_usize(bytes.len());
        h.write(&bytes[bytes.len().saturating_sub(32)..]);
        h.finish()
    }

    fn get(&self, token: &str, now: i64) -> Option<Caller> {
        let key = self.key(token);
        let tokens = self.tokens.read().unwrap_or_else(|p| p.into_inner());
        tokens
            .get(&key)?
            .iter()
            .find(|c| &*c.token == token && now < c.exp + LEEWAY_SECS)
            .map(|c| c.caller.clone())
    }

    fn insert(&self, token: &str, caller: Caller, exp: i64, now: i64) {
        let key = self.key(token);
        let mut tokens = self.tokens.write().unwrap_or_else(|p| p.into_inner());
        if tokens.len() >= CACHE_CAPACITY {
            tokens.retain(|_, entries| {
                entries.retain(|c| now < c.exp + LEEWAY_SECS);
                !entries.is_empty()
            });
            if tokens.len() >= CACHE_CAPACITY {
                // Still full of live tokens: start over rather than grow without bound.
                tokens.clear();
            }
        }
        let entries = tokens.entry(key).or_default();
        entries.retain(|c| &*c.token != token);
        entries.push(Cached {
            token: token.into(),
            caller,
            exp,
        });
    }
}

/// Checks a token's header, signature and claims (everything but the tenant's existence)
/// against the issuer base `issuer_base`, and returns the caller and the expiry.
pub fn verify_token(
    keys: &Keys,
    token: &str,
    issuer_base: &str,
    now: OffsetDateTime,
) -> Result<(Caller, i64), AuthError> {
    let claims = decode_token(keys, token, now)?;
    check_issuer(&claims, issuer_base)?;
    let exp = claims.exp;
    Ok((caller_from(claims)?, exp))
}

/// The issuer check: `iss` must be `{issuer_base}/{tid}/v2.0`.
fn check_issuer(claims: &Claims, issuer_base: &str) -> Result<(), AuthError> {
    let expected = issuer(issuer_base, &claims.tid);
    if claims.iss == expected {
        return Ok(());
    }
    // Both end up in a quoted header parameter: keep them quote-free.
    let plain = |s: &str| {
        s.chars()
            .filter(|c| !matches!(c, '"' | '\\'))
            .collect::<String>()
    };
    Err(AuthError::WrongIssuer {
        tenant: plain(&claims.tid),
        expected: plain(&expected),
    })
}

/// Header, signature, audience and times; not the issuer or the tenant.
fn decode_token(keys: &Keys, token: &str, now: OffsetDateTime) -> Result<Claims, AuthError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| {
        // `decode_header` also fails on algorithms it does not know, such as `none`.
        if header_alg(token).is_some() {
            AuthError::Algorithm
        } else {
            AuthError::Malformed("not a JWT".into())
        }
    })?;
    if header.alg != Algorithm::RS256 {
        return Err(AuthError::Algorithm);
    }
    let kid = header.kid.ok_or(AuthError::UnknownKey)?;
    let key = keys.verifying_key(&kid, now).ok_or(AuthError::UnknownKey)?;

    let mut validation = Validation::new(Algorithm::RS256);
    // Times are checked below against the injected clock, not the system clock.
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.required_spec_claims.clear();
    validation.set_audience(&[GRAPH_AUDIENCE, GRAPH_APP_ID]);
    let claims = jsonwebtoken::decode::<Claims>(token, &key.key, &validation)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => AuthError::Signature,
            jsonwebtoken::errors::ErrorKind::InvalidAudience => AuthError::Audience,
            jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => AuthError::Algorithm,
            jsonwebtoken::errors::ErrorKind::Json(_) => {
                AuthError::Malformed("claims missing or of the wrong type".into())
            }
            _ => AuthError::Malformed("cannot be decoded".into()),
        })?
        .claims;

    let now = now.unix_timestamp();
    if now >= claims.exp.saturating_add(LEEWAY_SECS) {
        return Err(AuthError::Expired);
    }
    if now < claims.nbf.saturating_sub(LEEWAY_SECS) {
        return Err(AuthError::NotYetValid);
    }
    Ok(claims)
}

/// The `alg` of a JWT header we could not parse as one of the supported algorithms.
fn header_alg(token: &str) -> Option<String> {
    use base64::Engine;
    let head = token.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(head)
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("alg")?.as_str().map(str::to_string)
}

/// Builds the caller. `idtyp` decides when present; tokens without it (external issuers)
/// are delegated exactly when they carry `scp`.
fn caller_from(claims: Claims) -> Result<Caller, AuthError> {
    let app_id = claims.appid.or(claims.azp).unwrap_or_default();
    let is_user = match claims.idtyp.as_deref() {
        Some("user") => true,
        Some("app") => false,
        Some(_) => return Err(AuthError::Malformed("unknown idtyp".into())),
        None => claims.scp.is_some(),
    };
    if is_user {
        let scopes = claims
            .scp
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        Ok(Caller::User {
            tenant: claims.tid,
            app_id,
            user_id: claims.oid,
            scopes,
        })
    } else {
        Ok(Caller::App {
            tenant: claims.tid,
            app_id,
            roles: claims.roles.unwrap_or_default(),
        })
    }
}

/// Extracts the token of an `Authorization: Bearer <token>` header value.
pub fn bearer_token(header: Option<&str>) -> Result<&str, AuthError> {
    let value = header
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(AuthError::Missing)?;
    // `Bearer` alone (the token left out) counts as a missing token.
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::NotBearer);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthError::Missing);
    }
    Ok(token)
}

/// Verifies a token for a request: cache first, then (for tokens of a configured external
/// issuer) `identity::external`, else full verification, the tenant's existence and its
/// recorded issuer (`auth::issuers::of_tenant`, cached per tenant).
pub async fn authenticate(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let caller = verified_caller(state, token).await?;
    if let Caller::User {
        tenant, user_id, ..
    } = &caller
    {
        if !state
            .accounts()
            .live(state.store(), tenant, user_id)
            .await?
        {
            return Err(AuthError::AccountGone.into());
        }
    }
    Ok(caller)
}

/// The caller a token names, from the cache or verified.
async fn verified_caller(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let now = state.clock().now();
    let keys = state.keys();
    if let Some(caller) = keys.cache().get(token, now.unix_timestamp()) {
        return Ok(caller);
    }
    // Tokens of a trusted external issuer (configured; picked by their `iss`).
    if let Some(ext) = crate::auth::external::issuer_of(state.config(), token) {
        let (caller, exp) = crate::auth::external::verify(state, ext, token, now).await?;
        keys.cache()
            .insert(token, caller.clone(), exp, now.unix_timestamp());
        return Ok(caller);
    }
    let claims = match decode_token(keys, token, now) {
        // A kid we do not know may be a key another process rotated in: re-read once.
        Err(AuthError::UnknownKey) if keys.reload_for_unknown_kid(state.store(), now).await => {
            decode_token(keys, token, now)?
        }
        other => other?,
    };
    let Some(issuer_base) = super::issuers::of_tenant(state, &claims.tid).await? else {
        return Err(AuthError::UnknownTenant.into());
    };
    check_issuer(&claims, &issuer_base)?;
    let exp = claims.exp;
    let caller = caller_from(claims)?;
    keys.cache()
        .insert(token, caller.clone(), exp, now.unix_timestamp());
    Ok(caller)
}

#[cfg(test)]
mod cache_tests {
    use super::*;

    fn app(id: &str) -> Caller {
        Caller::App {
            tenant: "t".into(),
            app_id: id.into(),
            roles: Vec::new(),
        }
    }

    #[test]
    fn only_the_very_same_token_finds_an_entry() {
        let cache = TokenCache::default();
        let tail = "s".repeat(40);
        let a = format!("header.payload-a.{tail}");
        // Same length, same last bytes (the hashed part), different payload.
        let b = format!("header.payload-b.{tail}");
        cache.insert(&a, app("a"), 1_000, 0);
        assert_eq!(cache.get(&a, 0), Some(app("a")));
        assert_eq!(cache.get(&b, 0), None);
        cache.insert(&b, app("b"), 1_000, 0);
        assert_eq!(cache.get(&a, 0), Some(app("a")));
        assert_eq!(cache.get(&b, 0), Some(app("b")));
        // Expired (past the leeway): not found.
        assert_eq!(cache.get(&a, 1_000 + LEEWAY_SECS), None);
    }
}
