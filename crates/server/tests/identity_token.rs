//! The token endpoint: `client_credentials` before and after consent, `password`,
//! `refresh_token` rotation and revocation, the OAuth2 error cases, and the audit log.

mod common;
mod identity_support;

use axum::http::header;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use common::{TestApp, TENANT_A, TENANT_B};
use edugraph_store::AppSecretRecord;
use identity_support::*;
use serde_json::json;

const ROSTER_READ: &str = "EduRoster.Read.All";

#[tokio::test]
async fn client_credentials_roles_come_from_consent() {
    let t = TestApp::new().await;
    let client = register_app(&t, TENANT_A, &[ROSTER_READ], &[]).await;

    // Before consent: a token without roles, refused by Graph.
    let resp = app_token(&t, TENANT_A, &client).await.expect(200);
    let body = resp.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["ext_expires_in"], 3600);
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());
    let token = body["access_token"].as_str().unwrap().to_string();
    let c = claims(&token);
    assert!(c.get("roles").is_none(), "{c}");
    assert_eq!(c["appid"], client.as_str());
    assert_eq!(c["tid"], TENANT_A);
    assert_eq!(c["iss"], format!("http://127.0.0.1:8080/{TENANT_A}/v2.0"));
    assert_eq!(c["idtyp"], "app");
    t.get_as("/v1.0/education/classes", &token)
        .await
        .expect(403);

    consent(&t, TENANT_A, &client, &[ROSTER_READ]).await;
    let token = app_token(&t, TENANT_A, &client).await.expect(200).json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(claims(&token)["roles"], json!([ROSTER_READ]));
    t.get_as("/v1.0/education/classes", &token)
        .await
        .expect(200);
}

#[tokio::test]
async fn client_credentials_accepts_basic_auth_domains_and_every_default_scope() {
    let t = TestApp::new().await;
    let client = register_app(&t, TENANT_A, &[ROSTER_READ], &[]).await;
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{client}:{}", SECRET.replace('~', "%7E")))
    );
    for scope in [
        "https://graph.microsoft.com/.default",
        "00000003-0000-0000-c000-000000000000/.default",
        "http://127.0.0.1:8080/.default",
    ] {
        let form = [("grant_type", "client_credentials"), ("scope", scope)];
        let resp = post_form(
            &t,
            &token_path("A.EXAMPLE.edu"),
            &form,
            &[(header::AUTHORIZATION.as_str(), &basic)],
        )
        .await;
        let token = resp.expect(200).json()["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(claims(&token)["tid"], TENANT_A, "{scope}");
    }
}

#[tokio::test]
async fn client_credentials_refusals_are_oauth_errors() {
    let t = TestApp::new().await;
    let client = register_app(&t, TENANT_A, &[ROSTER_READ], &[]).await;
    let path = token_path(TENANT_A);
    let base = |secret: &'static str, scope: &'static str| {
        vec![
            ("grant_type", "client_credentials"),
            ("client_secret", secret),
            ("scope", scope),
        ]
    };
    let send = |mut form: Vec<(&'static str, &'static str)>, client: String| {
        let path = path.clone();
        let t = &t;
        async move {
            let client = Box::leak(client.into_boxed_str());
            form.push(("client_id", client));
            post_form(t, &path, &form, &[]).await
        }
    };
    let graph = "https://graph.microsoft.com/.default";
    assert_eq!(
        oauth_error(
            &send(base("wrong", graph), client.clone()).await,
            401,
            "invalid_client"
        ),
        7000215
    );
    let no_secret = vec![("grant_type", "client_credentials"), ("scope", graph)];
    assert_eq!(
        oauth_error(
            &send(no_secret, client.clone()).await,
            401,
            "invalid_client"
        ),
        7000218
    );
    let unknown = uuid::Uuid::new_v4().to_string();
    assert_eq!(
        oauth_error(
            &send(base(SECRET, graph), unknown).await,
            400,
            "unauthorized_client"
        ),
        700016
    );
    assert_eq!(
        oauth_error(
            &send(base(SECRET, graph), "not-a-guid".into()).await,
            400,
            "unauthorized_client"
        ),
        700016
    );
    for scope in ["openid", "https://graph.microsoft.com/EduRoster.Read.All"] {
        assert_eq!(
            oauth_error(
                &send(base(SECRET, scope), client.clone()).await,
                400,
                "invalid_scope"
            ),
            1002012
        );
    }
    let foreign = send(
        base(SECRET, "https://vault.azure.net/.default"),
        client.clone(),
    )
    .await;
    assert_eq!(oauth_error(&foreign, 400, "invalid_resource"), 500011);
    let no_scope = vec![
        ("grant_type", "client_credentials"),
        ("client_secret", SECRET),
    ];
    assert_eq!(
        oauth_error(
            &send(no_scope, client.clone()).await,
            400,
            "invalid_request"
        ),
        900144
    );

    // The app lives in tenant A; tenant B has not consented to it.
    let other = post_form(
        &t,
        &token_path(TENANT_B),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client),
            ("client_secret", SECRET),
            ("scope", graph),
        ],
        &[],
    )
    .await;
    assert_eq!(oauth_error(&other, 400, "unauthorized_client"), 700016);
    // App-only tokens need a tenant-specific endpoint.
    let common = post_form(
        &t,
        &token_path("common"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client),
            ("client_secret", SECRET),
            ("scope", graph),
        ],
        &[],
    )
    .await;
    assert_eq!(oauth_error(&common, 400, "invalid_request"), 50059);
    let unknown_tenant = post_form(
        &t,
        &token_path("nowhere.example"),
        &[("grant_type", "client_credentials")],
        &[],
    )
    .await;
    assert_eq!(oauth_error(&unknown_tenant, 400, "invalid_request"), 90002);
}

#[tokio::test]
async fn malformed_requests_are_invalid_request_or_unsupported_grant() {
    let t = TestApp::new().await;
    let path = token_path(TENANT_A);
    assert_eq!(
        oauth_error(
            &post_form(&t, &path, &[("client_id", "x")], &[]).await,
            400,
            "invalid_request"
        ),
        900144
    );
    let resp = post_form(&t, &path, &[("grant_type", "device_code")], &[]).await;
    assert_eq!(oauth_error(&resp, 400, "unsupported_grant_type"), 70003);
    let resp = post_form(
        &t,
        &path,
        &[("grant_type", "password"), ("grant_type", "password")],
        &[],
    )
    .await;
    oauth_error(&resp, 400, "invalid_request");
    let json_body = t
        .call(
            axum::http::Method::POST,
            &path,
            "",
            Some(r#"{"grant_type":"client_credentials"}"#),
        )
        .await;
    oauth_error(&json_body, 400, "invalid_request");
    assert!(!json_body.text().contains("panicked") && !json_body.text().contains(".rs:"));
}

#[tokio::test]
async fn a_revoked_secret_stops_working_and_a_new_one_works() {
    let t = TestApp::new().await;
    let client = register_app(&t, TENANT_A, &[ROSTER_READ], &[]).await;
    let store = t.state.store();
    let old = store.app_secrets(&client).await.unwrap().remove(0);
    store
        .revoke_app_secret(&client, &old.secret_id, "2025-02-01T00:00:00Z")
        .await
        .unwrap();
    assert_eq!(
        oauth_error(
            &app_token(&t, TENANT_A, &client).await,
            401,
            "invalid_client"
        ),
        7000215
    );
    let fresh = "Zz9-another-secret-of-forty-characters-xyz";
    let record = AppSecretRecord {
        secret_id: uuid::Uuid::new_v4().to_string(),
        hash: edugraph_server::authority::client::hash_hex(fresh),
        hint: "Zz9".into(),
        ..old
    };
    store
        .add_app_secret(&AppSecretRecord {
            revoked_at: None,
            ..record
        })
        .await
        .unwrap();
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", &client),
        ("client_secret", fresh),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    post_form(&t, &token_path(TENANT_A), &form, &[])
        .await
        .expect(200);
}

#[tokio::test]
async fn password_grant_issues_access_id_and_refresh_tokens() {
    let t = TestApp::new().await;
    let ada = t.user("ada", "teacher").await;
    let client =
        register_consented_app(&t, TENANT_A, &[], &["EduRoster.ReadBasic", "User.Read"]).await;
    for segment in [TENANT_A, "a.example.edu", "common", "organizations"] {
        let resp = password_token(&t, segment, &client, "Ada@A.example.edu", PASSWORD)
            .await
            .expect(200);
        let body = resp.json();
        assert_eq!(
            body["scope"],
            "https://graph.microsoft.com/EduRoster.ReadBasic https://graph.microsoft.com/User.Read openid profile offline_access"
        );
        let access = claims(body["access_token"].as_str().unwrap());
        assert_eq!(access["scp"], "EduRoster.ReadBasic User.Read");
        assert_eq!(
            (access["oid"].as_str(), access["appid"].as_str()),
            (Some(ada.as_str()), Some(client.as_str()))
        );
        assert_eq!(access["preferred_username"], "ada@a.example.edu");
        let id = claims(body["id_token"].as_str().unwrap());
        assert_eq!(
            (id["aud"].as_str(), id["tid"].as_str()),
            (Some(client.as_str()), Some(TENANT_A))
        );
        assert!(body["refresh_token"].as_str().unwrap().len() >= 40);
        let info: serde_json::Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(body["client_info"].as_str().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(info, json!({"uid": ada, "utid": TENANT_A}));
        let me = t
            .get_as("/v1.0/education/me", body["access_token"].as_str().unwrap())
            .await
            .expect(200);
        assert_eq!(me.json()["id"], ada.as_str());
    }
    // Named scopes narrow the token; without offline_access and openid there is neither
    // a refresh token nor an id token.
    let form = [
        ("grant_type", "password"),
        ("client_id", client.as_str()),
        ("client_secret", SECRET),
        ("username", "ada@a.example.edu"),
        ("password", PASSWORD),
        ("scope", "https://graph.microsoft.com/User.Read"),
    ];
    let body = post_form(&t, &token_path(TENANT_A), &form, &[])
        .await
        .expect(200)
        .json();
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["scp"],
        "User.Read"
    );
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());
}

#[tokio::test]
async fn password_grant_refusals() {
    let t = TestApp::new().await;
    t.user("bob", "student").await;
    let client = register_consented_app(&t, TENANT_A, &[], &["EduRoster.ReadBasic"]).await;
    let wrong = password_token(&t, TENANT_A, &client, "bob@a.example.edu", "nope").await;
    assert_eq!(oauth_error(&wrong, 400, "invalid_grant"), 50126);
    let nobody = password_token(&t, TENANT_A, &client, "nobody@a.example.edu", PASSWORD).await;
    assert_eq!(oauth_error(&nobody, 400, "invalid_grant"), 50126);
    // Same answer for an unknown user and a wrong password.
    assert_eq!(
        wrong.json()["error_description"]
            .as_str()
            .unwrap()
            .split(" Trace ID")
            .next(),
        nobody.json()["error_description"]
            .as_str()
            .unwrap()
            .split(" Trace ID")
            .next()
    );
    let form = [
        ("grant_type", "password"),
        ("client_id", client.as_str()),
        ("client_secret", SECRET),
        ("username", "bob@a.example.edu"),
        ("password", PASSWORD),
        ("scope", "EduRoster.ReadWrite"),
    ];
    assert_eq!(
        oauth_error(
            &post_form(&t, &token_path(TENANT_A), &form, &[]).await,
            400,
            "invalid_scope"
        ),
        70011
    );
    let with_bad_secret = [
        ("grant_type", "password"),
        ("client_id", client.as_str()),
        ("client_secret", "wrong"),
        ("username", "bob@a.example.edu"),
        ("password", PASSWORD),
        ("scope", "openid"),
    ];
    oauth_error(
        &post_form(&t, &token_path(TENANT_A), &with_bad_secret, &[]).await,
        401,
        "invalid_client",
    );
    let missing = [
        ("grant_type", "password"),
        ("client_id", client.as_str()),
        ("username", "bob@a.example.edu"),
        ("scope", "openid"),
    ];
    assert_eq!(
        oauth_error(
            &post_form(&t, &token_path(TENANT_A), &missing, &[]).await,
            400,
            "invalid_request"
        ),
        900144
    );
    // Tenant B does not hold bob.
    let app_b = register_app(&t, TENANT_B, &[], &["EduRoster.ReadBasic"]).await;
    oauth_error(
        &password_token(&t, TENANT_B, &app_b, "bob@a.example.edu", PASSWORD).await,
        400,
        "invalid_grant",
    );
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_or_refresh() {
    let t = TestApp::new().await;
    let cy = t.user("cy", "student").await;
    let client = register_consented_app(&t, TENANT_A, &[], &["EduRoster.ReadBasic"]).await;
    let refresh = password_token(&t, TENANT_A, &client, "cy@a.example.edu", PASSWORD)
        .await
        .expect(200)
        .json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    t.patch(
        &format!("/v1.0/education/users/{cy}"),
        json!({"accountEnabled": false}),
    )
    .await
    .expect(200);
    assert_eq!(
        oauth_error(
            &password_token(&t, TENANT_A, &client, "cy@a.example.edu", PASSWORD).await,
            400,
            "invalid_grant"
        ),
        50057
    );
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", client.as_str()),
        ("client_secret", SECRET),
        ("refresh_token", refresh.as_str()),
    ];
    assert_eq!(
        oauth_error(
            &post_form(&t, &token_path(TENANT_A), &form, &[]).await,
            400,
            "invalid_grant"
        ),
        50057
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_die_when_the_password_changes() {
    let t = TestApp::new().await;
    let dee = t.user("dee", "teacher").await;
    let client =
        register_consented_app(&t, TENANT_A, &[], &["EduRoster.ReadBasic", "User.Read"]).await;
    let first = password_token(&t, TENANT_A, &client, "dee@a.example.edu", PASSWORD)
        .await
        .expect(200)
        .json();
    let rt1 = first["refresh_token"].as_str().unwrap().to_string();
    let refresh = |rt: String, client: String, scope: Option<&'static str>| {
        let t = &t;
        async move {
            let mut form = vec![
                ("grant_type", "refresh_token"),
                ("client_id", client.as_str()),
                ("client_secret", SECRET),
                ("refresh_token", rt.as_str()),
            ];
            if let Some(s) = scope {
                form.push(("scope", s));
            }
            post_form(t, &token_path(TENANT_A), &form, &[]).await
        }
    };
    let second = refresh(rt1.clone(), client.clone(), None)
        .await
        .expect(200)
        .json();
    let rt2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2);
    assert_eq!(
        claims(second["access_token"].as_str().unwrap())["scp"],
        "EduRoster.ReadBasic User.Read"
    );
    assert!(second["id_token"].is_string());
    // Another client cannot redeem it, and the attempt changes nothing.
    let other = register_app(&t, TENANT_A, &[], &["EduRoster.ReadBasic"]).await;
    assert_eq!(
        oauth_error(
            &refresh(rt2.clone(), other, None).await,
            400,
            "invalid_grant"
        ),
        70000
    );
    refresh(rt2, client.clone(), None).await.expect(200);
    // A narrower scope is fine; a wider one is not.
    let rt3 = password_token(&t, TENANT_A, &client, "dee@a.example.edu", PASSWORD)
        .await
        .expect(200)
        .json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let narrow = refresh(
        rt3,
        client.clone(),
        Some("https://graph.microsoft.com/User.Read offline_access"),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(
        claims(narrow["access_token"].as_str().unwrap())["scp"],
        "User.Read"
    );
    let rt4 = narrow["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(
        oauth_error(
            &refresh(rt4, client.clone(), Some("EduRoster.ReadBasic")).await,
            400,
            "invalid_scope"
        ),
        70011
    );

    // Changing the password through Graph moves refreshTokensValidFromDateTime.
    let rt5 = password_token(&t, TENANT_A, &client, "dee@a.example.edu", PASSWORD)
        .await
        .expect(200)
        .json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    t.patch(
        &format!("/v1.0/education/users/{dee}"),
        json!({"passwordProfile": {"password": "N3w-password!"}}),
    )
    .await
    .expect(200);
    assert_eq!(
        oauth_error(
            &refresh(rt5, client.clone(), None).await,
            400,
            "invalid_grant"
        ),
        50173
    );
    // The new password works and its refresh token too.
    let fresh = password_token(&t, TENANT_A, &client, "dee@a.example.edu", "N3w-password!")
        .await
        .expect(200)
        .json();
    refresh(
        fresh["refresh_token"].as_str().unwrap().to_string(),
        client,
        None,
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn sign_ins_consent_and_refusals_are_audited() {
    let t = TestApp::new().await;
    t.user("eve", "teacher").await;
    let client = register_consented_app(&t, TENANT_A, &[ROSTER_READ], &["User.Read"]).await;
    password_token(&t, TENANT_A, &client, "eve@a.example.edu", "wrong").await;
    password_token(&t, TENANT_A, &client, "eve@a.example.edu", PASSWORD)
        .await
        .expect(200);
    app_token(&t, TENANT_A, &client).await.expect(200);
    post_form(
        &t,
        &token_path(TENANT_A),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client),
            ("client_secret", "bad"),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
        &[],
    )
    .await;
    let log = t.state.store().audit(Some(TENANT_A), 0, 100).await.unwrap();
    let actions: Vec<(&str, &str)> = log
        .iter()
        .map(|r| (r.action.as_str(), r.outcome.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("signInFailed", "failure"),
            ("signIn", "success"),
            ("appSignIn", "success"),
            ("tokenRefused", "failure")
        ]
    );
    assert_eq!(log[0].target.as_deref(), Some("eve@a.example.edu"));
    assert_eq!(log[0].detail["code"], "AADSTS50126");
    assert_eq!(log[3].detail["code"], "AADSTS7000215");
    assert!(
        !serde_json::to_string(&log.iter().map(|r| r.detail.clone()).collect::<Vec<_>>())
            .unwrap()
            .contains(PASSWORD)
    );
}
