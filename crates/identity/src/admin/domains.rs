//! A tenant's verified domains beyond its primary one (`edugraph tenant domain`, the
//! operator API's `/_edugraph/tenants/{id}/domains`). A principal name may use any of
//! them, and School Data Sync profiles may only name them in `userDomains`. Nothing here
//! checks DNS: edugraph is the directory, so an operator's word verifies a domain.

use edugraph_store::{Store, StoreError, TenantRecord};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::tenants::{check_domain, resolve};
use super::{AdminError, AdminResult};
use crate::audit;

/// Verifies `domain` for the tenant named by id or domain (or the store's only tenant).
/// Adding a domain the tenant has already is not an error: `added` says whether anything
/// changed, and only a change is audited.
pub async fn add(
    store: &dyn Store,
    tenant: Option<&str>,
    domain: &str,
    actor: &str,
    now: OffsetDateTime,
) -> AdminResult<(TenantRecord, String, bool)> {
    let domain = check_domain(domain)?;
    let tenant = resolve(store, tenant).await?;
    let added = match store
        .add_tenant_domain(&tenant.id, &domain, &audit::timestamp(now))
        .await
    {
        Ok(added) => added,
        Err(StoreError::Conflict(_)) => {
            return Err(AdminError::Conflict(format!(
                "The domain {domain} is already verified by another tenant."
            )))
        }
        Err(e) => return Err(e.into()),
    };
    if added {
        audit::record(
            store,
            audit::entry(
                Some(&tenant.id),
                actor,
                "tenantDomainAdded",
                Some(&tenant.id),
                json!({"domain": domain}),
                now,
            ),
        )
        .await;
    }
    Ok((tenant, domain, added))
}

/// The tenant's verified domains, the primary one first.
pub async fn list(store: &dyn Store, tenant: &TenantRecord) -> AdminResult<Vec<String>> {
    Ok(store.tenant_domains(&tenant.id).await?)
}

/// One domain as the CLI's `--json` and the operator API show it.
pub fn to_json(tenant: &TenantRecord, domain: &str) -> Value {
    json!({
        "tenantId": tenant.id,
        "domain": domain,
        "isPrimary": tenant.domain.eq_ignore_ascii_case(domain),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::tenants::create;

    #[tokio::test]
    async fn a_domain_belongs_to_one_tenant_and_adding_it_twice_changes_nothing() {
        let store = edugraph_store::open("sqlite::memory:").await.unwrap();
        let s = store.as_ref();
        let now = OffsetDateTime::UNIX_EPOCH;
        let north = create(s, "North", "north.edu", "cli", now).await.unwrap();
        let south = create(s, "South", "south.edu", "cli", now).await.unwrap();

        let (t, d, added) = add(s, Some("north.edu"), "Students.North.EDU", "cli", now)
            .await
            .unwrap();
        assert_eq!(
            (t.id.as_str(), d.as_str(), added),
            (north.id.as_str(), "students.north.edu", true)
        );
        let (_, _, again) = add(s, Some(&north.id), "students.north.edu", "cli", now)
            .await
            .unwrap();
        assert!(!again);
        assert_eq!(
            list(s, &north).await.unwrap(),
            vec!["north.edu".to_string(), "students.north.edu".to_string()]
        );

        // Another tenant's domain, primary or not, is refused.
        for taken in ["students.north.edu", "NORTH.edu"] {
            let err = add(s, Some(&south.id), taken, "cli", now)
                .await
                .unwrap_err();
            assert!(matches!(err, AdminError::Conflict(_)), "{taken}: {err:?}");
        }
        assert!(matches!(
            add(s, Some(&south.id), "not a domain", "cli", now).await,
            Err(AdminError::Invalid(_))
        ));
        assert!(matches!(
            add(s, Some("nowhere.edu"), "x.edu", "cli", now).await,
            Err(AdminError::NotFound(_))
        ));
        assert_eq!(
            list(s, &south).await.unwrap(),
            vec!["south.edu".to_string()]
        );
        // A new tenant cannot take a domain another one verified.
        assert!(matches!(
            create(s, "Third", "students.north.edu", "cli", now).await,
            Err(AdminError::Conflict(_))
        ));
        // The extra domain names the tenant wherever a domain does.
        assert_eq!(resolve(s, Some("students.north.edu")).await.unwrap(), north);

        let log = s.audit(None, 0, 10).await.unwrap();
        let added: Vec<_> = log
            .iter()
            .filter(|r| r.action == "tenantDomainAdded")
            .collect();
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].tenant.as_deref(), Some(north.id.as_str()));
    }
}
