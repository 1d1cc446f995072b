//! Sign-in throttling per account and per client address, at the token endpoint and on
//! the sign-in page.

mod common;
mod identity_support;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request};
use common::{Resp, TestApp, TENANT_A};
use edugraph_server::config::Config;
use identity_support::*;

async fn limited() -> (TestApp, String) {
    let config = Config {
        login_failures_per_account: 3,
        login_failures_per_address: 5,
        login_window_secs: 600,
        ..Config::default()
    };
    let t = TestApp::with_config(config).await;
    for nick in ["ann", "ben", "cat"] {
        t.user(nick, "student").await;
    }
    let client = register_consented_app(&t, TENANT_A, &[], &["EduRoster.ReadBasic"]).await;
    (t, client)
}

/// A password grant from a given client address.
async fn from(t: &TestApp, ip: &str, client: &str, user: &str, password: &str) -> Resp {
    let form = encode(&[
        ("grant_type", "password"),
        ("client_id", client),
        ("client_secret", SECRET),
        ("username", user),
        ("password", password),
        ("scope", "openid"),
    ]);
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(token_path(TENANT_A))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let addr: SocketAddr = format!("{ip}:50000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(addr));
    t.send(req).await
}

#[tokio::test]
async fn an_account_locks_after_repeated_failures_even_for_the_right_password() {
    let (t, client) = limited().await;
    for i in 0..3 {
        let ip = format!("10.0.0.{i}");
        assert_eq!(
            oauth_error(
                &from(&t, &ip, &client, "ann@a.example.edu", "bad").await,
                400,
                "invalid_grant"
            ),
            50126
        );
    }
    let locked = from(&t, "10.0.0.9", &client, "ANN@a.example.edu", PASSWORD).await;
    assert_eq!(oauth_error(&locked, 400, "invalid_grant"), 50053);
    assert!(locked.header("retry-after").parse::<u64>().unwrap() > 0);
    // Other accounts are unaffected.
    from(&t, "10.0.0.9", &client, "ben@a.example.edu", PASSWORD)
        .await
        .expect(200);
    let log = t.state.store().audit(Some(TENANT_A), 0, 100).await.unwrap();
    let last_failure = log
        .iter()
        .rev()
        .find(|r| r.action == "signInFailed")
        .unwrap();
    assert_eq!(last_failure.detail["code"], "AADSTS50053");
    assert_eq!(last_failure.client_ip.as_deref(), Some("10.0.0.9"));
}

#[tokio::test]
async fn an_address_is_throttled_across_accounts() {
    let (t, client) = limited().await;
    for (i, user) in ["ann", "ben", "cat", "ann", "ben"].iter().enumerate() {
        let resp = from(
            &t,
            "192.0.2.7",
            &client,
            &format!("{user}@a.example.edu"),
            &format!("bad{i}"),
        )
        .await;
        assert_eq!(oauth_error(&resp, 400, "invalid_grant"), 50126);
    }
    let throttled = from(&t, "192.0.2.7", &client, "cat@a.example.edu", PASSWORD).await;
    assert_eq!(
        oauth_error(&throttled, 429, "temporarily_unavailable"),
        50196
    );
    from(&t, "192.0.2.8", &client, "cat@a.example.edu", PASSWORD)
        .await
        .expect(200);
}

#[tokio::test]
async fn the_sign_in_page_answers_429_when_throttled() {
    let (t, client) = limited().await;
    let url = format!(
        "/{TENANT_A}/oauth2/v2.0/authorize?{}",
        encode(&[
            ("client_id", &client),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid")
        ])
    );
    let mut status = Vec::new();
    for _ in 0..4 {
        let page = get_page(&t, &url, None).await.expect(200);
        let cookie = flow_cookie(&page);
        let mut fields = hidden_fields(&page.text());
        fields.extend([
            ("username".to_string(), "ann@a.example.edu".to_string()),
            ("password".into(), "bad".into()),
        ]);
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let resp = post_form(
            &t,
            &format!("/{TENANT_A}/oauth2/v2.0/authorize"),
            &pairs,
            &[("cookie", &cookie)],
        )
        .await;
        assert!(resp.header("content-type").starts_with("text/html"));
        status.push(resp.status.as_u16());
    }
    assert_eq!(status, [200, 200, 200, 429]);
}
