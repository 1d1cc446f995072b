//! Creating and finding tenants. A tenant gets a fresh UUID and a primary verified domain
//! (more with `admin::domains`); a domain names it in URLs as well as its id does, so
//! domains are unique (ignoring case) and never look like an id or one of Entra's
//! multi-tenant aliases.

use edugraph_store::{Store, TenantRecord};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{AdminError, AdminResult};
use crate::audit;
use crate::auth::issue::resolve_tenant;

/// Longest display name accepted (Entra's limit for organization names).
const MAX_DISPLAY_NAME: usize = 256;

/// The tenant named by id or domain, or the store's only tenant.
pub async fn resolve(store: &dyn Store, name: Option<&str>) -> AdminResult<TenantRecord> {
    Ok(resolve_tenant(store, name).await?)
}

/// Creates a tenant with a new id and records it in the audit log.
pub async fn create(
    store: &dyn Store,
    display_name: &str,
    domain: &str,
    actor: &str,
    now: OffsetDateTime,
) -> AdminResult<TenantRecord> {
    let display_name = display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > MAX_DISPLAY_NAME {
        return Err(AdminError::Invalid(format!(
            "The tenant's display name must be 1 to {MAX_DISPLAY_NAME} characters."
        )));
    }
    let domain = check_domain(domain)?;
    let existing = store.tenants().await?;
    if let Some(t) = existing
        .iter()
        .find(|t| t.domain.eq_ignore_ascii_case(&domain) || t.id.eq_ignore_ascii_case(&domain))
    {
        return Err(AdminError::Conflict(format!(
            "The domain {domain} already belongs to tenant {} ({}).",
            t.id, t.display_name
        )));
    }
    if let Some(owner) = store.domain_owner(&domain).await? {
        return Err(AdminError::Conflict(format!(
            "The domain {domain} is already verified by tenant {owner}."
        )));
    }
    let tenant = TenantRecord {
        id: uuid::Uuid::new_v4().to_string(),
        display_name: display_name.to_string(),
        domain,
    };
    store.put_tenant(&tenant).await?;
    audit::record(
        store,
        audit::entry(
            Some(&tenant.id),
            actor,
            "tenantCreated",
            Some(&tenant.id),
            json!({"displayName": tenant.display_name, "domain": tenant.domain}),
            now,
        ),
    )
    .await;
    Ok(tenant)
}

/// A tenant as the CLI and the operator API show it.
pub fn to_json(t: &TenantRecord) -> Value {
    json!({"tenantId": t.id, "displayName": t.display_name, "domain": t.domain})
}

/// A DNS name of at least two labels (`school.edu`), lower-cased.
pub fn check_domain(domain: &str) -> AdminResult<String> {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let bad = |why: &str| {
        Err(AdminError::Invalid(format!(
            "{domain:?} is not a valid domain name: {why}."
        )))
    };
    if domain.is_empty() || domain.len() > 253 {
        return bad("it must be 1 to 253 characters");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return bad("it needs at least two labels, like school.edu");
    }
    for label in &labels {
        let ok = !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return bad("each label is 1 to 63 letters, digits or inner hyphens");
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return bad("the last label cannot be numeric");
    }
    Ok(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_dns_names() {
        assert_eq!(check_domain(" Contoso.EDU. ").unwrap(), "contoso.edu");
        assert_eq!(
            check_domain("a-b.school.example").unwrap(),
            "a-b.school.example"
        );
        for bad in [
            "",
            "localhost",
            "common",
            "a..b",
            "-a.edu",
            "a-.edu",
            "a_b.edu",
            "1.2.3.4",
            "é.edu",
            "a b.edu",
        ] {
            assert!(check_domain(bad).is_err(), "{bad}");
        }
        assert!(check_domain(&format!("{}.edu", "a".repeat(64))).is_err());
    }

    #[tokio::test]
    async fn create_checks_names_and_domain_uniqueness_and_audits() {
        let store = edugraph_store::open("sqlite::memory:").await.unwrap();
        let s = store.as_ref();
        let now = OffsetDateTime::UNIX_EPOCH;
        let t = create(s, " North District ", "North.edu", "cli", now)
            .await
            .unwrap();
        assert_eq!(t.display_name, "North District");
        assert_eq!(t.domain, "north.edu");
        assert!(uuid::Uuid::parse_str(&t.id).is_ok());

        let err = create(s, "Again", "NORTH.edu", "cli", now)
            .await
            .unwrap_err();
        assert!(matches!(err, AdminError::Conflict(_)), "{err:?}");
        assert!(matches!(
            create(s, "  ", "south.edu", "cli", now).await,
            Err(AdminError::Invalid(_))
        ));
        assert!(matches!(
            create(s, "South", "south", "cli", now).await,
            Err(AdminError::Invalid(_))
        ));
        assert_eq!(s.tenants().await.unwrap(), vec![t.clone()]);

        let log = s.audit(None, 0, 10).await.unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].action, "tenantCreated");
        assert_eq!(log[0].tenant.as_deref(), Some(t.id.as_str()));
        assert_eq!(resolve(s, Some("NORTH.EDU")).await.unwrap(), t);
        assert_eq!(resolve(s, None).await.unwrap(), t);
    }
}
