//! Audit entries of the identity endpoints: every sign-in, consent decision and refusal
//! becomes one record through the audit helper, which never fails the request.

use edugraph_store::AuditRecord;
use serde_json::Value;

use super::error::OAuthError;
use crate::AppState;

/// One identity event before it is stamped.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    pub tenant: Option<&'a str>,
    /// A user id, a client id, or the username tried.
    pub actor: &'a str,
    pub action: &'static str,
    pub target: Option<&'a str>,
    pub success: bool,
    pub client_ip: &'a str,
    pub detail: Value,
}

/// Appends the event to the audit log.
pub async fn record(state: &AppState, event: Event<'_>) {
    let at = crate::audit::timestamp(state.clock().now());
    let record = AuditRecord {
        seq: 0,
        tenant: event.tenant.map(str::to_string),
        at,
        actor: event.actor.to_string(),
        action: event.action.to_string(),
        target: event.target.map(str::to_string),
        outcome: if event.success {
            crate::audit::SUCCESS
        } else {
            crate::audit::FAILURE
        }
        .to_string(),
        client_ip: Some(event.client_ip.to_string()).filter(|ip| ip != "unknown"),
        detail: event.detail,
    };
    // Never fails the request it records (a store error is logged).
    crate::audit::record(state.store(), record).await;
}

/// The detail of a refusal: the OAuth error and its AADSTS code.
pub fn refusal(err: &OAuthError) -> Value {
    serde_json::json!({"error": err.error, "code": format!("AADSTS{}", err.code), "reason": err.message})
}
