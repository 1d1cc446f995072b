//! App registrations, their secrets, and admin-consent grants.

use crate::support::{id, tenant};
use edugraph_store::{AppRecord, AppSecretRecord, GrantRecord, Store, StoreError};

pub fn app(tenant: &str, created_at: &str) -> AppRecord {
    AppRecord {
        client_id: id(),
        home_tenant: tenant.to_string(),
        display_name: "Grade sync \"v2\"".into(),
        redirect_uris: vec![
            "https://app.example/cb".into(),
            "http://localhost:8400".into(),
        ],
        app_permissions: vec![
            "EduRoster.Read.All".into(),
            "EduAssignments.ReadWrite.All".into(),
        ],
        delegated_permissions: vec!["EduRoster.ReadBasic".into()],
        created_at: created_at.into(),
        public_client: false,
    }
}

fn secret(client_id: &str, created_at: &str) -> AppSecretRecord {
    AppSecretRecord {
        client_id: client_id.into(),
        secret_id: id(),
        hash: format!("{:064x}", rand_u128()),
        hint: "abc".into(),
        created_at: created_at.into(),
        expires_at: Some("2099-01-01T00:00:00Z".into()),
        revoked_at: None,
    }
}

fn rand_u128() -> u128 {
    uuid::Uuid::new_v4().as_u128()
}

pub async fn apps_register_once_and_list_by_tenant(s: &dyn Store, t: &str) {
    let other = tenant();
    let a = app(t, "2025-01-01T00:00:02Z");
    let b = app(t, "2025-01-01T00:00:01Z");
    let c = app(&other, "2025-01-01T00:00:00Z");
    for x in [&a, &b, &c] {
        s.put_app(x).await.unwrap();
    }
    assert_eq!(s.app(&a.client_id).await.unwrap().as_ref(), Some(&a));
    assert!(s.app(&id()).await.unwrap().is_none());

    // A taken client id is a conflict and changes nothing.
    let mut again = app(&other, "2025-02-01T00:00:00Z");
    again.client_id = a.client_id.clone();
    let err = s.put_app(&again).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref p) if p == "clientId"),
        "{err:?}"
    );
    assert_eq!(s.app(&a.client_id).await.unwrap().as_ref(), Some(&a));

    // Listing by home tenant: oldest first, other tenants' apps left out.
    assert_eq!(s.apps(Some(t)).await.unwrap(), vec![b.clone(), a.clone()]);
    assert_eq!(s.apps(Some(&other)).await.unwrap(), vec![c.clone()]);
    assert!(s.apps(Some(&tenant())).await.unwrap().is_empty());
    let all = s.apps(None).await.unwrap();
    for x in [&a, &b, &c] {
        assert!(all.contains(x));
    }
    let pos = |x: &AppRecord| all.iter().position(|y| y == x).unwrap();
    assert!(pos(&c) < pos(&b) && pos(&b) < pos(&a));

    // Empty lists round-trip as empty lists.
    let mut bare = app(t, "2025-01-01T00:00:03Z");
    bare.redirect_uris.clear();
    bare.app_permissions.clear();
    bare.delegated_permissions.clear();
    s.put_app(&bare).await.unwrap();
    assert_eq!(s.app(&bare.client_id).await.unwrap(), Some(bare));

    // The client kind round-trips.
    let mut public = app(t, "2025-01-01T00:00:04Z");
    public.public_client = true;
    s.put_app(&public).await.unwrap();
    assert_eq!(s.app(&public.client_id).await.unwrap(), Some(public));
}

pub async fn secrets_are_added_listed_and_revoked(s: &dyn Store, t: &str) {
    let a = app(t, "2025-01-01T00:00:00Z");
    s.put_app(&a).await.unwrap();
    let first = secret(&a.client_id, "2025-01-01T00:00:01Z");
    let mut second = secret(&a.client_id, "2025-01-01T00:00:02Z");
    second.expires_at = None;
    s.add_app_secret(&second).await.unwrap();
    s.add_app_secret(&first).await.unwrap();
    assert_eq!(
        s.app_secrets(&a.client_id).await.unwrap(),
        vec![first.clone(), second.clone()]
    );

    // Unknown app: not found, nothing stored. Taken secret id: conflict.
    let stray = secret(&id(), "2025-01-01T00:00:03Z");
    assert!(matches!(
        s.add_app_secret(&stray).await,
        Err(StoreError::NotFound)
    ));
    assert!(s.app_secrets(&stray.client_id).await.unwrap().is_empty());
    let mut dup = secret(&a.client_id, "2025-01-01T00:00:04Z");
    dup.secret_id = first.secret_id.clone();
    let err = s.add_app_secret(&dup).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref p) if p == "secretId"),
        "{err:?}"
    );

    // Revoking marks only that secret, keeps the first time, and needs the right app.
    s.revoke_app_secret(&a.client_id, &first.secret_id, "2025-03-01T00:00:00Z")
        .await
        .unwrap();
    s.revoke_app_secret(&a.client_id, &first.secret_id, "2025-04-01T00:00:00Z")
        .await
        .unwrap();
    let secrets = s.app_secrets(&a.client_id).await.unwrap();
    assert_eq!(
        secrets[0].revoked_at.as_deref(),
        Some("2025-03-01T00:00:00Z")
    );
    assert_eq!(secrets[1], second);
    assert!(matches!(
        s.revoke_app_secret(&a.client_id, &id(), "2025-03-01T00:00:00Z")
            .await,
        Err(StoreError::NotFound)
    ));
    let b = app(t, "2025-01-01T00:00:00Z");
    s.put_app(&b).await.unwrap();
    assert!(matches!(
        s.revoke_app_secret(&b.client_id, &second.secret_id, "2025-03-01T00:00:00Z")
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.app_secrets(&a.client_id).await.unwrap()[1].revoked_at,
        None
    );
}

pub async fn grants_are_per_tenant_and_replaced(s: &dyn Store, t: &str) {
    let other = tenant();
    let a = app(t, "2025-01-01T00:00:00Z");
    s.put_app(&a).await.unwrap();
    let grant = GrantRecord {
        tenant: t.into(),
        client_id: a.client_id.clone(),
        permissions: vec!["EduRoster.Read.All".into()],
        granted_by: "cli".into(),
        granted_at: "2025-01-01T00:00:00Z".into(),
    };
    s.put_grant(&grant).await.unwrap();
    assert_eq!(
        s.grant(t, &a.client_id).await.unwrap().as_ref(),
        Some(&grant)
    );
    // Consent in one tenant is nothing in another.
    assert!(s.grant(&other, &a.client_id).await.unwrap().is_none());

    let wider = GrantRecord {
        permissions: vec![
            "EduRoster.Read.All".into(),
            "EduAssignments.ReadWrite.All".into(),
        ],
        granted_by: id(),
        granted_at: "2025-02-01T00:00:00Z".into(),
        ..grant.clone()
    };
    s.put_grant(&wider).await.unwrap();
    assert_eq!(s.grant(t, &a.client_id).await.unwrap(), Some(wider.clone()));
    let theirs = GrantRecord {
        tenant: other.clone(),
        ..grant.clone()
    };
    s.put_grant(&theirs).await.unwrap();

    // Deleting one tenant's grant leaves the other's; deleting again is fine.
    s.delete_grant(t, &a.client_id).await.unwrap();
    s.delete_grant(t, &a.client_id).await.unwrap();
    assert!(s.grant(t, &a.client_id).await.unwrap().is_none());
    assert_eq!(s.grant(&other, &a.client_id).await.unwrap(), Some(theirs));
}
