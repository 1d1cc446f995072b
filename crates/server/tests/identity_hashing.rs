//! Work anyone can cause without a token is bounded: every Argon2 hash and verification
//! goes through the process's one bound (503 with `Retry-After` past it, nothing written),
//! the sign-in throttle counts an attempt before its password is checked, and an unknown
//! account is checked against a dummy hash like a known one.
//!
//! The bound is held by the test itself (`state.hashing().admit()`), so saturation is a
//! fact rather than a race; Argon2 work is counted by the bound's verification counter.

mod common;
mod identity_support;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{user_body, Resp, TestApp, TENANT_A};
use edugraph_server::config::Config;
use edugraph_store::EntityKind;
use identity_support::*;
use serde_json::json;

/// One hash at a time and no queue: a test holding the one place saturates it.
fn tiny_bound() -> Config {
    Config {
        hash_concurrency: 1,
        hash_queue: 0,
        ..Config::default()
    }
}

async fn app_with(config: Config) -> (TestApp, String) {
    let t = TestApp::with_config(config).await;
    let client = register_consented_app(&t, TENANT_A, &[], &["EduRoster.ReadBasic"]).await;
    (t, client)
}

/// A password grant from a confidential client, asking only for `openid`.
async fn grant(t: &TestApp, path_tenant: &str, client: &str, user: &str, password: &str) -> Resp {
    let form = [
        ("grant_type", "password"),
        ("client_id", client),
        ("client_secret", SECRET),
        ("username", user),
        ("password", password),
        ("scope", "openid"),
    ];
    post_form(t, &token_path(path_tenant), &form, &[]).await
}

#[track_caller]
fn assert_busy_oauth(resp: &Resp) {
    assert_eq!(
        oauth_error(resp, 503, "temporarily_unavailable"),
        90006,
        "{}",
        resp.text()
    );
    assert!(resp.header("retry-after").parse::<u64>().unwrap() >= 1);
}

#[track_caller]
fn assert_busy_graph(resp: &Resp) {
    assert_eq!(
        resp.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        resp.text()
    );
    assert_eq!(resp.error().0, "serviceNotAvailable");
    assert!(resp.header("retry-after").parse::<u64>().unwrap() >= 1);
}

#[tokio::test]
async fn a_saturated_bound_refuses_password_grants_with_503_and_does_not_count_them() {
    let config = Config {
        login_failures_per_account: 1,
        ..tiny_bound()
    };
    let (t, client) = app_with(config).await;
    t.user("ann", "student").await;
    let held = t.state.hashing().admit().expect("the only place");
    for _ in 0..3 {
        assert_busy_oauth(&grant(&t, TENANT_A, &client, "ann@a.example.edu", PASSWORD).await);
    }
    assert_eq!(t.state.hashing().verifications(), 0);
    drop(held);
    // The refusals checked no password, so they did not lock the account (limit 1).
    let ok = grant(&t, TENANT_A, &client, "ann@a.example.edu", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
}

#[tokio::test]
async fn a_saturated_bound_refuses_password_writes_and_stores_nothing() {
    let (t, _) = app_with(tiny_bound()).await;
    let ann = t.user("ann", "student").await;
    let users_before = t.stored(EntityKind::User).await;
    let held = t.state.hashing().admit().expect("the only place");

    let refused = t
        .post("/v1.0/education/users", user_body("bob", "student"))
        .await;
    assert_busy_graph(&refused);
    assert_eq!(t.stored(EntityKind::User).await, users_before);
    let found = t
        .get("/v1.0/education/users?$filter=userPrincipalName%20eq%20'bob@a.example.edu'")
        .await
        .expect(200);
    assert_eq!(common::values(&found.json()).len(), 0);

    let patch = json!({"displayName": "Renamed", "passwordProfile": {"password": "N3w-secret!pw"}});
    let refused = t
        .patch(&format!("/v1.0/education/users/{ann}"), patch)
        .await;
    assert_busy_graph(&refused);
    let unchanged = t
        .get(&format!("/v1.0/education/users/{ann}"))
        .await
        .expect(200);
    assert_eq!(unchanged.json()["displayName"], "User ann");

    // Writes without a password do not need the bound.
    t.patch(
        &format!("/v1.0/education/users/{ann}"),
        json!({"displayName": "Renamed"}),
    )
    .await
    .expect(200);
    drop(held);
    t.user("bob", "student").await;
}

#[tokio::test]
async fn a_saturated_bound_shows_the_sign_in_page_again_with_503() {
    let (t, client) = app_with(tiny_bound()).await;
    t.user("ann", "student").await;
    let url = format!(
        "/{TENANT_A}/oauth2/v2.0/authorize?{}",
        encode(&[
            ("client_id", client.as_str()),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
            ),
            ("code_challenge_method", "S256"),
        ])
    );
    let page = get_page(&t, &url, None).await.expect(200);
    let cookie = flow_cookie(&page);
    let mut fields = hidden_fields(&page.text());
    fields.insert("username".into(), "ann@a.example.edu".into());
    fields.insert("password".into(), PASSWORD.into());
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let held = t.state.hashing().admit().expect("the only place");
    let path = format!("/{TENANT_A}/oauth2/v2.0/authorize");
    let busy = post_form(&t, &path, &pairs, &[("cookie", &cookie)]).await;
    assert_eq!(
        busy.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        busy.text()
    );
    assert!(busy.header("content-type").starts_with("text/html"));
    assert!(busy.text().contains("AADSTS90006"), "{}", busy.text());
    assert!(busy.header("retry-after").parse::<u64>().unwrap() >= 1);
    drop(held);
    // The page shown again carries a fresh form: retrying it signs in.
    let fields_again = hidden_fields(&busy.text());
    let mut retry: Vec<(&str, &str)> = fields_again
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    retry.extend([("username", "ann@a.example.edu"), ("password", PASSWORD)]);
    let cookie = match flow_cookie(&busy) {
        c if c.is_empty() => cookie,
        c => c,
    };
    let signed_in = post_form(&t, &path, &retry, &[("cookie", &cookie)]).await;
    assert_eq!(signed_in.status, StatusCode::FOUND, "{}", signed_in.text());
    assert!(location_params(&signed_in).contains_key("code"));
}

/// `n` password grants at once from one address (a multi-threaded runtime, so they race).
async fn burst(t: &Arc<TestApp>, client: &str, users: &[String], n: usize) -> Vec<u64> {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let (t, client, user) = (
            t.clone(),
            client.to_string(),
            users[i % users.len()].clone(),
        );
        tasks.spawn(async move {
            let resp = grant(&t, TENANT_A, &client, &user, "wrong-password").await;
            resp.json()["error_codes"][0].as_u64().unwrap_or(0)
        });
    }
    let mut codes = Vec::new();
    while let Some(code) = tasks.join_next().await {
        codes.push(code.unwrap());
    }
    codes
}

fn count(codes: &[u64], code: u64) -> usize {
    codes.iter().filter(|c| **c == code).count()
}

/// Throttle limits per account and per address; a hash bound wide enough never to refuse.
async fn racing(per_account: u32, per_address: u32) -> (Arc<TestApp>, String) {
    let config = Config {
        login_failures_per_account: per_account,
        login_failures_per_address: per_address,
        hash_concurrency: 4,
        hash_queue: 100,
        ..Config::default()
    };
    let (t, client) = app_with(config).await;
    t.user("ann", "student").await;
    (Arc::new(t), client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_passwords_reach_argon2_at_most_the_account_limit() {
    let (t, client) = racing(3, 1000).await;
    let codes = burst(&t, &client, &["ann@a.example.edu".into()], 40).await;
    assert_eq!(count(&codes, 50126), 3, "wrong-password answers: {codes:?}");
    assert_eq!(count(&codes, 50053), 37, "locked answers: {codes:?}");
    assert_eq!(t.state.hashing().verifications(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_passwords_reach_argon2_at_most_the_address_limit() {
    let (t, client) = racing(1000, 5).await;
    // Known and unknown accounts alike, all from the one (in-process) address.
    let users: Vec<String> = (0..40)
        .map(|i| match i % 2 {
            0 => "ann@a.example.edu".to_string(),
            _ => format!("nobody{i}@a.example.edu"),
        })
        .collect();
    let codes = burst(&t, &client, &users, 40).await;
    assert_eq!(count(&codes, 50126), 5, "wrong-password answers: {codes:?}");
    assert_eq!(count(&codes, 50196), 35, "throttled answers: {codes:?}");
    assert_eq!(t.state.hashing().verifications(), 5);
}

#[tokio::test]
async fn unknown_accounts_cost_one_password_check_like_known_ones() {
    let (t, client) = app_with(Config::default()).await;
    let ann = t.user("ann", "student").await;
    // An account without a password: the stored document of another user, put directly.
    let mut doc = t
        .get(&format!("/v1.0/education/users/{ann}"))
        .await
        .expect(200)
        .json();
    let orphan = uuid::Uuid::new_v4().to_string();
    doc["id"] = json!(orphan);
    doc["userPrincipalName"] = json!("nopw@a.example.edu");
    doc["mailNickname"] = json!("nopw");
    doc.as_object_mut().unwrap().remove("@odata.context");
    t.state
        .store()
        .create(TENANT_A, EntityKind::User, &doc)
        .await
        .unwrap();

    let hashing = t.state.hashing();
    let cases = [
        (TENANT_A, "ann@a.example.edu"),
        (TENANT_A, "nobody@a.example.edu"),
        (TENANT_A, "nopw@a.example.edu"),
        (TENANT_A, "not-a-upn"),
        ("common", "ann@unknown.example"),
    ];
    for (n, (tenant, user)) in cases.into_iter().enumerate() {
        let resp = grant(&t, tenant, &client, user, "wrong-password").await;
        assert_eq!(oauth_error(&resp, 400, "invalid_grant"), 50126, "{user}");
        assert_eq!(
            hashing.verifications(),
            n as u64 + 1,
            "{user} checked no password"
        );
    }
}
