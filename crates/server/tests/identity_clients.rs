//! Clients authenticate as they were registered: a confidential client's secret on every
//! grant, public clients without secrets and with PKCE, refresh-token families revoked on
//! reuse, consent before the `password` grant, and delegated tokens that die with their
//! account.

mod common;
mod identity_support;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use common::{Resp, TestApp, TENANT_A};
use edugraph_server::admin::apps::{self, NewApp};
use edugraph_server::authority::client::hash_hex;
use edugraph_store::AuthCodeRecord;
use identity_support::*;
use serde_json::json;
use sha2::{Digest, Sha256};

const VERIFIER: &str = "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk";
const BASIC_SCOPE: &str = "https://graph.microsoft.com/EduRoster.ReadBasic openid offline_access";
const ROSTER_READ: &str = "EduRoster.Read.All";

fn challenge() -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()))
}

fn basic(client: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{client}:{SECRET}")))
}

fn authorize_url(client: &str, pkce: bool) -> String {
    let challenge = challenge();
    let mut pairs = vec![
        ("client_id", client),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", BASIC_SCOPE),
        ("state", "s1"),
    ];
    if pkce {
        pairs.push(("code_challenge", &challenge));
        pairs.push(("code_challenge_method", "S256"));
    }
    format!("/{TENANT_A}/oauth2/v2.0/authorize?{}", encode(&pairs))
}

/// Signs `username` in on the authorize page and returns the redirect.
async fn sign_in(t: &TestApp, url: &str, username: &str) -> Resp {
    let page = get_page(t, url, None).await.expect(200);
    let cookie = flow_cookie(&page);
    let mut fields = hidden_fields(&page.text());
    fields.insert("username".into(), username.into());
    fields.insert("password".into(), PASSWORD.into());
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let path = format!("/{TENANT_A}/oauth2/v2.0/authorize");
    post_form(t, &path, &pairs, &[("cookie", &cookie)]).await
}

/// A code for ada, issued to `client` with an S256 challenge.
async fn code_for(t: &TestApp, client: &str) -> String {
    let done = sign_in(t, &authorize_url(client, true), "ada@a.example.edu")
        .await
        .expect(302);
    location_params(&done)["code"].clone()
}

fn code_form<'a>(client: &'a str, code: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("client_id", client),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ]
}

fn refresh_form<'a>(client: &'a str, token: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "refresh_token"),
        ("client_id", client),
        ("refresh_token", token),
    ]
}

fn with_secret<'a>(mut form: Vec<(&'a str, &'a str)>) -> Vec<(&'a str, &'a str)> {
    form.push(("client_secret", SECRET));
    form
}

fn password_form<'a>(client: &'a str, user: &'a str, scope: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "password"),
        ("client_id", client),
        ("username", user),
        ("password", PASSWORD),
        ("scope", scope),
    ]
}

async fn post(t: &TestApp, form: &[(&str, &str)]) -> Resp {
    post_form(t, &token_path(TENANT_A), form, &[]).await
}

async fn post_basic(t: &TestApp, client: &str, form: &[(&str, &str)]) -> Resp {
    let auth = basic(client);
    post_form(t, &token_path(TENANT_A), form, &[("authorization", &auth)]).await
}

/// Asserts Entra's refusal of a confidential client that sent no secret.
#[track_caller]
fn secret_missing(resp: &Resp) {
    assert_eq!(oauth_error(resp, 401, "invalid_client"), 7000218);
    let description = resp.json()["error_description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        description.starts_with("AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
        "{description}"
    );
}

fn refresh_token_of(resp: Resp) -> String {
    resp.expect(200).json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_confidential_client_needs_its_secret_on_every_grant() {
    let t = TestApp::new().await;
    t.user("ada", "teacher").await;
    let client =
        register_consented_app(&t, TENANT_A, &[ROSTER_READ], &["EduRoster.ReadBasic"]).await;
    let c = client.as_str();

    // client_credentials
    let app_only = [
        ("grant_type", "client_credentials"),
        ("client_id", c),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    secret_missing(&post(&t, &app_only).await);
    post_basic(&t, c, &app_only).await.expect(200);

    // password: the client id alone used to be enough.
    let password = password_form(c, "ada@a.example.edu", BASIC_SCOPE);
    secret_missing(&post(&t, &password).await);
    let mut wrong = password.clone();
    wrong.push(("client_secret", "not-the-secret"));
    assert_eq!(
        oauth_error(&post(&t, &wrong).await, 401, "invalid_client"),
        7000215
    );
    let rt = refresh_token_of(post(&t, &with_secret(password.clone())).await);
    let mut by_basic = password.clone();
    by_basic.remove(1);
    post_basic(&t, c, &by_basic).await.expect(200);

    // authorization_code: a leaked code is worthless without the secret.
    let code = code_for(&t, c).await;
    secret_missing(&post(&t, &code_form(c, &code)).await);
    let code = code_for(&t, c).await;
    post(&t, &with_secret(code_form(c, &code)))
        .await
        .expect(200);
    let code = code_for(&t, c).await;
    let mut by_basic = code_form(c, &code);
    by_basic.remove(1);
    post_basic(&t, c, &by_basic).await.expect(200);

    // refresh_token: a leaked refresh token is worthless too, and the failed attempt
    // leaves it usable by its client.
    secret_missing(&post(&t, &refresh_form(c, &rt)).await);
    let mut basic_refresh = refresh_form(c, &rt);
    basic_refresh.remove(1);
    let rt2 = refresh_token_of(post_basic(&t, c, &basic_refresh).await);
    post(&t, &with_secret(refresh_form(c, &rt2)))
        .await
        .expect(200);
}

#[tokio::test]
async fn a_public_client_has_no_secret_and_must_use_pkce() {
    let t = TestApp::new().await;
    let ada = t.user("ada", "teacher").await;
    let store = t.state.store();
    let new = NewApp {
        tenant: Some(TENANT_A.into()),
        display_name: "Phone app".into(),
        delegated_permissions: vec!["EduRoster.ReadBasic".into()],
        redirect_uris: vec![REDIRECT.into()],
        public_client: true,
        ..NewApp::default()
    };
    let now = time::OffsetDateTime::now_utc();
    let (app, secret) = apps::create(store, &new, "cli", now).await.unwrap();
    assert!(app.public_client && secret.is_none());
    assert!(store.app_secrets(&app.client_id).await.unwrap().is_empty());
    assert!(apps::add_secret(store, &app.client_id, None, "cli", now)
        .await
        .is_err());
    let c = app.client_id.as_str();

    // Without a code challenge the authorize request is refused back to the app.
    let page = get_page(&t, &authorize_url(c, false), None)
        .await
        .expect(302);
    let params = location_params(&page);
    assert_eq!(params["error"], "invalid_request");
    assert!(
        params["error_description"].starts_with("AADSTS9002325:"),
        "{params:?}"
    );

    // With PKCE the code flow works without a secret.
    let code = code_for(&t, c).await;
    let body = post(&t, &code_form(c, &code)).await.expect(200).json();
    assert_eq!(claims(body["access_token"].as_str().unwrap())["oid"], ada);
    let rt = body["refresh_token"].as_str().unwrap().to_string();
    post(&t, &refresh_form(c, &rt)).await.expect(200);

    // A code without a challenge (none can be issued to it, but one might be stored) is
    // refused at the token endpoint.
    let bare = "bare-code-0123456789";
    let record = AuthCodeRecord {
        code_hash: hash_hex(bare),
        tenant: TENANT_A.into(),
        client_id: c.into(),
        user_id: ada.clone(),
        redirect_uri: REDIRECT.into(),
        scopes: vec!["EduRoster.ReadBasic".into()],
        code_challenge: None,
        challenge_method: None,
        nonce: None,
        expires_at: "2099-01-01T00:00:00.0000000Z".into(),
    };
    store.put_auth_code(&record).await.unwrap();
    let mut no_verifier = code_form(c, bare);
    no_verifier.pop();
    assert_eq!(
        oauth_error(&post(&t, &no_verifier).await, 400, "invalid_request"),
        9002325
    );

    // It presents no secret, and it cannot get app-only tokens.
    let code = code_for(&t, c).await;
    assert_eq!(
        oauth_error(
            &post(&t, &with_secret(code_form(c, &code))).await,
            401,
            "invalid_client"
        ),
        700025
    );
    let app_only = [
        ("grant_type", "client_credentials"),
        ("client_id", c),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    assert_eq!(
        oauth_error(&post(&t, &app_only).await, 401, "invalid_client"),
        7000218
    );
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_its_family() {
    let t = TestApp::new().await;
    let ada = t.user("ada", "teacher").await;
    let client = register_consented_app(&t, TENANT_A, &[], &["EduRoster.ReadBasic"]).await;
    let c = client.as_str();
    let password = with_secret(password_form(c, "ada@a.example.edu", BASIC_SCOPE));
    let a = refresh_token_of(post(&t, &password).await);
    // Another sign-in is another family.
    let other = refresh_token_of(post(&t, &password).await);
    let b = refresh_token_of(post(&t, &with_secret(refresh_form(c, &a))).await);

    // A presented again: refused, and B, rotated from it, dies with it.
    assert_eq!(
        oauth_error(
            &post(&t, &with_secret(refresh_form(c, &a))).await,
            400,
            "invalid_grant"
        ),
        70000
    );
    assert_eq!(
        oauth_error(
            &post(&t, &with_secret(refresh_form(c, &b))).await,
            400,
            "invalid_grant"
        ),
        70000
    );
    post(&t, &with_secret(refresh_form(c, &other)))
        .await
        .expect(200);

    let log = t.state.store().audit(Some(TENANT_A), 0, 100).await.unwrap();
    let reuse: Vec<_> = log
        .iter()
        .filter(|r| r.action == "refreshTokenReused")
        .collect();
    assert_eq!(reuse.len(), 1, "{log:?}");
    assert_eq!(reuse[0].outcome, "failure");
    assert_eq!(reuse[0].actor, client);
    assert_eq!(reuse[0].target.as_deref(), Some(ada.as_str()));
    assert_eq!(reuse[0].detail["revokedTokens"], 1);
}

#[tokio::test]
async fn the_password_grant_needs_consent() {
    let t = TestApp::new().await;
    t.user("ada", "teacher").await;
    t.user("bea", "student").await;
    let client = register_app(&t, TENANT_A, &[], &["EduRoster.ReadBasic", "User.Read"]).await;
    let c = client.as_str();
    let refused = post(
        &t,
        &with_secret(password_form(c, "ada@a.example.edu", BASIC_SCOPE)),
    )
    .await;
    assert_eq!(oauth_error(&refused, 400, "invalid_grant"), 65001);
    let description = refused.json()["error_description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        description.contains(&format!(
            "has not consented to use the application with ID '{client}' named 'Gradebook <Sync>'"
        )),
        "{description}"
    );

    // Signing in on the authorize page consents to what the page named (EduRoster.ReadBasic),
    // for that user only.
    let page = get_page(&t, &authorize_url(c, true), None)
        .await
        .expect(200);
    assert!(
        page.text()
            .contains("act in your name with: EduRoster.ReadBasic"),
        "{}",
        page.text()
    );
    code_for(&t, c).await;
    post(
        &t,
        &with_secret(password_form(c, "ada@a.example.edu", BASIC_SCOPE)),
    )
    .await
    .expect(200);
    let wider = "https://graph.microsoft.com/.default openid";
    assert_eq!(
        oauth_error(
            &post(
                &t,
                &with_secret(password_form(c, "ada@a.example.edu", wider))
            )
            .await,
            400,
            "invalid_grant"
        ),
        65001
    );
    assert_eq!(
        oauth_error(
            &post(
                &t,
                &with_secret(password_form(c, "bea@a.example.edu", BASIC_SCOPE))
            )
            .await,
            400,
            "invalid_grant"
        ),
        65001
    );

    // The administrator's consent covers every user and every permission of the app.
    consent(&t, TENANT_A, c, &[]).await;
    for user in ["ada@a.example.edu", "bea@a.example.edu"] {
        let body = post(&t, &with_secret(password_form(c, user, wider)))
            .await
            .expect(200)
            .json();
        assert_eq!(
            claims(body["access_token"].as_str().unwrap())["scp"],
            "EduRoster.ReadBasic User.Read"
        );
    }
}

#[tokio::test]
async fn a_disabled_or_deleted_users_tokens_stop_working_at_once() {
    let t = TestApp::new().await;
    let ada = t.user("ada", "teacher").await;
    let bea = t.user("bea", "teacher").await;
    let client = register_consented_app(&t, TENANT_A, &[], &["EduRoster.ReadBasic"]).await;
    let issued = post(
        &t,
        &with_secret(password_form(&client, "ada@a.example.edu", BASIC_SCOPE)),
    )
    .await
    .expect(200)
    .json();
    let token = issued["access_token"].as_str().unwrap().to_string();
    let minted = t.user_token(&bea, &["EduRoster.ReadBasic"]);
    for tk in [&token, &minted] {
        t.get_as("/v1.0/education/me", tk).await.expect(200);
    }

    let ada_path = format!("/v1.0/education/users/{ada}");
    t.patch(&ada_path, json!({"accountEnabled": false}))
        .await
        .expect(200);
    let refused = t.get_as("/v1.0/education/me", &token).await.expect(401);
    assert!(refused.header("www-authenticate").contains("invalid_token"));
    assert!(
        refused.text().contains("disabled or no longer exists"),
        "{}",
        refused.text()
    );
    // Enabled again, the token works again.
    t.patch(&ada_path, json!({"accountEnabled": true}))
        .await
        .expect(200);
    t.get_as("/v1.0/education/me", &token).await.expect(200);

    // Deleted: both the issued and a minted token of the user stop working.
    t.delete(&ada_path).await.expect(204);
    t.get_as("/v1.0/education/me", &token).await.expect(401);
    t.delete(&format!("/v1.0/education/users/{bea}"))
        .await
        .expect(204);
    t.get_as("/v1.0/education/classes", &minted)
        .await
        .expect(401);
    // App tokens are not about an account.
    t.get("/v1.0/education/users").await.expect(200);
}
