//! Appending to the audit log without ever failing the action being recorded: a store
//! error is logged (with the entry's action and tenant) and swallowed. Shared by the CLI,
//! the operator API, the identity endpoints and the refusals of the Graph surface (401
//! for a rejected token, 403 for a missing permission or class role), which are written
//! off the request path by [`spawn_record`].

use std::sync::Arc;

use axum::http::request::Parts;
use edugraph_edu::Caller;
use edugraph_store::{AuditRecord, Store};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::AppState;

/// Outcome values of [`AuditRecord::outcome`].
pub const SUCCESS: &str = "success";
pub const FAILURE: &str = "failure";

/// Actor of entries written by the command line.
pub const CLI_ACTOR: &str = "cli";
/// Actor of entries written through the operator API.
pub const OPERATOR_ACTOR: &str = "operator";
/// Actor of refusals whose caller could not be identified (a rejected token).
pub const ANONYMOUS_ACTOR: &str = "anonymous";

/// Action of a Graph call refused for a missing permission or class role (403).
pub const ACCESS_DENIED: &str = "accessDenied";
/// Action of a Graph call whose bearer token was presented and rejected (401).
pub const TOKEN_REJECTED: &str = "tokenRejected";

/// Appends `record`; on failure logs it and returns `None` instead of an error.
pub async fn record(store: &dyn Store, record: AuditRecord) -> Option<i64> {
    match store.append_audit(&record).await {
        Ok(seq) => Some(seq),
        Err(e) => {
            tracing::error!(
                error = %e,
                action = %record.action,
                tenant = record.tenant.as_deref().unwrap_or("-"),
                "cannot append to the audit log"
            );
            None
        }
    }
}

/// A successful action by `actor` at `at` (seq 0, no client address).
pub fn entry(
    tenant: Option<&str>,
    actor: &str,
    action: &str,
    target: Option<&str>,
    detail: Value,
    at: OffsetDateTime,
) -> AuditRecord {
    AuditRecord {
        seq: 0,
        tenant: tenant.map(str::to_string),
        at: timestamp(at),
        actor: actor.to_string(),
        action: action.to_string(),
        target: target.map(str::to_string),
        outcome: SUCCESS.to_string(),
        client_ip: None,
        detail,
    }
}

/// Appends `record` on a task of its own, so the refused request answers without waiting
/// for the write; [`record`] logs a failure instead of returning it.
pub fn spawn_record(store: Arc<dyn Store>, entry: AuditRecord) {
    tokio::spawn(async move {
        record(store.as_ref(), entry).await;
    });
}

/// A refusal of a Graph request, stamped at `at`: outcome `failure`, the target is the
/// method and path of the request (never the query string, which may carry ids of
/// others' data and is not needed to say what was refused), and the client address when
/// the connection is known.
pub fn refusal(
    parts: &Parts,
    tenant: Option<&str>,
    actor: &str,
    action: &str,
    detail: Value,
    at: OffsetDateTime,
) -> AuditRecord {
    let target = format!("{} {}", parts.method, parts.uri.path());
    AuditRecord {
        outcome: FAILURE.to_string(),
        client_ip: edugraph_platform::forwarded::client_ip(&parts.extensions)
            .map(|ip| ip.to_string()),
        ..entry(tenant, actor, action, Some(&target), detail, at)
    }
}

/// Records, off the request path, a Graph request refused with 403: `reason` is the
/// refusal message (it names the permission or class that was missing) and the request id
/// ties the entry to the response the client saw.
pub fn access_denied(state: &AppState, parts: &Parts, caller: &Caller, reason: &str) {
    let request_id = edugraph_platform::error::REQUEST_IDS
        .try_with(|ids| ids.request_id.clone())
        .unwrap_or_default();
    let entry = refusal(
        parts,
        Some(caller.tenant()),
        caller_actor(caller),
        ACCESS_DENIED,
        serde_json::json!({"reason": reason, "requestId": request_id}),
        state.clock().now(),
    );
    spawn_record(state.store_arc(), entry);
}

/// Who a refused caller is in the log: the signed-in user, else the application.
pub fn caller_actor(caller: &Caller) -> &str {
    match caller {
        Caller::User { user_id, .. } => user_id,
        Caller::App { app_id, .. } => app_id,
    }
}

/// How identity records stamp times: RFC 3339 in UTC to the second (`...T10:00:00Z`), so
/// stored times of one shape compare correctly as text.
pub fn timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .format(&Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    #[test]
    fn timestamps_are_utc_seconds() {
        assert_eq!(
            timestamp(datetime!(2025-03-04 05:06:07.891 +02:00)),
            "2025-03-04T03:06:07Z"
        );
    }

    #[tokio::test]
    async fn records_append_with_their_sequence_number() {
        let store = edugraph_store::open("sqlite::memory:").await.unwrap();
        let at = datetime!(2025-01-01 00:00:00 UTC);
        let e = entry(
            Some("t1"),
            CLI_ACTOR,
            "tenantCreated",
            Some("t1"),
            json!({"domain": "x.edu"}),
            at,
        );
        let seq = record(store.as_ref(), e.clone()).await.expect("appended");
        let got = store.audit(Some("t1"), 0, 10).await.unwrap();
        assert_eq!(got, vec![AuditRecord { seq, ..e }]);
    }
}
