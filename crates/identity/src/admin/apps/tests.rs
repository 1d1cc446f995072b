use super::*;
use edugraph_store::TenantRecord;

async fn store_with_tenant() -> (std::sync::Arc<dyn Store>, TenantRecord) {
    let store = edugraph_store::open("sqlite::memory:").await.unwrap();
    let t = TenantRecord {
        id: "11111111-1111-4111-8111-111111111111".into(),
        display_name: "North".into(),
        domain: "north.edu".into(),
    };
    store.put_tenant(&t).await.unwrap();
    (store, t)
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn new_app() -> NewApp {
    NewApp {
        display_name: "Sync".into(),
        app_permissions: strings(&["EduRoster.Read.All", "eduroster.read.all"]),
        delegated_permissions: strings(&["EduRoster.ReadBasic"]),
        redirect_uris: strings(&["https://app.example/cb", "http://localhost:8400/cb"]),
        ..NewApp::default()
    }
}

#[tokio::test]
async fn create_stores_the_hash_and_audits() {
    let (store, t) = store_with_tenant().await;
    let s = store.as_ref();
    let now = OffsetDateTime::UNIX_EPOCH;
    let (app, secret) = create(s, &new_app(), "cli", now).await.unwrap();
    let secret = secret.expect("a confidential app gets a secret");
    assert!(!app.public_client);
    assert_eq!(app.home_tenant, t.id);
    assert_eq!(app.app_permissions, strings(&["EduRoster.Read.All"]));
    assert!(secret.secret.len() >= 40);
    assert!(secret
        .secret
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    let stored = s.app_secrets(&app.client_id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].hash, hash_hex(&secret.secret));
    assert_ne!(stored[0].hash, secret.secret);
    assert_eq!(stored[0].hint, &secret.secret[..3]);
    let log = s.audit(Some(&t.id), 0, 10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "appCreated");
    assert!(!log[0].detail.to_string().contains(&secret.secret));
}

#[tokio::test]
async fn bad_input_changes_nothing() {
    let (store, _) = store_with_tenant().await;
    let s = store.as_ref();
    let now = OffsetDateTime::UNIX_EPOCH;
    let cases = [
        NewApp {
            app_permissions: strings(&["EduRoster.Read"]),
            ..new_app()
        },
        NewApp {
            delegated_permissions: strings(&["Nope.Read"]),
            ..new_app()
        },
        NewApp {
            redirect_uris: strings(&["http://app.example/cb"]),
            ..new_app()
        },
        NewApp {
            redirect_uris: strings(&["javascript:alert(1)"]),
            ..new_app()
        },
        NewApp {
            redirect_uris: strings(&["https://app.example/cb#x"]),
            ..new_app()
        },
        NewApp {
            display_name: " ".into(),
            ..new_app()
        },
        NewApp {
            app_permissions: vec![],
            delegated_permissions: vec![],
            ..new_app()
        },
        NewApp {
            secret_days: Some(0),
            ..new_app()
        },
    ];
    for case in cases {
        assert!(
            matches!(
                create(s, &case, "cli", now).await,
                Err(AdminError::Invalid(_))
            ),
            "{case:?}"
        );
    }
    let unknown_tenant = NewApp {
        tenant: Some("south.edu".into()),
        ..new_app()
    };
    assert!(matches!(
        create(s, &unknown_tenant, "cli", now).await,
        Err(AdminError::NotFound(_))
    ));
    assert!(s.apps(None).await.unwrap().is_empty());
    assert!(s.audit(None, 0, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn secrets_rotate_and_consent_records_the_app_permissions() {
    let (store, t) = store_with_tenant().await;
    let s = store.as_ref();
    let now = OffsetDateTime::UNIX_EPOCH;
    let (app, first) = create(s, &new_app(), "cli", now).await.unwrap();
    let first = first.unwrap();
    let (_, second) = add_secret(s, &app.client_id, Some(30), "cli", now)
        .await
        .unwrap();
    assert_ne!(first.secret, second.secret);
    assert_eq!(
        second.record.expires_at.as_deref(),
        Some("1970-01-31T00:00:00Z")
    );
    revoke_secret(s, &app.client_id, &first.record.secret_id, "cli", now)
        .await
        .unwrap();
    let secrets = s.app_secrets(&app.client_id).await.unwrap();
    // Both secrets share a creation time, so find them by id.
    let by_id = |id: &str| secrets.iter().find(|x| x.secret_id == id).unwrap();
    assert!(by_id(&first.record.secret_id).revoked_at.is_some());
    assert!(by_id(&second.record.secret_id).revoked_at.is_none());
    assert!(matches!(
        revoke_secret(s, &app.client_id, "nope", "cli", now).await,
        Err(AdminError::NotFound(_))
    ));
    assert!(matches!(
        add_secret(s, "nope", None, "cli", now).await,
        Err(AdminError::NotFound(_))
    ));

    let grant = consent(s, &app.client_id, None, "cli", now).await.unwrap();
    assert_eq!(grant.tenant, t.id);
    assert_eq!(grant.permissions, app.app_permissions);
    assert_eq!(s.grant(&t.id, &app.client_id).await.unwrap(), Some(grant));
    let actions: Vec<String> = s
        .audit(None, 0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions,
        [
            "appCreated",
            "secretAdded",
            "secretRevoked",
            "consentGranted"
        ]
    );

    let listed = list_json(s, Some(&t.id)).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["consented"], true);
    assert_eq!(listed[0]["secrets"].as_array().unwrap().len(), 2);
    assert!(!listed[0].to_string().contains(&second.secret));
}

#[tokio::test]
async fn a_public_client_has_no_secret_and_gets_none() {
    let (store, t) = store_with_tenant().await;
    let s = store.as_ref();
    let now = OffsetDateTime::UNIX_EPOCH;
    let public = NewApp {
        app_permissions: Vec::new(),
        public_client: true,
        ..new_app()
    };
    let (app, secret) = create(s, &public, "cli", now).await.unwrap();
    assert!(app.public_client && secret.is_none());
    assert!(s.app_secrets(&app.client_id).await.unwrap().is_empty());
    assert_eq!(s.app(&app.client_id).await.unwrap(), Some(app.clone()));
    let refused = add_secret(s, &app.client_id, None, "cli", now)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, AdminError::Invalid(m) if m.contains("public client")),
        "{refused:?}"
    );
    assert!(s.app_secrets(&app.client_id).await.unwrap().is_empty());
    let listed = list_json(s, Some(&t.id)).await.unwrap();
    assert_eq!(listed[0]["publicClient"], true);

    // Application permissions and secret lifetimes need a secret: refused, nothing stored.
    let before = s.apps(None).await.unwrap().len();
    for bad in [
        NewApp {
            public_client: true,
            ..new_app()
        },
        NewApp {
            app_permissions: Vec::new(),
            public_client: true,
            secret_days: Some(30),
            ..new_app()
        },
    ] {
        let e = create(s, &bad, "cli", now).await.unwrap_err();
        assert!(matches!(e, AdminError::Invalid(_)), "{e:?}");
    }
    assert_eq!(s.apps(None).await.unwrap().len(), before);
}
