//! The audit log and signing-key retirement.

use crate::support::{id, tenant};
use edugraph_store::{AuditRecord, SigningKeyRecord, Store, StoreError};
use serde_json::json;

fn record(tenant: Option<&str>, action: &str) -> AuditRecord {
    AuditRecord {
        seq: 0,
        tenant: tenant.map(str::to_string),
        at: "2025-01-01T00:00:00Z".into(),
        actor: "cli".into(),
        action: action.into(),
        target: Some(id()),
        outcome: "success".into(),
        client_ip: Some("127.0.0.1".into()),
        detail: json!({"permissions": ["EduRoster.Read.All"], "note": "it's \"quoted\""}),
    }
}

pub async fn audit_appends_in_order_and_filters_by_tenant(s: &dyn Store, t: &str) {
    let other = tenant();
    let mut mine = Vec::new();
    let mut seqs = Vec::new();
    for (i, tenant) in [Some(t), Some(other.as_str()), None, Some(t), Some(t)]
        .into_iter()
        .enumerate()
    {
        let mut r = record(tenant, &format!("action{i}"));
        if i == 3 {
            r.target = None;
            r.client_ip = None;
            r.outcome = "failure".into();
            r.detail = json!(null);
        }
        let seq = s.append_audit(&r).await.unwrap();
        r.seq = seq;
        seqs.push(seq);
        if tenant == Some(t) {
            mine.push(r);
        }
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");

    // One tenant's entries, in order, paged by sequence number.
    assert_eq!(s.audit(Some(t), 0, 100).await.unwrap(), mine);
    assert_eq!(s.audit(Some(t), 0, 2).await.unwrap(), mine[..2]);
    assert_eq!(s.audit(Some(t), mine[1].seq, 100).await.unwrap(), mine[2..]);
    assert!(s.audit(Some(t), mine[2].seq, 100).await.unwrap().is_empty());
    assert!(s.audit(Some(&tenant()), 0, 100).await.unwrap().is_empty());
    let theirs = s.audit(Some(&other), 0, 100).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].action, "action1");

    // Without a tenant: everything, server-wide entries included (other cases' entries
    // may be interleaved, so look only past our first one).
    let all = s.audit(None, seqs[0] - 1, 10_000).await.unwrap();
    let ours: Vec<i64> = all
        .iter()
        .map(|r| r.seq)
        .filter(|q| seqs.contains(q))
        .collect();
    assert_eq!(ours, seqs);
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    let server_wide = all.iter().find(|r| r.seq == seqs[2]).unwrap();
    assert_eq!(server_wide.tenant, None);
    assert_eq!(server_wide.action, "action2");
    assert_eq!(s.audit(None, seqs[0] - 1, 1).await.unwrap().len(), 1);
}

pub async fn signing_keys_retire_once(s: &dyn Store, _t: &str) {
    let kid = format!("kid-{}", id());
    s.put_signing_key(&SigningKeyRecord {
        kid: kid.clone(),
        private_pem: "pem".into(),
        created_at: "2025-01-01T00:00:00Z".into(),
        retired_at: None,
    })
    .await
    .unwrap();
    s.retire_signing_key(&kid, "2025-02-01T00:00:00Z")
        .await
        .unwrap();
    s.retire_signing_key(&kid, "2025-03-01T00:00:00Z")
        .await
        .unwrap();
    let key = s
        .signing_keys()
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.kid == kid)
        .unwrap();
    assert_eq!(key.retired_at.as_deref(), Some("2025-02-01T00:00:00Z"));
    assert!(matches!(
        s.retire_signing_key(&format!("kid-{}", id()), "2025-02-01T00:00:00Z")
            .await,
        Err(StoreError::NotFound)
    ));
}
