//! Trusted external issuers: tokens signed by another identity provider, verified against
//! its JWKS served by a local test server, mapped onto our users by UPN or externalId.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use common::TestApp;
use edugraph_server::auth::Keys;
use edugraph_server::config::{Config, ExternalIssuer};
use serde_json::{json, Value};

const ISSUER: &str = "https://idp.school.example/realms/edu";
const BY_EXTERNAL_ID: &str = "https://sis.school.example";
const AUDIENCE: &str = "api://edugraph";

/// Serves `keys`' JWKS on a loopback port; returns its URL and a hit counter.
async fn jwks_server(keys: Keys) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new().route(
        "/keys",
        get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            let doc = keys.jwks();
            async move { Json(doc) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/keys", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, hits)
}

fn issuer(iss: &str, jwks_url: &str, claim: &str, lookup: &str) -> ExternalIssuer {
    ExternalIssuer {
        issuer: iss.into(),
        jwks_url: jwks_url.into(),
        tenant: "a.example.edu".into(),
        audience: AUDIENCE.into(),
        user_claim: claim.into(),
        user_lookup: lookup.into(),
    }
}

fn external_token(keys: &Keys, iss: &str, extra: Value) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut claims = json!({"iss": iss, "aud": AUDIENCE, "iat": now, "nbf": now, "exp": now + 600, "azp": "school-portal"});
    for (k, v) in extra.as_object().unwrap() {
        claims[k] = v.clone();
    }
    keys.sign(&claims)
}

#[tokio::test]
async fn external_tokens_verify_against_the_issuers_jwks_and_map_to_users() {
    let idp = Keys::generate();
    let (url, hits) = jwks_server(idp.clone()).await;
    let config = Config {
        external_issuers: vec![
            issuer(ISSUER, &url, "preferred_username", "userPrincipalName"),
            issuer(BY_EXTERNAL_ID, &url, "sub", "externalId"),
        ],
        ..Config::default()
    };
    let t = TestApp::with_config(config).await;
    let ada = t.user("ada", "teacher").await;

    let delegated = external_token(
        &idp,
        ISSUER,
        json!({"preferred_username": "Ada@a.example.edu", "scope": "EduRoster.ReadBasic User.Read"}),
    );
    let me = t.get_as("/v1.0/education/me", &delegated).await.expect(200);
    assert_eq!(me.json()["id"], ada.as_str());
    let by_external_id = external_token(
        &idp,
        BY_EXTERNAL_ID,
        json!({"sub": "X-ada", "scp": "EduRoster.ReadBasic"}),
    );
    assert_eq!(
        t.get_as("/v1.0/education/me", &by_external_id)
            .await
            .expect(200)
            .json()["id"],
        ada.as_str()
    );
    let app_only = external_token(&idp, ISSUER, json!({"roles": ["EduRoster.Read.All"]}));
    t.get_as("/v1.0/education/classes", &app_only)
        .await
        .expect(200);
    // The JWKS was fetched once and cached.
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    // Our own tokens still work beside them.
    t.get("/v1.0/education/classes").await.expect(200);
}

#[tokio::test]
async fn bad_external_tokens_are_401() {
    let idp = Keys::generate();
    let (url, hits) = jwks_server(idp.clone()).await;
    let config = Config {
        external_issuers: vec![issuer(
            ISSUER,
            &url,
            "preferred_username",
            "userPrincipalName",
        )],
        ..Config::default()
    };
    let t = TestApp::with_config(config).await;
    t.user("bea", "student").await;
    let user = json!({"preferred_username": "bea@a.example.edu", "scp": "EduRoster.ReadBasic"});
    t.get_as(
        "/v1.0/education/me",
        &external_token(&idp, ISSUER, user.clone()),
    )
    .await
    .expect(200);

    let mut wrong_aud = user.clone();
    wrong_aud["aud"] = json!("api://other");
    let mut expired = user.clone();
    expired["exp"] = json!(1_000_000);
    let mut nobody = user.clone();
    nobody["preferred_username"] = json!("nobody@a.example.edu");
    let mut no_claim = user.clone();
    no_claim
        .as_object_mut()
        .unwrap()
        .remove("preferred_username");
    for (what, token) in [
        ("wrong audience", external_token(&idp, ISSUER, wrong_aud)),
        ("expired", external_token(&idp, ISSUER, expired)),
        ("unknown user", external_token(&idp, ISSUER, nobody)),
        ("user claim missing", external_token(&idp, ISSUER, no_claim)),
        // Signed by a key the issuer does not publish (its kid is unknown there).
        (
            "foreign key",
            external_token(&Keys::generate(), ISSUER, user.clone()),
        ),
    ] {
        let resp = t.get_as("/v1.0/education/me", &token).await;
        assert_eq!(resp.status.as_u16(), 401, "{what}: {}", resp.text());
    }
    // The unknown kid caused one re-fetch, not one per request.
    let before = hits.load(Ordering::SeqCst);
    t.get_as(
        "/v1.0/education/me",
        &external_token(&Keys::generate(), ISSUER, user),
    )
    .await
    .expect(401);
    assert_eq!(hits.load(Ordering::SeqCst), before);
    assert!(before <= 2, "{before}");
}
