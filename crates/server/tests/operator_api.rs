//! The operator API in-process: the credential (off without a token, 401 without a
//! header, 403 with a wrong token, open under `--dev`), tenant and app administration over
//! HTTP, and the audit log listing what was done, page by page.

mod platform_support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use edugraph_server::admin;
use edugraph_server::config::Config;
use edugraph_server::http::app;
use edugraph_server::AppState;
use platform_support::*;
use serde_json::json;

const OPERATOR_TOKEN: &str = "op-0123456789abcdef0123456789abcdef";

fn secured() -> Config {
    Config {
        operator_token: Some(OPERATOR_TOKEN.into()),
        ..Config::default()
    }
}

fn with_token(mut req: Request<Body>, token: &str) -> Request<Body> {
    req.headers_mut().insert(
        header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    req
}

fn error_message(resp: &TestResponse) -> String {
    resp.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn without_an_operator_token_the_admin_routes_are_off_but_health_is_not() {
    let state = test_state(Config::default()).await;
    for req in [
        get_req("/_edugraph/audit"),
        get_req("/_edugraph/tenants"),
        get_req("/_edugraph/apps"),
        post_json(
            "/_edugraph/tenants",
            r#"{"displayName":"X","domain":"x.edu"}"#,
        ),
    ] {
        let resp = send(app(state.clone()), req).await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND);
        assert!(
            error_message(&resp).contains("operator_token"),
            "{}",
            resp.text()
        );
    }
    // Even a bearer token does not switch them on.
    let resp = send(
        app(state.clone()),
        with_token(get_req("/_edugraph/tenants"), OPERATOR_TOKEN),
    )
    .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(state.store().tenants().await.unwrap().len(), 1);
    for open in ["/_edugraph/health", "/_edugraph/version"] {
        assert_eq!(
            send(app(state.clone()), get_req(open)).await.status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn the_operator_token_is_required_and_compared_exactly() {
    let state = test_state(secured()).await;
    let resp = send(app(state.clone()), get_req("/_edugraph/tenants")).await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
    assert!(resp.header("www-authenticate").starts_with("Bearer"));
    assert_eq!(resp.json()["error"]["code"], "InvalidAuthenticationToken");

    let basic = {
        let mut req = get_req("/_edugraph/tenants");
        req.headers_mut()
            .insert(header::AUTHORIZATION, "Basic b3A6b3A=".parse().unwrap());
        req
    };
    assert_eq!(
        send(app(state.clone()), basic).await.status,
        StatusCode::UNAUTHORIZED
    );

    for wrong in [
        &OPERATOR_TOKEN[..OPERATOR_TOKEN.len() - 1],
        &format!("{OPERATOR_TOKEN}x"),
        &OPERATOR_TOKEN.to_uppercase(),
    ] {
        let req = with_token(
            post_json(
                "/_edugraph/tenants",
                r#"{"displayName":"X","domain":"x.edu"}"#,
            ),
            wrong,
        );
        let resp = send(app(state.clone()), req).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{wrong}");
        assert_eq!(resp.json()["error"]["code"], "AccessDenied");
    }
    // Nothing was created, and each refusal is in the audit log.
    assert_eq!(state.store().tenants().await.unwrap().len(), 1);
    let log = state.store().audit(None, 0, 100).await.unwrap();
    assert_eq!(log.len(), 3);
    assert!(log
        .iter()
        .all(|r| r.action == "operatorRefused" && r.outcome == "failure"));

    let resp = send(
        app(state.clone()),
        with_token(get_req("/_edugraph/tenants"), OPERATOR_TOKEN),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    assert_eq!(
        resp.json()["value"],
        json!([{"tenantId": TENANT, "displayName": "Test District", "domain": "test.example"}])
    );
    // The dev-only conveniences stay dev-only, operator token or not.
    let resp = send(
        app(state.clone()),
        with_token(post_json("/_edugraph/reset", ""), OPERATOR_TOKEN),
    )
    .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn dev_mode_leaves_the_operator_api_open() {
    let state = test_state(Config {
        dev: true,
        ..Config::default()
    })
    .await;
    let resp = send(
        app(state.clone()),
        post_json(
            "/_edugraph/tenants",
            r#"{"displayName":"South","domain":"South.edu"}"#,
        ),
    )
    .await;
    assert_eq!(resp.status, StatusCode::CREATED, "{}", resp.text());
    assert_eq!(resp.json()["domain"], "south.edu");
    let resp = send(app(state.clone()), get_req("/_edugraph/audit")).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.json()["value"][0]["action"], "tenantCreated");
    assert_eq!(resp.json()["value"][0]["actor"], "operator");
}

async fn call(state: &AppState, req: Request<Body>) -> TestResponse {
    send(app(state.clone()), with_token(req, OPERATOR_TOKEN)).await
}

#[tokio::test]
async fn tenants_and_apps_are_administered_and_audited() {
    let state = test_state(secured()).await;
    let resp = call(
        &state,
        post_json(
            "/_edugraph/tenants",
            r#"{"displayName":"North Schools","domain":"north.example.edu"}"#,
        ),
    )
    .await;
    assert_eq!(resp.status, StatusCode::CREATED, "{}", resp.text());
    let north = resp.json();
    let north_id = north["tenantId"].as_str().unwrap().to_string();
    assert_eq!(north["displayName"], "North Schools");

    // Bad input: named, and nothing changes.
    for (body, status) in [
        (
            r#"{"displayName":"Again","domain":"NORTH.example.edu"}"#,
            StatusCode::CONFLICT,
        ),
        (
            r#"{"displayName":"Bad","domain":"not a domain"}"#,
            StatusCode::BAD_REQUEST,
        ),
        (r#"{"displayName":"Bad"}"#, StatusCode::BAD_REQUEST),
        (
            r#"{"displayName":"Bad","domain":"b.edu","extra":1}"#,
            StatusCode::BAD_REQUEST,
        ),
        ("not json", StatusCode::BAD_REQUEST),
    ] {
        let resp = call(&state, post_json("/_edugraph/tenants", body)).await;
        assert_eq!(resp.status, status, "{body}: {}", resp.text());
        assert!(resp.json()["error"]["message"].is_string());
    }
    assert_eq!(state.store().tenants().await.unwrap().len(), 2);

    let resp = call(
        &state,
        post_json(
            "/_edugraph/apps",
            &json!({
                "displayName": "Roster sync",
                "tenant": "north.example.edu",
                "permissions": ["EduRoster.Read.All"],
                "redirectUris": ["https://sync.example/cb"],
            })
            .to_string(),
        ),
    )
    .await;
    assert_eq!(resp.status, StatusCode::CREATED, "{}", resp.text());
    let created = resp.json();
    assert_eq!(created["tenantId"], north_id.as_str());
    let client_id = created["clientId"].as_str().unwrap().to_string();
    let secret = created["clientSecret"].as_str().unwrap().to_string();
    assert!(secret.len() >= 40);

    let resp = call(
        &state,
        post_json(
            "/_edugraph/apps",
            r#"{"displayName":"Bad","tenant":"north.example.edu","permissions":["EduRoster.Read"]}"#,
        ),
    )
    .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(error_message(&resp).contains("EduRoster.Read.All"));

    let resp = call(&state, get_req("/_edugraph/apps?tenant=north.example.edu")).await;
    assert_eq!(resp.status, StatusCode::OK);
    let apps = resp.json()["value"].clone();
    assert_eq!(apps.as_array().unwrap().len(), 1);
    assert_eq!(apps[0]["clientId"], client_id.as_str());
    assert_eq!(apps[0]["consented"], false);
    assert_eq!(apps[0]["publicClient"], false);
    assert!(!resp.text().contains(&secret));
    let resp = call(&state, get_req(&format!("/_edugraph/apps?tenant={TENANT}"))).await;
    assert_eq!(resp.json()["value"], json!([]));
    assert_eq!(
        call(&state, get_req("/_edugraph/apps?tenant=nowhere.edu"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The audit log, per tenant and in pages.
    admin::apps::consent(
        state.store(),
        &client_id,
        None,
        "cli",
        time::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    let resp = call(
        &state,
        get_req(&format!("/_edugraph/audit?tenant={north_id}")),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let entries = resp.json()["value"].clone();
    let actions: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["tenantCreated", "appCreated", "consentGranted"]);
    assert!(entries
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["tenantId"] == north_id.as_str()));
    assert_eq!(entries[1]["target"], client_id.as_str());
    assert_eq!(entries[1]["actor"], "operator");
    assert!(!resp.text().contains(&secret), "no secret in the audit log");

    let first = call(
        &state,
        get_req(&format!("/_edugraph/audit?tenant={north_id}&limit=2")),
    )
    .await
    .json();
    assert_eq!(first["value"].as_array().unwrap().len(), 2);
    let next = first["@odata.nextLink"].as_str().expect("a next page");
    let path = &next[next.find("/_edugraph").unwrap()..];
    let second = call(&state, get_req(path)).await.json();
    assert_eq!(second["value"].as_array().unwrap().len(), 1);
    assert_eq!(second["value"][0]["action"], "consentGranted");
    assert!(second.get("@odata.nextLink").is_none());

    for bad in [
        "/_edugraph/audit?limit=0",
        "/_edugraph/audit?limit=1001",
        "/_edugraph/audit?after=-1",
        "/_edugraph/audit?after=x",
        "/_edugraph/audit?since=1",
        "/_edugraph/audit?limit=1&limit=2",
    ] {
        assert_eq!(
            call(&state, get_req(bad)).await.status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    assert_eq!(
        call(&state, get_req("/_edugraph/audit?tenant=nowhere.edu"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A public client gets no secret (and is refused application permissions).
    let resp = call(
        &state,
        post_json(
            "/_edugraph/apps",
            r#"{"displayName":"Phone","tenant":"north.example.edu","delegatedPermissions":["EduRoster.ReadBasic"],"publicClient":true}"#,
        ),
    )
    .await;
    assert_eq!(resp.status, StatusCode::CREATED, "{}", resp.text());
    let public = resp.json();
    assert_eq!(public["publicClient"], true);
    assert!(public.get("clientSecret").is_none(), "{public}");
    let public_id = public["clientId"].as_str().unwrap().to_string();
    assert!(state
        .store()
        .app_secrets(&public_id)
        .await
        .unwrap()
        .is_empty());
    let resp = call(
        &state,
        post_json(
            "/_edugraph/apps",
            r#"{"displayName":"Bad","tenant":"north.example.edu","permissions":["EduRoster.Read.All"],"publicClient":true}"#,
        ),
    )
    .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(error_message(&resp).contains("public client"));
    let listed = state.store().app(&public_id).await.unwrap().unwrap();
    assert!(listed.public_client);
}

/// The token endpoint's answer to `client_credentials` with this secret.
async fn client_credentials(state: &AppState, client_id: &str, secret: &str) -> TestResponse {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("client_id", client_id)
        .append_pair("client_secret", secret)
        .append_pair("scope", "https://graph.microsoft.com/.default")
        .finish();
    let req = Request::post(format!("/{TENANT}/oauth2/v2.0/token"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    send(app(state.clone()), req).await
}

fn roles_of(resp: &TestResponse) -> serde_json::Value {
    use base64::Engine;
    let token = resp.json()["access_token"].as_str().unwrap().to_string();
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    claims.get("roles").cloned().unwrap_or(json!(null))
}

#[tokio::test]
async fn an_app_registered_here_signs_in_at_the_token_endpoint() {
    let state = test_state(secured()).await;
    let created = call(
        &state,
        post_json(
            "/_edugraph/apps",
            r#"{"displayName":"Sync","permissions":["EduRoster.Read.All"]}"#,
        ),
    )
    .await
    .json();
    let client_id = created["clientId"].as_str().unwrap().to_string();
    let secret = created["clientSecret"].as_str().unwrap().to_string();

    // Before consent: a token, but no roles.
    let resp = client_credentials(&state, &client_id, &secret).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    assert_eq!(
        roles_of(&resp),
        json!(null),
        "no roles claim before consent"
    );

    let now = time::OffsetDateTime::now_utc();
    admin::apps::consent(state.store(), &client_id, None, "cli", now)
        .await
        .unwrap();
    let resp = client_credentials(&state, &client_id, &secret).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    assert_eq!(roles_of(&resp), json!(["EduRoster.Read.All"]));

    // A new secret works; once revoked, the old one does not.
    let (_, second) = admin::apps::add_secret(state.store(), &client_id, None, "cli", now)
        .await
        .unwrap();
    let first_id = state
        .store()
        .app_secrets(&client_id)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.secret_id != second.record.secret_id)
        .unwrap()
        .secret_id;
    admin::apps::revoke_secret(state.store(), &client_id, &first_id, "cli", now)
        .await
        .unwrap();
    let resp = client_credentials(&state, &client_id, &secret).await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED, "{}", resp.text());
    assert_eq!(resp.json()["error"], "invalid_client");
    let resp = client_credentials(&state, &client_id, &second.secret).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
}

#[tokio::test]
async fn verified_domains_are_added_and_listed_behind_the_operator_credential() {
    let state = test_state(secured()).await;
    let path = format!("/_edugraph/tenants/{TENANT}/domains");
    let body = r#"{"domain":"Students.Test.Example"}"#;
    let resp = send(app(state.clone()), post_json(&path, body)).await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
    let resp = send(
        app(state.clone()),
        with_token(post_json(&path, body), "wrong"),
    )
    .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert_eq!(
        state.store().tenant_domains(TENANT).await.unwrap(),
        ["test.example"]
    );

    let resp = call(&state, post_json(&path, body)).await;
    assert_eq!(resp.status, StatusCode::CREATED, "{}", resp.text());
    assert_eq!(
        resp.json(),
        json!({"tenantId": TENANT, "domain": "students.test.example", "isPrimary": false})
    );
    // A retry is harmless: 200, nothing new.
    let resp = call(&state, post_json(&path, body)).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());

    let resp = call(
        &state,
        post_json(
            "/_edugraph/tenants",
            r#"{"displayName":"North","domain":"north.example.edu"}"#,
        ),
    )
    .await;
    assert_eq!(resp.status, StatusCode::CREATED);
    for (body, status) in [
        (r#"{"domain":"north.example.edu"}"#, StatusCode::CONFLICT),
        (r#"{"domain":"not a domain"}"#, StatusCode::BAD_REQUEST),
        (
            r#"{"domain":"c.edu","primary":true}"#,
            StatusCode::BAD_REQUEST,
        ),
        ("{}", StatusCode::BAD_REQUEST),
    ] {
        let resp = call(&state, post_json(&path, body)).await;
        assert_eq!(resp.status, status, "{body}: {}", resp.text());
        assert!(resp.json()["error"]["message"].is_string());
    }
    let resp = call(
        &state,
        post_json("/_edugraph/tenants/nowhere.edu/domains", body),
    )
    .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);

    // Listed by the tenant's id or by any of its domains, the primary one first.
    for name in [TENANT, "students.test.example"] {
        let resp = call(
            &state,
            get_req(&format!("/_edugraph/tenants/{name}/domains")),
        )
        .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
        assert_eq!(
            resp.json()["value"],
            json!([
                {"tenantId": TENANT, "domain": "test.example", "isPrimary": true},
                {"tenantId": TENANT, "domain": "students.test.example", "isPrimary": false},
            ])
        );
    }
    let log = state.store().audit(Some(TENANT), 0, 100).await.unwrap();
    let added: Vec<_> = log
        .iter()
        .filter(|r| r.action == "tenantDomainAdded")
        .collect();
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].actor, "operator");
}
