//! The operator credential. Outside `--dev`, operator routes other than `health` and
//! `version` need `Authorization: Bearer <operator_token>`: without a configured token
//! they do not exist (404 saying how to enable them), a missing or malformed header is
//! 401, a wrong token 403 (and an audit entry). Under `--dev` they are open, as the demo
//! tokens are.

use axum::http::{header, HeaderMap};
use edugraph_store::AuditRecord;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::audit;
use crate::auth::bearer_token;
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// Lets the request through or says why not.
pub async fn require_operator(
    state: &AppState,
    headers: &HeaderMap,
    client_ip: &str,
    route: &str,
) -> ApiResult<()> {
    let config = state.config();
    if config.dev {
        return Ok(());
    }
    let Some(expected) = config.operator_token.as_deref() else {
        return Err(ApiError::not_found(format!(
            "{route} is part of the operator API, which is off: set operator_token in the configuration file or EDUGRAPH_OPERATOR_TOKEN to enable it (or run with --dev)."
        )));
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or("\u{fffd}"));
    let token = match bearer_token(presented) {
        Ok(token) => token,
        Err(e) => {
            let mut err = ApiError::unauthorized(format!(
                "The operator API needs an Authorization: Bearer header with the operator token. {e}"
            ));
            err.www_authenticate = Some("Bearer realm=\"edugraph-operator\"".into());
            return Err(err);
        }
    };
    if !same_secret(token, expected) {
        let record = AuditRecord {
            client_ip: Some(client_ip.to_string()).filter(|ip| ip != "unknown"),
            outcome: audit::FAILURE.into(),
            ..audit::entry(
                None,
                "anonymous",
                "operatorRefused",
                None,
                json!({"route": route}),
                state.clock().now(),
            )
        };
        audit::record(state.store(), record).await;
        return Err(ApiError::forbidden(
            "The operator token presented is not the configured one.",
        ));
    }
    Ok(())
}

/// Compares two secrets in time independent of where they differ and of their lengths
/// (both are hashed to 32 bytes first).
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "a"));
    }
}
