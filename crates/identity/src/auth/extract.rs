//! The `Authenticated` extractor: a handler that takes it states in its signature that it
//! needs a verified caller. Missing or invalid tokens become a 401 Graph error with
//! `WWW-Authenticate` before the handler runs; a token that was presented and rejected is
//! also recorded in the audit log (off the request path).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::StatusCode;
use edugraph_edu::Caller;

use super::verify::{authenticate, bearer_token, AuthError};
use crate::audit;
use crate::AppState;
use edugraph_platform::error::ApiError;

/// Longest `tid` claim of a rejected token copied into the audit log; real tenant ids are
/// GUIDs or domain names, and the claim is attacker-controlled.
const MAX_TID_LEN: usize = 100;

/// The verified caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated(pub Caller);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let parts: &Parts = parts;
        let header = match parts.headers.get(AUTHORIZATION) {
            None => None,
            Some(value) => match value.to_str() {
                Ok(v) => Some(v),
                Err(_) => return Err(rejected(state, parts, None, AuthError::NotBearer.into())),
            },
        };
        let token = match bearer_token(header) {
            Ok(token) => token,
            // No token presented (no header, an empty one, or `Bearer` alone) is not
            // audited: anyone can send such requests in bulk at no cost, and they would
            // fill the log without telling an operator anything. Only a token that was
            // presented and rejected is recorded.
            Err(AuthError::Missing) => return Err(AuthError::Missing.into()),
            Err(e) => return Err(rejected(state, parts, None, e.into())),
        };
        match authenticate(state, token).await {
            Ok(caller) => Ok(Authenticated(caller)),
            // Other failures (the store down) are not refusals of the token.
            Err(e) if e.status == StatusCode::UNAUTHORIZED => {
                Err(rejected(state, parts, Some(token), e))
            }
            Err(e) => Err(e),
        }
    }
}

/// Records a presented-but-rejected token (`tokenRejected`) and passes the error on. The
/// tenant is the token's `tid` claim read without verification, since the token did not
/// verify; it only files the entry under the tenant the token claims to be for.
fn rejected(state: &AppState, parts: &Parts, token: Option<&str>, err: ApiError) -> ApiError {
    let tenant = token.and_then(unverified_tid);
    let entry = audit::refusal(
        parts,
        tenant.as_deref(),
        audit::ANONYMOUS_ACTOR,
        audit::TOKEN_REJECTED,
        serde_json::json!({"reason": err.message}),
        state.clock().now(),
    );
    audit::spawn_record(state.store_arc(), entry);
    err
}

/// The `tid` claim of a JWT's payload, without checking the signature; `None` when the
/// token is not a JWT or the claim is absent, too long or not made of the characters of
/// a tenant id or domain.
fn unverified_tid(token: &str) -> Option<String> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let tid = claims.get("tid")?.as_str()?;
    let plausible = !tid.is_empty()
        && tid.len() <= MAX_TID_LEN
        && tid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    plausible.then(|| tid.to_string())
}

#[cfg(test)]
mod tests {
    use super::unverified_tid;
    use base64::Engine;

    fn jwt(payload: &str) -> String {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.sig", b64(r#"{"alg":"RS256"}"#), b64(payload))
    }

    #[test]
    fn the_tid_claim_is_read_only_when_it_looks_like_a_tenant() {
        assert_eq!(
            unverified_tid(&jwt(r#"{"tid":"0b7f7c1e-1111-4a8a"}"#)).as_deref(),
            Some("0b7f7c1e-1111-4a8a")
        );
        assert_eq!(
            unverified_tid(&jwt(r#"{"tid":"contoso.edu"}"#)).as_deref(),
            Some("contoso.edu")
        );
        assert_eq!(unverified_tid(&jwt(r#"{"tid":"a b"}"#)), None);
        assert_eq!(unverified_tid(&jwt(r#"{"tid":""}"#)), None);
        assert_eq!(
            unverified_tid(&jwt(&format!(r#"{{"tid":"{}"}}"#, "a".repeat(101)))),
            None
        );
        assert_eq!(unverified_tid(&jwt(r#"{"tid":7}"#)), None);
        assert_eq!(unverified_tid(&jwt(r#"{"oid":"x"}"#)), None);
        assert_eq!(unverified_tid("not-a-jwt"), None);
        assert_eq!(unverified_tid("a.!!!.b"), None);
    }
}
