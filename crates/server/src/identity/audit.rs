//! Appending to the audit log without ever failing the action being recorded: a store
//! error is logged (with the entry's action and tenant) and swallowed. Shared by the CLI,
//! the operator API and the identity endpoints.

use edugraph_store::{AuditRecord, Store};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Outcome values of [`AuditRecord::outcome`].
pub const SUCCESS: &str = "success";
pub const FAILURE: &str = "failure";

/// Actor of entries written by the command line.
pub const CLI_ACTOR: &str = "cli";
/// Actor of entries written through the operator API.
pub const OPERATOR_ACTOR: &str = "operator";

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
