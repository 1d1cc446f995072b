//! The authorization-code flow: the sign-in page, the redirect with a code, PKCE, code
//! reuse, and the refusals that must stay on the page versus those that are redirected.

mod common;
mod identity_support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{Resp, TestApp, TENANT_A};
use identity_support::*;
use sha2::{Digest, Sha256};

const VERIFIER: &str = "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn authorize_url(client: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("client_id", client),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        (
            "scope",
            "https://graph.microsoft.com/EduRoster.ReadBasic openid offline_access",
        ),
        ("state", "st<\"&>1"),
    ];
    pairs.extend_from_slice(extra);
    format!("/{TENANT_A}/oauth2/v2.0/authorize?{}", encode(&pairs))
}

struct Setup {
    t: TestApp,
    client: String,
}

async fn setup() -> Setup {
    let t = TestApp::new().await;
    t.user("ada", "teacher").await;
    let client = register_app(&t, TENANT_A, &[], &["EduRoster.ReadBasic", "User.Read"]).await;
    Setup { t, client }
}

/// Opens the page, then posts the form with these credentials (and field overrides).
async fn sign_in(s: &Setup, url: &str, password: &str, change: &[(&str, &str)]) -> Resp {
    let page = get_page(&s.t, url, None).await.expect(200);
    assert!(page.header("content-type").starts_with("text/html"));
    let cookie = flow_cookie(&page);
    let mut fields = hidden_fields(&page.text());
    fields.insert("username".into(), "ada@a.example.edu".into());
    fields.insert("password".into(), password.into());
    for (k, v) in change {
        fields.insert(k.to_string(), v.to_string());
    }
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    post_form(
        &s.t,
        &format!("/{TENANT_A}/oauth2/v2.0/authorize"),
        &pairs,
        &[("cookie", &cookie)],
    )
    .await
}

async fn redeem(s: &Setup, code: &str, verifier: &str, redirect: &str) -> Resp {
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", s.client.as_str()),
        ("client_secret", SECRET),
        ("code", code),
        ("redirect_uri", redirect),
        ("code_verifier", verifier),
        (
            "scope",
            "https://graph.microsoft.com/EduRoster.ReadBasic openid offline_access",
        ),
    ];
    post_form(&s.t, &token_path(TENANT_A), &form, &[]).await
}

#[tokio::test]
async fn code_flow_with_s256_pkce_end_to_end() {
    let s = setup().await;
    let url = authorize_url(
        &s.client,
        &[
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
            ("nonce", "n-123"),
        ],
    );
    let done = sign_in(&s, &url, PASSWORD, &[]).await.expect(302);
    assert!(done.header("location").starts_with(&format!("{REDIRECT}?")));
    let params = location_params(&done);
    assert_eq!(params["state"], "st<\"&>1");
    let code = &params["code"];

    let body = redeem(&s, code, VERIFIER, REDIRECT)
        .await
        .expect(200)
        .json();
    let access = claims(body["access_token"].as_str().unwrap());
    assert_eq!(
        (access["scp"].as_str(), access["appid"].as_str()),
        (Some("EduRoster.ReadBasic"), Some(s.client.as_str()))
    );
    assert_eq!(claims(body["id_token"].as_str().unwrap())["nonce"], "n-123");
    assert!(body["refresh_token"].is_string());
    s.t.get_as("/v1.0/education/me", body["access_token"].as_str().unwrap())
        .await
        .expect(200);

    // A code works once.
    assert_eq!(
        oauth_error(
            &redeem(&s, code, VERIFIER, REDIRECT).await,
            400,
            "invalid_grant"
        ),
        54005
    );
}

#[tokio::test]
async fn pkce_mismatch_plain_method_and_wrong_redirect_uri() {
    let s = setup().await;
    let with_s256 = authorize_url(
        &s.client,
        &[
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ],
    );
    let code =
        location_params(&sign_in(&s, &with_s256, PASSWORD, &[]).await.expect(302))["code"].clone();
    let other = "x".repeat(43);
    assert_eq!(
        oauth_error(
            &redeem(&s, &code, &other, REDIRECT).await,
            400,
            "invalid_grant"
        ),
        501481
    );

    let plain = authorize_url(
        &s.client,
        &[
            ("code_challenge", VERIFIER),
            ("code_challenge_method", "plain"),
        ],
    );
    let code =
        location_params(&sign_in(&s, &plain, PASSWORD, &[]).await.expect(302))["code"].clone();
    redeem(&s, &code, VERIFIER, REDIRECT).await.expect(200);

    let code =
        location_params(&sign_in(&s, &with_s256, PASSWORD, &[]).await.expect(302))["code"].clone();
    assert_eq!(
        oauth_error(
            &redeem(&s, &code, VERIFIER, "http://localhost:5000/cb?x=1").await,
            400,
            "invalid_grant"
        ),
        500117
    );

    // A code for one client is no good to another.
    let thief = register_app(&s.t, TENANT_A, &[], &["EduRoster.ReadBasic"]).await;
    let code =
        location_params(&sign_in(&s, &with_s256, PASSWORD, &[]).await.expect(302))["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", thief.as_str()),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    assert_eq!(
        oauth_error(
            &post_form(&s.t, &token_path(TENANT_A), &form, &[]).await,
            400,
            "invalid_grant"
        ),
        70000
    );
}

#[tokio::test]
async fn unknown_clients_and_unregistered_redirects_stay_on_the_page() {
    let s = setup().await;
    let unknown = authorize_url(&uuid::Uuid::new_v4().to_string(), &[]);
    let page = get_page(&s.t, &unknown, None).await.expect(400);
    assert!(
        page.header("location").is_empty() && page.text().contains("AADSTS700016"),
        "{}",
        page.text()
    );
    let evil = format!(
        "/{TENANT_A}/oauth2/v2.0/authorize?{}",
        encode(&[
            ("client_id", &s.client),
            ("response_type", "code"),
            ("redirect_uri", "https://evil.example/cb"),
            ("scope", "openid"),
            ("state", "s")
        ])
    );
    let page = get_page(&s.t, &evil, None).await.expect(400);
    assert!(page.header("location").is_empty() && page.text().contains("AADSTS50011"));
    assert!(!page.text().contains("<script"));
}

#[tokio::test]
async fn request_errors_after_validation_are_redirected_with_state() {
    let s = setup().await;
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[("response_type", "token")], "unsupported_response_type"),
        (
            &[("scope", "https://graph.microsoft.com/EduRoster.ReadWrite")],
            "invalid_scope",
        ),
        (
            &[
                ("code_challenge", "short"),
                ("code_challenge_method", "S256"),
            ],
            "invalid_request",
        ),
        (&[("prompt", "none")], "login_required"),
    ];
    for (change, error) in cases {
        let mut pairs: Vec<(&str, &str)> = vec![
            ("client_id", &s.client),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
            ("state", "abc"),
        ];
        for (k, v) in change {
            pairs.retain(|(key, _)| key != k);
            pairs.push((k, v));
        }
        let url = format!("/{TENANT_A}/oauth2/v2.0/authorize?{}", encode(&pairs));
        let resp = get_page(&s.t, &url, None).await.expect(302);
        let params = location_params(&resp);
        assert_eq!(
            (params["error"].as_str(), params["state"].as_str()),
            (error, "abc"),
            "{change:?}"
        );
        assert!(params["error_description"].starts_with("AADSTS"));
    }
}

#[tokio::test]
async fn wrong_passwords_stay_on_the_form_and_tampering_is_refused() {
    let s = setup().await;
    let url = authorize_url(&s.client, &[]);
    let again = sign_in(&s, &url, "wrong", &[]).await.expect(200);
    assert!(
        again.text().contains("AADSTS50126")
            && again.text().contains("value=\"ada@a.example.edu\"")
    );
    assert!(hidden_fields(&again.text()).contains_key("ticket"));

    for change in [
        [("state", "other")],
        [("redirect_uri", "http://localhost:5000/cb?x=1")],
        [("ticket", "forged")],
    ] {
        let resp = sign_in(&s, &url, PASSWORD, &change).await.expect(400);
        assert!(resp.header("location").is_empty(), "{change:?}");
    }
    // Posted without the flow cookie (another browser, or another site's form).
    let page = get_page(&s.t, &url, None).await.expect(200);
    let fields = hidden_fields(&page.text());
    let mut pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    pairs.extend([("username", "ada@a.example.edu"), ("password", PASSWORD)]);
    let path = format!("/{TENANT_A}/oauth2/v2.0/authorize");
    post_form(&s.t, &path, &pairs, &[]).await.expect(400);
    post_form(
        &s.t,
        &path,
        &pairs,
        &[(
            "cookie",
            "edugraph_flow=someone-elses-cookie-value-000000000",
        )],
    )
    .await
    .expect(400);
    // With it, once; the same ticket again is refused.
    let cookie = flow_cookie(&page);
    post_form(&s.t, &path, &pairs, &[("cookie", &cookie)])
        .await
        .expect(302);
    post_form(&s.t, &path, &pairs, &[("cookie", &cookie)])
        .await
        .expect(400);
}

#[tokio::test]
async fn the_common_endpoint_takes_the_tenant_from_the_user() {
    let s = setup().await;
    let url = format!(
        "/common/oauth2/v2.0/authorize?{}",
        encode(&[
            ("client_id", &s.client),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
            ("code_challenge", VERIFIER)
        ])
    );
    let page = get_page(&s.t, &url, None).await.expect(200);
    let cookie = flow_cookie(&page);
    let mut fields = hidden_fields(&page.text());
    fields.extend([
        ("username".to_string(), "ada@a.example.edu".to_string()),
        ("password".into(), PASSWORD.into()),
    ]);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let done = post_form(
        &s.t,
        "/common/oauth2/v2.0/authorize",
        &pairs,
        &[("cookie", &cookie)],
    )
    .await
    .expect(302);
    let code = location_params(&done)["code"].clone();
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", s.client.as_str()),
        ("client_secret", SECRET),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let body = post_form(&s.t, &token_path("common"), &form, &[])
        .await
        .expect(200)
        .json();
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["tid"],
        TENANT_A
    );
    // The flow started on `common` cannot be finished on a tenant's page.
    let page = get_page(&s.t, &url, None).await.expect(200);
    let cookie = flow_cookie(&page);
    let mut fields = hidden_fields(&page.text());
    fields.extend([
        ("username".to_string(), "ada@a.example.edu".to_string()),
        ("password".into(), PASSWORD.into()),
    ]);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    post_form(
        &s.t,
        &format!("/{TENANT_A}/oauth2/v2.0/authorize"),
        &pairs,
        &[("cookie", &cookie)],
    )
    .await
    .expect(400);
}
