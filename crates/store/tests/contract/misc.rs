//! Tenants, isolation, secrets, signing keys, health.

use crate::support::{all, class, id, ids, tenant, user};
use edugraph_store::{
    EntityKind, Relation, Scope, SigningKeyRecord, Store, StoreError, TenantRecord,
};
use serde_json::json;

pub async fn tenants_are_isolated(s: &dyn Store, a: &str) {
    let b = tenant();
    let (u, c) = (id(), id());
    s.create(
        a,
        EntityKind::User,
        &user(&u, "same@x.edu", json!({"externalId": "E1"})),
    )
    .await
    .unwrap();
    s.create(a, EntityKind::Class, &class(&c, "c", json!({})))
        .await
        .unwrap();
    s.add_link(a, Relation::ClassMembers, &c, &u).await.unwrap();
    s.set_password_hash(a, &u, "hash-a").await.unwrap();

    // B sees none of A's entities, links, changes or secrets...
    assert!(s
        .get(b.as_str(), EntityKind::User, &u)
        .await
        .unwrap()
        .is_none());
    assert!(ids(s, &b, &all(EntityKind::User)).await.is_empty());
    assert!(s
        .get_many(&b, EntityKind::User, std::slice::from_ref(&u))
        .await
        .unwrap()
        .is_empty());
    assert!(!s
        .has_link(&b, Relation::ClassMembers, &c, &u)
        .await
        .unwrap());
    assert_eq!(s.latest_seq(&b).await.unwrap(), 0);
    assert!(s
        .changes(&b, EntityKind::User, None, 0, i64::MAX, 100)
        .await
        .unwrap()
        .is_empty());
    assert!(s.password_hash(&b, &u).await.unwrap().is_none());
    assert!(s.tenant_is_empty(&b).await.unwrap());
    let q = edugraph_store::ListQuery {
        scope: Scope::Outgoing(Relation::ClassMembers, c.clone()),
        ..all(EntityKind::User)
    };
    assert!(ids(s, &b, &q).await.is_empty());
    // ...cannot touch them...
    assert!(matches!(
        s.delete(&b, EntityKind::User, &u).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.add_link(&b, Relation::ClassMembers, &c, &u).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.remove_link(&b, Relation::ClassMembers, &c, &u).await,
        Err(StoreError::NotFound)
    ));
    // ...and may reuse the same ids and unique names.
    s.create(&b, EntityKind::User, &user(&u, "same@x.edu", json!({})))
        .await
        .unwrap();
    s.create(&b, EntityKind::Class, &class(&c, "c", json!({})))
        .await
        .unwrap();
    s.add_link(&b, Relation::ClassMembers, &c, &u)
        .await
        .unwrap();
    s.delete(&b, EntityKind::User, &u).await.unwrap();
    // A is untouched.
    assert!(s.get(a, EntityKind::User, &u).await.unwrap().is_some());
    assert!(s.has_link(a, Relation::ClassMembers, &c, &u).await.unwrap());
    assert_eq!(
        s.password_hash(a, &u).await.unwrap().as_deref(),
        Some("hash-a")
    );
}

pub async fn tenant_records_and_emptiness(s: &dyn Store, t: &str) {
    let rec = TenantRecord {
        id: t.to_string(),
        display_name: "Contoso".into(),
        domain: "contoso.edu".into(),
    };
    s.put_tenant(&rec).await.unwrap();
    let found = s.tenants().await.unwrap().into_iter().find(|r| r.id == t);
    assert_eq!(found.as_ref(), Some(&rec));
    let renamed = TenantRecord {
        display_name: "Contoso Schools".into(),
        ..rec.clone()
    };
    s.put_tenant(&renamed).await.unwrap();
    let all = s.tenants().await.unwrap();
    assert_eq!(
        all.iter().filter(|r| r.id == t).collect::<Vec<_>>(),
        vec![&renamed]
    );
    let mut sorted = all.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    sorted.sort();
    assert_eq!(
        sorted,
        all.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        "tenants are ordered by id"
    );

    assert!(s.tenant_is_empty(t).await.unwrap());
    s.create(t, EntityKind::School, &json!({"id": id()}))
        .await
        .unwrap();
    assert!(!s.tenant_is_empty(t).await.unwrap());
}

pub async fn verified_domains_belong_to_one_tenant(s: &dyn Store, t: &str) {
    assert_eq!(s.tenant_domains(t).await.unwrap(), Vec::<String>::new());
    let other = tenant();
    for (id, domain) in [
        (t, format!("{t}.edu")),
        (other.as_str(), format!("{other}.edu")),
    ] {
        let rec = TenantRecord {
            id: id.to_string(),
            display_name: "District".into(),
            domain,
        };
        s.put_tenant(&rec).await.unwrap();
    }
    let at = "2025-01-01T00:00:00Z";
    let extra = format!("students.{t}.edu");
    assert!(s
        .add_tenant_domain(t, &extra.to_uppercase(), at)
        .await
        .unwrap());
    assert!(
        !s.add_tenant_domain(t, &extra, at).await.unwrap(),
        "already there"
    );
    // Names that are the tenant's own primary domain count as had.
    assert!(!s
        .add_tenant_domain(t, &format!("{t}.edu"), at)
        .await
        .unwrap());
    for taken in [extra.clone(), format!("{t}.edu")] {
        let err = s.add_tenant_domain(&other, &taken, at).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict(ref p) if p == "domain"),
            "{taken}: {err:?}"
        );
    }
    assert_eq!(
        s.tenant_domains(t).await.unwrap(),
        vec![format!("{t}.edu"), extra.clone()],
        "the primary domain first"
    );
    assert_eq!(
        s.tenant_domains(&other).await.unwrap(),
        vec![format!("{other}.edu")]
    );
    assert_eq!(
        s.domain_owner(&extra.to_uppercase())
            .await
            .unwrap()
            .as_deref(),
        Some(t)
    );
    assert_eq!(
        s.domain_owner(&format!("{other}.edu")).await.unwrap(),
        Some(other.clone())
    );
    assert_eq!(
        s.domain_owner(&format!("nobody.{t}.edu")).await.unwrap(),
        None
    );
}

pub async fn issuer_base_is_recorded_once(s: &dyn Store, t: &str) {
    assert_eq!(
        s.record_issuer_base(t, "http://a.example", false)
            .await
            .unwrap(),
        None,
        "no tenant, nothing recorded"
    );
    s.put_tenant(&TenantRecord {
        id: t.to_string(),
        display_name: "Issuer".into(),
        domain: "issuer.edu".into(),
    })
    .await
    .unwrap();
    let record = |base: &'static str, replace| s.record_issuer_base(t, base, replace);
    assert_eq!(
        record("http://a.example", false).await.unwrap().as_deref(),
        Some("http://a.example")
    );
    // The first recorded base stays unless replaced; renaming the tenant keeps it.
    assert_eq!(
        record("http://b.example", false).await.unwrap().as_deref(),
        Some("http://a.example")
    );
    s.put_tenant(&TenantRecord {
        id: t.to_string(),
        display_name: "Issuer renamed".into(),
        domain: "issuer.edu".into(),
    })
    .await
    .unwrap();
    assert_eq!(
        record("http://c.example", false).await.unwrap().as_deref(),
        Some("http://a.example")
    );
    assert_eq!(
        record("https://public.example", true)
            .await
            .unwrap()
            .as_deref(),
        Some("https://public.example")
    );
    assert_eq!(
        record("http://d.example", false).await.unwrap().as_deref(),
        Some("https://public.example")
    );
    s.clear_tenant(t).await.unwrap();
    assert_eq!(
        record("http://e.example", false).await.unwrap().as_deref(),
        Some("https://public.example"),
        "clearing the tenant's data keeps its issuer"
    );
}

pub async fn clear_tenant_removes_everything_of_the_tenant_only(s: &dyn Store, t: &str) {
    let other = tenant();
    for tn in [t, other.as_str()] {
        s.put_tenant(&TenantRecord {
            id: tn.into(),
            display_name: "T".into(),
            domain: "t.edu".into(),
        })
        .await
        .unwrap();
        s.create(tn, EntityKind::User, &user("u1", "u1@t.edu", json!({})))
            .await
            .unwrap();
        s.create(tn, EntityKind::Class, &class("c1", "c1", json!({})))
            .await
            .unwrap();
        s.add_link(tn, Relation::ClassMembers, "c1", "u1")
            .await
            .unwrap();
        s.set_password_hash(tn, "u1", "h").await.unwrap();
    }
    // Read once so that any cache holds the documents.
    assert!(s.get(t, EntityKind::User, "u1").await.unwrap().is_some());
    s.clear_tenant(t).await.unwrap();
    assert!(s.tenant_is_empty(t).await.unwrap());
    assert!(s.get(t, EntityKind::User, "u1").await.unwrap().is_none());
    assert!(!s
        .has_link(t, Relation::ClassMembers, "c1", "u1")
        .await
        .unwrap());
    assert!(s.password_hash(t, "u1").await.unwrap().is_none());
    assert!(s
        .changes(t, EntityKind::User, None, 0, i64::MAX, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(
        s.tenants().await.unwrap().iter().any(|r| r.id == t),
        "the tenant row stays"
    );
    // The other tenant keeps everything.
    assert!(s
        .get(&other, EntityKind::User, "u1")
        .await
        .unwrap()
        .is_some());
    assert!(s
        .has_link(&other, Relation::ClassMembers, "c1", "u1")
        .await
        .unwrap());
    assert_eq!(
        s.password_hash(&other, "u1").await.unwrap().as_deref(),
        Some("h")
    );
    // The cleared tenant can be filled again with the same ids.
    s.create(t, EntityKind::User, &user("u1", "u1@t.edu", json!({})))
        .await
        .unwrap();
}

pub async fn secrets(s: &dyn Store, t: &str) {
    assert!(s.password_hash(t, "u").await.unwrap().is_none());
    s.set_password_hash(t, "u", "$argon2id$one").await.unwrap();
    assert_eq!(
        s.password_hash(t, "u").await.unwrap().as_deref(),
        Some("$argon2id$one")
    );
    s.set_password_hash(t, "u", "$argon2id$two").await.unwrap();
    assert_eq!(
        s.password_hash(t, "u").await.unwrap().as_deref(),
        Some("$argon2id$two")
    );
    assert!(s.password_hash(t, "v").await.unwrap().is_none());
}

pub async fn signing_keys(s: &dyn Store, _t: &str) {
    // Server-wide rows: find ours by their random kids among any others.
    let (k1, k2) = (id(), id());
    let old = SigningKeyRecord {
        kid: k1.clone(),
        private_pem: "-----BEGIN PRIVATE KEY-----\nA\n-----END PRIVATE KEY-----\n".into(),
        created_at: "2020-01-01T00:00:00Z".into(),
        retired_at: None,
    };
    let new = SigningKeyRecord {
        kid: k2.clone(),
        created_at: "2020-06-01T00:00:00Z".into(),
        ..old.clone()
    };
    s.put_signing_key(&old).await.unwrap();
    s.put_signing_key(&new).await.unwrap();
    let ours = |keys: Vec<SigningKeyRecord>| {
        keys.into_iter()
            .filter(|k| k.kid == k1 || k.kid == k2)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ours(s.signing_keys().await.unwrap()),
        vec![new.clone(), old.clone()],
        "newest first"
    );
    let retired = SigningKeyRecord {
        retired_at: Some("2020-07-01T00:00:00Z".into()),
        ..old.clone()
    };
    s.put_signing_key(&retired).await.unwrap();
    assert_eq!(ours(s.signing_keys().await.unwrap()), vec![new, retired]);
}

pub async fn health(s: &dyn Store, _t: &str) {
    s.health().await.unwrap();
}
