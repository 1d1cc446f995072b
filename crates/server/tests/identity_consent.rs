//! Admin consent: sign-in as an administrator, the permissions page, approve and deny,
//! and the refusals (unknown client, unregistered or tampered redirect URI, tampered
//! state, a non-administrator, a replayed decision).

mod common;
mod identity_support;

use common::{Resp, TestApp, TENANT_A, TENANT_B};
use edugraph_server::config::Config;
use identity_support::*;

const PERMISSION: &str = "EduRoster.Read.All";

struct Setup {
    t: TestApp,
    client: String,
}

async fn setup() -> Setup {
    let config = Config {
        tenant_admins: vec!["Admin@a.example.edu".into()],
        ..Config::default()
    };
    let t = TestApp::with_config(config).await;
    t.user("admin", "none").await;
    t.user("tom", "teacher").await;
    let client = register_app(&t, TENANT_A, &[PERMISSION], &["User.Read"]).await;
    Setup { t, client }
}

fn consent_url(client: &str, redirect: &str) -> String {
    format!(
        "/{TENANT_A}/adminconsent?{}",
        encode(&[
            ("client_id", client),
            ("redirect_uri", redirect),
            ("state", "xyz")
        ])
    )
}

fn pairs(fields: &std::collections::HashMap<String, String>) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Steps 1 and 2: returns the permissions page and the flow cookie.
async fn to_decision(s: &Setup, username: &str) -> (Resp, String) {
    let page = get_page(&s.t, &consent_url(&s.client, REDIRECT), None)
        .await
        .expect(200);
    assert!(page.text().contains("administrator"));
    let cookie = flow_cookie(&page);
    let mut fields = hidden_fields(&page.text());
    fields.insert("username".into(), username.into());
    fields.insert("password".into(), PASSWORD.into());
    let resp = post_form(
        &s.t,
        &format!("/{TENANT_A}/adminconsent"),
        &pairs(&fields),
        &[("cookie", &cookie)],
    )
    .await;
    (resp, cookie)
}

async fn decide(
    s: &Setup,
    page: &Resp,
    cookie: &str,
    decision: &str,
    change: &[(&str, &str)],
) -> Resp {
    let mut fields = hidden_fields(&page.text());
    fields.insert("decision".into(), decision.into());
    for (k, v) in change {
        fields.insert(k.to_string(), v.to_string());
    }
    post_form(
        &s.t,
        &format!("/{TENANT_A}/adminconsent"),
        &pairs(&fields),
        &[("cookie", cookie)],
    )
    .await
}

#[tokio::test]
async fn approving_records_the_grant_and_app_tokens_get_roles() {
    let s = setup().await;
    assert!(
        app_token(&s.t, TENANT_A, &s.client).await.json()["access_token"]
            .as_str()
            .map(claims)
            .unwrap()
            .get("roles")
            .is_none()
    );
    let (page, cookie) = to_decision(&s, "admin@a.example.edu").await;
    let page = page.expect(200);
    let html = page.text();
    assert!(html.contains(PERMISSION) && html.contains("User.Read"));
    // The app's name is escaped, never markup.
    assert!(html.contains("Gradebook &lt;Sync&gt;") && !html.contains("<Sync>"));

    let done = decide(&s, &page, &cookie, "approve", &[]).await.expect(302);
    let params = location_params(&done);
    assert!(done.header("location").starts_with(REDIRECT));
    assert_eq!(
        (
            params["admin_consent"].as_str(),
            params["tenant"].as_str(),
            params["state"].as_str()
        ),
        ("True", TENANT_A, "xyz")
    );
    let grant =
        s.t.state
            .store()
            .grant(TENANT_A, &s.client)
            .await
            .unwrap()
            .expect("a grant");
    assert_eq!(grant.permissions, [PERMISSION]);
    let token = app_token(&s.t, TENANT_A, &s.client)
        .await
        .expect(200)
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(claims(&token)["roles"], serde_json::json!([PERMISSION]));
    s.t.get_as("/v1.0/education/classes", &token)
        .await
        .expect(200);

    // The decision cannot be replayed.
    decide(&s, &page, &cookie, "approve", &[]).await.expect(400);
    let actions: Vec<String> =
        s.t.state
            .store()
            .audit(Some(TENANT_A), 0, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
    assert!(
        actions.contains(&"consentGranted".to_string())
            && actions.contains(&"consentRefused".to_string()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn denying_redirects_with_access_denied_and_grants_nothing() {
    let s = setup().await;
    let (page, cookie) = to_decision(&s, "admin@a.example.edu").await;
    let done = decide(&s, &page.expect(200), &cookie, "deny", &[])
        .await
        .expect(302);
    let params = location_params(&done);
    assert_eq!(
        (params["error"].as_str(), params["state"].as_str()),
        ("access_denied", "xyz")
    );
    assert!(params["error_description"].starts_with("AADSTS65004"));
    assert!(s
        .t
        .state
        .store()
        .grant(TENANT_A, &s.client)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn tampered_redirect_uri_or_state_is_refused_without_redirecting() {
    let s = setup().await;
    for change in [
        ("redirect_uri", "http://localhost:5000/cb?x=1"),
        ("redirect_uri", "https://evil.example/"),
        ("state", "other"),
        ("client_id", "00000000-0000-0000-0000-000000000000"),
    ] {
        let (page, cookie) = to_decision(&s, "admin@a.example.edu").await;
        let resp = decide(&s, &page.expect(200), &cookie, "approve", &[change])
            .await
            .expect(400);
        assert!(resp.header("location").is_empty(), "{change:?}");
    }
    // Tampering at the sign-in step too.
    let page = get_page(&s.t, &consent_url(&s.client, REDIRECT), None)
        .await
        .expect(200);
    let mut fields = hidden_fields(&page.text());
    fields.extend([
        ("username".to_string(), "admin@a.example.edu".to_string()),
        ("password".into(), PASSWORD.into()),
        ("redirect_uri".into(), "https://evil.example/".into()),
    ]);
    let resp = post_form(
        &s.t,
        &format!("/{TENANT_A}/adminconsent"),
        &pairs(&fields),
        &[("cookie", &flow_cookie(&page))],
    )
    .await
    .expect(400);
    assert!(resp.header("location").is_empty());
    assert!(s
        .t
        .state
        .store()
        .grant(TENANT_A, &s.client)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn unknown_clients_and_unregistered_redirect_uris_are_refused_on_the_page() {
    let s = setup().await;
    let unknown = get_page(
        &s.t,
        &consent_url(&uuid::Uuid::new_v4().to_string(), REDIRECT),
        None,
    )
    .await
    .expect(400);
    assert!(unknown.header("location").is_empty() && unknown.text().contains("AADSTS700016"));
    let evil = get_page(
        &s.t,
        &consent_url(&s.client, "https://evil.example/cb"),
        None,
    )
    .await
    .expect(400);
    assert!(evil.header("location").is_empty() && evil.text().contains("AADSTS50011"));
    let missing = get_page(&s.t, &format!("/{TENANT_A}/adminconsent?state=x"), None)
        .await
        .expect(400);
    assert!(missing.header("location").is_empty());
}

#[tokio::test]
async fn only_an_administrator_can_consent() {
    let s = setup().await;
    let (page, _) = to_decision(&s, "tom@a.example.edu").await;
    let page = page.expect(200);
    assert!(page.text().contains("AADSTS90094") && !page.text().contains("decision"));
    // The refusal tells how an operator makes someone an administrator.
    assert!(
        page.text().contains("tenant_admins") && page.text().contains("EDUGRAPH_TENANT_ADMINS"),
        "{}",
        page.text()
    );
    let (page, _) = to_decision(&s, "admin@a.example.edu").await;
    assert!(page
        .expect(200)
        .text()
        .contains("name=\"decision\" value=\"approve\""));
}

#[tokio::test]
async fn another_tenant_can_consent_to_a_multi_tenant_app() {
    let config = Config {
        tenant_admins: vec!["boss@b.example.edu".into()],
        ..Config::default()
    };
    let t = TestApp::with_config(config).await;
    let b_admin_token = t.app_token(TENANT_B, &["EduRoster.ReadWrite.All"]);
    let mut body = common::user_body("boss", "none");
    body["userPrincipalName"] = "boss@b.example.edu".into();
    t.call(
        axum::http::Method::POST,
        "/v1.0/education/users",
        &b_admin_token,
        Some(&body.to_string()),
    )
    .await
    .expect(201);
    let client = register_app(&t, TENANT_A, &[PERMISSION], &[]).await;
    // Unknown in tenant B until consented there.
    oauth_error(
        &app_token(&t, TENANT_B, &client).await,
        400,
        "unauthorized_client",
    );
    let url = format!(
        "/b.example.edu/adminconsent?{}",
        encode(&[("client_id", &client), ("redirect_uri", REDIRECT)])
    );
    let page = get_page(&t, &url, None).await.expect(200);
    let cookie = flow_cookie(&page);
    let mut fields = hidden_fields(&page.text());
    fields.extend([
        ("username".to_string(), "boss@b.example.edu".to_string()),
        ("password".into(), PASSWORD.into()),
    ]);
    let page = post_form(
        &t,
        "/b.example.edu/adminconsent",
        &pairs(&fields),
        &[("cookie", &cookie)],
    )
    .await
    .expect(200);
    let mut fields = hidden_fields(&page.text());
    fields.insert("decision".into(), "approve".into());
    let done = post_form(
        &t,
        "/b.example.edu/adminconsent",
        &pairs(&fields),
        &[("cookie", &cookie)],
    )
    .await
    .expect(302);
    assert_eq!(location_params(&done)["tenant"], TENANT_B);
    let token = app_token(&t, TENANT_B, &client).await.expect(200).json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        (
            claims(&token)["tid"].as_str(),
            claims(&token)["roles"][0].as_str()
        ),
        (Some(TENANT_B), Some(PERMISSION))
    );
}

#[tokio::test]
async fn the_dev_demo_administrator_can_consent() {
    let config = Config {
        dev: true,
        ..Config::default()
    };
    let store = edugraph_store::open("sqlite::memory:").await.unwrap();
    let summary =
        edugraph_server::startup::seed_demo(store.as_ref(), config.seed, config.demo_size, false)
            .await
            .unwrap();
    let plan = summary.plan;
    let state = edugraph_server::AppState::new(
        config,
        store,
        std::sync::Arc::new(edugraph_edu::SystemClock),
        edugraph_server::auth::Keys::generate(),
    );
    let app = edugraph_server::http::app(state.clone());
    let t = TestApp {
        state,
        app,
        admin: String::new(),
    };
    let tenant = plan.tenant.id.clone();
    let client = register_app(&t, &tenant, &[PERMISSION], &[]).await;
    let admin = t
        .state
        .store()
        .get(&tenant, edugraph_store::EntityKind::User, &plan.admin_id)
        .await
        .unwrap()
        .unwrap();
    let upn = serde_json::from_str::<serde_json::Value>(&admin.json).unwrap()["userPrincipalName"]
        .as_str()
        .unwrap()
        .to_string();
    let password = plan
        .passwords
        .iter()
        .find(|(id, _)| *id == plan.admin_id)
        .unwrap()
        .1
        .clone();

    let url = format!(
        "/{}/adminconsent?{}",
        plan.tenant.domain,
        encode(&[
            ("client_id", &client),
            ("redirect_uri", REDIRECT),
            ("state", "s1")
        ])
    );
    let page = get_page(&t, &url, None).await.expect(200);
    let cookie = flow_cookie(&page);
    let path = format!("/{}/adminconsent", plan.tenant.domain);
    let mut fields = hidden_fields(&page.text());
    fields.extend([("username".to_string(), upn), ("password".into(), password)]);
    let page = post_form(&t, &path, &pairs(&fields), &[("cookie", &cookie)])
        .await
        .expect(200);
    let mut fields = hidden_fields(&page.text());
    fields.insert("decision".into(), "approve".into());
    let done = post_form(&t, &path, &pairs(&fields), &[("cookie", &cookie)])
        .await
        .expect(302);
    assert_eq!(location_params(&done)["admin_consent"], "True");
    assert!(t
        .state
        .store()
        .grant(&tenant, &client)
        .await
        .unwrap()
        .is_some());
    // The teacher persona is no administrator.
    let page = get_page(&t, &url, None).await.expect(200);
    let cookie = flow_cookie(&page);
    let mut fields = hidden_fields(&page.text());
    let teacher_password = plan.passwords[0].1.clone();
    fields.extend([
        ("username".to_string(), plan.teacher_upn.clone()),
        ("password".into(), teacher_password),
    ]);
    let page = post_form(&t, &path, &pairs(&fields), &[("cookie", &cookie)])
        .await
        .expect(200);
    assert!(page.text().contains("AADSTS90094"));
}
