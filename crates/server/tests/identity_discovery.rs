//! Discovery: the OpenID configuration by tenant id, domain and `common`, the JWKS (whose
//! keys verify our tokens), MSAL's user-realm probe, and key rotation (old tokens keep
//! verifying until the retired key's grace period ends).

mod common;
mod identity_support;

use std::sync::Arc;

use common::{TestApp, TENANT_A};
use edugraph_edu::SystemClock;
use edugraph_server::auth::{mint, Keys, TokenRequest, TokenSubject};
use edugraph_server::config::Config;
use edugraph_server::AppState;
use edugraph_store::TenantRecord;
use identity_support::*;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

#[tokio::test]
async fn openid_configuration_by_id_domain_and_common() {
    let t = TestApp::new().await;
    let base = "http://127.0.0.1:8080";
    for segment in [TENANT_A, "A.Example.EDU"] {
        let doc = get_page(
            &t,
            &format!("/{segment}/v2.0/.well-known/openid-configuration"),
            None,
        )
        .await
        .expect(200)
        .json();
        assert_eq!(doc["issuer"], format!("{base}/{TENANT_A}/v2.0"));
        assert_eq!(
            doc["token_endpoint"],
            format!("{base}/{TENANT_A}/oauth2/v2.0/token")
        );
        assert_eq!(
            doc["authorization_endpoint"],
            format!("{base}/{TENANT_A}/oauth2/v2.0/authorize")
        );
        assert_eq!(
            doc["jwks_uri"],
            format!("{base}/{TENANT_A}/discovery/v2.0/keys")
        );
        for grant in [
            "client_credentials",
            "password",
            "authorization_code",
            "refresh_token",
        ] {
            assert!(doc["grant_types_supported"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g == grant));
        }
        assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
        assert_eq!(
            doc["code_challenge_methods_supported"],
            serde_json::json!(["S256", "plain"])
        );
        assert!(
            doc["tenant_region_scope"].is_string()
                && doc["cloud_instance_name"] == "127.0.0.1:8080"
        );
    }
    let common = get_page(&t, "/common/v2.0/.well-known/openid-configuration", None)
        .await
        .expect(200)
        .json();
    assert_eq!(common["issuer"], format!("{base}/{{tenantid}}/v2.0"));
    assert_eq!(
        common["token_endpoint"],
        format!("{base}/common/oauth2/v2.0/token")
    );
    let missing = get_page(
        &t,
        "/nowhere.example/v2.0/.well-known/openid-configuration",
        None,
    )
    .await;
    assert_eq!(oauth_error(&missing, 400, "invalid_request"), 90002);
    let weird = get_page(
        &t,
        "/bad%20tenant/v2.0/.well-known/openid-configuration",
        None,
    )
    .await;
    assert_eq!(oauth_error(&weird, 400, "invalid_request"), 900023);
}

/// The JWKS keys by kid.
async fn jwks(t: &TestApp) -> Vec<Value> {
    let doc = get_page(t, &format!("/{TENANT_A}/discovery/v2.0/keys"), None)
        .await
        .expect(200)
        .json();
    doc["keys"].as_array().unwrap().clone()
}

fn verify_with_jwks(keys: &[Value], token: &str) -> bool {
    let kid = jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
    let Some(jwk) = keys.iter().find(|k| k["kid"] == kid.as_str()) else {
        return false;
    };
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&["https://graph.microsoft.com"]);
    jsonwebtoken::decode::<Value>(token, &key, &v).is_ok()
}

#[tokio::test]
async fn the_jwks_verifies_issued_tokens() {
    let t = TestApp::new().await;
    let keys = jwks(&t).await;
    assert_eq!(keys.len(), 1);
    let k = &keys[0];
    assert_eq!(
        (k["kty"].as_str(), k["use"].as_str(), k["alg"].as_str()),
        (Some("RSA"), Some("sig"), Some("RS256"))
    );
    assert_eq!(k["kid"], t.state.keys().signing_kid());
    let client = register_app(&t, TENANT_A, &[], &[]).await;
    let token = app_token(&t, TENANT_A, &client).await.expect(200).json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(verify_with_jwks(&keys, &token));
}

#[tokio::test]
async fn msal_user_realm_probe_says_managed() {
    let t = TestApp::new().await;
    let known = get_page(
        &t,
        "/common/userrealm/ada@a.example.edu?api-version=1.0",
        None,
    )
    .await
    .expect(200)
    .json();
    assert_eq!(
        (
            known["account_type"].as_str(),
            known["domain_name"].as_str()
        ),
        (Some("Managed"), Some("a.example.edu"))
    );
    let unknown = get_page(
        &t,
        "/common/userrealm/x@elsewhere.example?api-version=1.0",
        None,
    )
    .await
    .expect(200)
    .json();
    assert_eq!(unknown["account_type"], "Unknown");
}

#[tokio::test]
async fn a_verified_domain_beyond_the_primary_one_names_the_tenant() {
    let t = TestApp::new().await;
    t.verify_domain("students.a.example.edu").await;
    let realm = get_page(
        &t,
        "/common/userrealm/ada@Students.A.Example.edu?api-version=1.0",
        None,
    )
    .await
    .expect(200)
    .json();
    assert_eq!(realm["account_type"], "Managed");
    assert_eq!(realm["domain_name"], "students.a.example.edu");
    let doc = get_page(
        &t,
        "/students.a.example.edu/v2.0/.well-known/openid-configuration",
        None,
    )
    .await
    .expect(200)
    .json();
    assert_eq!(
        doc["issuer"],
        format!("http://127.0.0.1:8080/{TENANT_A}/v2.0")
    );
}

fn app_token_signed_by(keys: &Keys, roles: &[&str]) -> String {
    let req = TokenRequest {
        tenant: TENANT_A.into(),
        subject: TokenSubject::App {
            app_id: "11111111-2222-3333-4444-555555555555".into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        },
        lifetime_secs: 3600,
    };
    mint(
        keys,
        &Config::default().issuer_base(),
        &req,
        time::OffsetDateTime::now_utc(),
    )
}

async fn app_with(store: Arc<dyn edugraph_store::Store>, keys: Keys) -> TestApp {
    let state = AppState::new(Config::default(), store, Arc::new(SystemClock), keys);
    let app = edugraph_server::http::app(state.clone());
    TestApp {
        state,
        app,
        admin: String::new(),
    }
}

#[tokio::test]
async fn rotated_keys_stay_published_and_valid_until_their_grace_ends() {
    let store = edugraph_store::open("sqlite::memory:").await.unwrap();
    let tenant = TenantRecord {
        id: TENANT_A.into(),
        display_name: "A".into(),
        domain: "a.example.edu".into(),
    };
    store.put_tenant(&tenant).await.unwrap();
    let first = Keys::load_or_create(store.as_ref()).await.unwrap();
    let old_token = app_token_signed_by(&first, &["EduRoster.Read.All"]);

    // Rotate: retire the signing key now; the next load creates a new one.
    let now = edugraph_odata::shape::format_datetime(time::OffsetDateTime::now_utc());
    store
        .retire_signing_key(&first.signing_kid(), &now)
        .await
        .unwrap();
    let second = Keys::load_or_create(store.as_ref()).await.unwrap();
    assert_ne!(second.signing_kid(), first.signing_kid());
    let t = app_with(store.clone(), second.clone()).await;
    let keys = jwks(&t).await;
    let kids: Vec<&str> = keys.iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(kids.len(), 2, "{kids:?}");
    assert!(
        kids.contains(&first.signing_kid().as_str())
            && kids.contains(&second.signing_kid().as_str())
    );
    assert!(verify_with_jwks(&keys, &old_token));
    t.get_as("/v1.0/education/schools", &old_token)
        .await
        .expect(200);
    let client = register_app(&t, TENANT_A, &[], &[]).await;
    let new_token = app_token(&t, TENANT_A, &client).await.expect(200).json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        jsonwebtoken::decode_header(&new_token).unwrap().kid,
        Some(second.signing_kid())
    );

    // A key retired longer ago than the grace period is neither published nor accepted.
    let third_store = edugraph_store::open("sqlite::memory:").await.unwrap();
    third_store.put_tenant(&tenant).await.unwrap();
    let stale = Keys::load_or_create(third_store.as_ref()).await.unwrap();
    let stale_token = app_token_signed_by(&stale, &["EduRoster.Read.All"]);
    third_store
        .retire_signing_key(&stale.signing_kid(), "2000-01-01T00:00:00Z")
        .await
        .unwrap();
    let current = Keys::load_or_create(third_store.as_ref()).await.unwrap();
    let t = app_with(third_store, current.clone()).await;
    let keys = jwks(&t).await;
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kid"], current.signing_kid());
    t.get_as("/v1.0/education/schools", &stale_token)
        .await
        .expect(401);
}
