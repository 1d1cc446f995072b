//! Tokens: mint/verify round trips, every way a bearer token can be wrong (each a 401
//! Graph envelope with `WWW-Authenticate`), the dev token endpoint and key persistence.

mod platform_support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use edugraph_edu::demo::DemoSize;
use edugraph_edu::Caller;
use edugraph_server::auth::{
    mint, verify_token, Authenticated, Claims, Keys, TokenRequest, TokenSubject, GRAPH_AUDIENCE,
};
use edugraph_server::config::Config;
use edugraph_server::http::{app, middleware};
use edugraph_server::AppState;
use platform_support::*;
use serde_json::json;
use time::{Duration, OffsetDateTime};

/// A route that needs a caller and reports who it was.
fn whoami_app(state: AppState) -> Router {
    let config = state.config().clone();
    let routes = Router::new()
        .route(
            "/whoami",
            get(|Authenticated(caller): Authenticated| async move {
                match caller {
                    Caller::App {
                        tenant,
                        app_id,
                        roles,
                    } => format!("app {tenant} {app_id} {}", roles.join(",")),
                    Caller::User {
                        tenant,
                        user_id,
                        scopes,
                        ..
                    } => format!("user {tenant} {user_id} {}", scopes.join(",")),
                }
            }),
        )
        .with_state(state);
    middleware::apply(routes, &config)
}

fn app_request(tenant: &str) -> TokenRequest {
    TokenRequest {
        tenant: tenant.into(),
        subject: TokenSubject::App {
            app_id: "app-1".into(),
            roles: vec!["EduRoster.ReadWrite.All".into()],
        },
        lifetime_secs: 3600,
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn issuer_base() -> String {
    Config::default().issuer_base()
}

async fn call_whoami(state: &AppState, authorization: Option<&str>) -> TestResponse {
    let mut req = Request::get("/whoami");
    if let Some(value) = authorization {
        req = req.header("authorization", value);
    }
    send(whoami_app(state.clone()), req.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn minted_tokens_round_trip_with_entra_shaped_claims() {
    let keys = shared_keys();
    let token = mint(&keys, &issuer_base(), &app_request(TENANT), now());
    let (caller, exp) = verify_token(&keys, &token, &issuer_base(), now()).unwrap();
    assert_eq!(
        caller,
        Caller::App {
            tenant: TENANT.into(),
            app_id: "app-1".into(),
            roles: vec!["EduRoster.ReadWrite.All".into()]
        }
    );
    assert!(exp > now().unix_timestamp() + 3500);

    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["aud"], GRAPH_AUDIENCE);
    assert_eq!(
        claims["iss"],
        format!("http://127.0.0.1:8080/{TENANT}/v2.0")
    );
    assert_eq!(claims["ver"], "2.0");
    assert_eq!(claims["idtyp"], "app");
    assert_eq!(claims["tid"], TENANT);
    assert_eq!(claims["appid"], "app-1");
    assert!(claims.get("scp").is_none());
    let header: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], keys.signing_kid());

    let user = TokenRequest {
        tenant: TENANT.into(),
        subject: TokenSubject::User {
            user_id: "u-1".into(),
            scopes: vec!["EduRoster.ReadBasic".into(), "User.Read".into()],
        },
        lifetime_secs: 60,
    };
    let token = mint(&keys, &issuer_base(), &user, now());
    let (caller, _) = verify_token(&keys, &token, &issuer_base(), now()).unwrap();
    assert_eq!(caller.user_id(), Some("u-1"));
    assert!(
        matches!(caller, Caller::User { ref scopes, .. } if scopes == &["EduRoster.ReadBasic", "User.Read"])
    );
}

#[tokio::test]
async fn valid_token_passes_the_extractor_twice() {
    let state = test_state(Config::default()).await;
    let token = mint(state.keys(), &issuer_base(), &app_request(TENANT), now());
    for _ in 0..2 {
        // The second call is served from the verified-token cache.
        let resp = call_whoami(&state, Some(&format!("Bearer {token}"))).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
        assert_eq!(
            resp.text(),
            format!("app {TENANT} app-1 EduRoster.ReadWrite.All")
        );
    }
    let resp = call_whoami(&state, Some(&format!("bearer {token}"))).await;
    assert_eq!(
        resp.status,
        StatusCode::OK,
        "the scheme is case-insensitive"
    );
}

fn sign_raw(header: &serde_json::Value, claims: &serde_json::Value, signature: &str) -> String {
    let enc = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    format!("{}.{}.{signature}", enc(header), enc(claims))
}

fn claims_for(tenant: &str, aud: &str) -> Claims {
    let t = now().unix_timestamp();
    Claims {
        aud: aud.into(),
        iss: format!("{}/{tenant}/v2.0", issuer_base()),
        iat: t,
        nbf: t,
        exp: t + 600,
        tid: tenant.into(),
        oid: "app-1".into(),
        sub: "app-1".into(),
        appid: Some("app-1".into()),
        azp: None,
        ver: "2.0".into(),
        roles: Some(vec!["EduRoster.ReadWrite.All".into()]),
        scp: None,
        idtyp: Some("app".into()),
        uti: None,
    }
}

#[tokio::test]
async fn every_bad_token_is_a_401_envelope_with_www_authenticate() {
    let state = test_state(Config::default()).await;
    let keys = state.keys().clone();
    let base = issuer_base();
    let good = mint(&keys, &base, &app_request(TENANT), now());
    let parts: Vec<&str> = good.split('.').collect();
    let other = mint(&keys, &base, &app_request("someone-else"), now());
    let other_payload = other.split('.').nth(1).unwrap();
    let kid = keys.signing_kid().to_string();
    let claims = serde_json::to_value(claims_for(TENANT, GRAPH_AUDIENCE)).unwrap();
    let hs256 = {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some(kid.clone());
        jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(b"shared secret"),
        )
        .unwrap()
    };

    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("missing", None, "Access token is empty."),
        (
            "empty bearer",
            Some("Bearer ".into()),
            "Access token is empty.",
        ),
        (
            "basic scheme",
            Some("Basic dXNlcjpwdw==".into()),
            "Bearer scheme",
        ),
        ("malformed", Some("Bearer not-a-jwt".into()), "malformed"),
        (
            "expired",
            Some(mint(
                &keys,
                &base,
                &app_request(TENANT),
                now() - Duration::hours(2),
            )),
            "expired",
        ),
        (
            "not yet valid",
            Some(mint(
                &keys,
                &base,
                &app_request(TENANT),
                now() + Duration::hours(1),
            )),
            "not yet valid",
        ),
        (
            "wrong signature",
            Some(format!("{}.{other_payload}.{}", parts[0], parts[2])),
            "signature",
        ),
        (
            "foreign key",
            Some(mint(&Keys::generate(), &base, &app_request(TENANT), now())),
            "unknown or retired key",
        ),
        (
            "alg none",
            Some(sign_raw(
                &json!({"alg": "none", "typ": "JWT", "kid": kid}),
                &claims,
                "",
            )),
            "RS256",
        ),
        ("HS256", Some(hs256), "RS256"),
        (
            "wrong audience",
            Some(keys.sign(&claims_for(TENANT, "api://someone-else"))),
            "Invalid audience",
        ),
        (
            "wrong issuer",
            Some(mint(
                &keys,
                "https://login.example",
                &app_request(TENANT),
                now(),
            )),
            "Invalid issuer",
        ),
        (
            "unknown tenant",
            Some(mint(
                &keys,
                &base,
                &app_request("00000000-0000-0000-0000-00000000dead"),
                now(),
            )),
            "tenant",
        ),
    ];
    for (name, token, expected) in cases {
        let auth = token.map(|t| {
            if t.starts_with("Basic ") || t.starts_with("Bearer ") {
                t
            } else {
                format!("Bearer {t}")
            }
        });
        let resp = call_whoami(&state, auth.as_deref()).await;
        assert_eq!(
            resp.status,
            StatusCode::UNAUTHORIZED,
            "{name}: {}",
            resp.text()
        );
        assert_eq!(resp.header("content-type"), "application/json", "{name}");
        let www = resp.header("www-authenticate");
        assert!(
            www.starts_with(
                "Bearer realm=\"edugraph\", error=\"invalid_token\", error_description=\""
            ),
            "{name}: {www}"
        );
        assert!(!www.contains("claims="), "{name}: {www}");
        let err = &resp.json()["error"];
        assert_eq!(err["code"], "InvalidAuthenticationToken", "{name}");
        let message = err["message"].as_str().unwrap();
        assert!(message.contains(expected), "{name}: {message}");
        assert!(
            www.contains(message),
            "{name}: description repeats the message: {www}"
        );
        assert_eq!(
            err["innerError"]["request-id"],
            resp.header("request-id").as_str(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn signing_key_is_created_once_and_reused() {
    let state = empty_state(Config::default()).await;
    let first = Keys::load_or_create(state.store()).await.unwrap();
    let second = Keys::load_or_create(state.store()).await.unwrap();
    assert_eq!(first.signing_kid(), second.signing_kid());
    assert_eq!(state.store().signing_keys().await.unwrap().len(), 1);
    // A token from the first instance verifies with the second (serve vs. token).
    let token = mint(&first, &issuer_base(), &app_request(TENANT), now());
    assert!(verify_token(&second, &token, &issuer_base(), now()).is_ok());
    assert_eq!(second.jwks()["keys"][0]["kid"], first.signing_kid());
}

#[tokio::test]
async fn dev_token_endpoint_issues_app_and_user_tokens() {
    let state = empty_state(Config {
        dev: true,
        ..Config::default()
    })
    .await;
    let seeded = edugraph_server::startup::seed_demo(state.store(), 3, DemoSize::Small, false)
        .await
        .unwrap();
    let plan = &seeded.plan;

    let body = r#"{"app":true,"roles":["EduRoster.ReadWrite.All","EduAssignments.ReadWrite.All"]}"#;
    let resp = send(app(state.clone()), post_json("/_edugraph/tokens", body)).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    let json = resp.json();
    assert_eq!(json["token_type"], "Bearer");
    assert_eq!(json["expires_in"], 3600);
    let resp = call_whoami(
        &state,
        Some(&format!(
            "Bearer {}",
            json["access_token"].as_str().unwrap()
        )),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    assert!(resp.text().starts_with(&format!("app {} ", plan.tenant.id)));

    // By user principal name (any case), with scopes as a list or a string.
    for body in [
        json!({"user": plan.teacher_upn.to_uppercase(), "scopes": ["EduRoster.ReadBasic"]}),
        json!({"user": plan.teacher_id, "scopes": "EduRoster.ReadBasic", "tenant": plan.tenant.id}),
    ] {
        let resp = send(
            app(state.clone()),
            post_json("/_edugraph/tokens", &body.to_string()),
        )
        .await;
        assert_eq!(resp.status, StatusCode::OK, "{body}: {}", resp.text());
        let token = resp.json()["access_token"].as_str().unwrap().to_string();
        let resp = call_whoami(&state, Some(&format!("Bearer {token}"))).await;
        assert_eq!(
            resp.text(),
            format!(
                "user {} {} EduRoster.ReadBasic",
                plan.tenant.id, plan.teacher_id
            )
        );
    }
}

#[tokio::test]
async fn dev_token_endpoint_rejects_bad_requests() {
    let state = empty_state(Config {
        dev: true,
        ..Config::default()
    })
    .await;
    edugraph_server::startup::seed_demo(state.store(), 3, DemoSize::Small, false)
        .await
        .unwrap();
    let cases = [
        ("{", StatusCode::BAD_REQUEST, "invalid"),
        ("{}", StatusCode::BAD_REQUEST, "Name the subject"),
        (r#"{"app":true}"#, StatusCode::BAD_REQUEST, "at least one"),
        (
            r#"{"app":true,"roles":["EduRoster Read"]}"#,
            StatusCode::BAD_REQUEST,
            "Unknown application permission",
        ),
        // Names are checked exactly as `app create` checks them.
        (
            r#"{"app":true,"roles":["EduRoster.Bogus.All"]}"#,
            StatusCode::BAD_REQUEST,
            "EduRoster.Bogus.All",
        ),
        (
            r#"{"app":true,"roles":["Bogus.Scope"]}"#,
            StatusCode::BAD_REQUEST,
            "Bogus.Scope",
        ),
        (
            r#"{"app":true,"roles":["EduRoster.ReadWrite"]}"#,
            StatusCode::BAD_REQUEST,
            "did you mean EduRoster.ReadWrite.All",
        ),
        (
            r#"{"user":"x","scopes":["EduRoster.Read.All"]}"#,
            StatusCode::BAD_REQUEST,
            "did you mean EduRoster.Read?",
        ),
        (
            r#"{"app":true,"user":"x","roles":["A"]}"#,
            StatusCode::BAD_REQUEST,
            "not both",
        ),
        (
            r#"{"app":true,"scopes":["A"]}"#,
            StatusCode::BAD_REQUEST,
            "roles",
        ),
        (
            r#"{"user":"x","roles":["A"]}"#,
            StatusCode::BAD_REQUEST,
            "scopes",
        ),
        (
            r#"{"app":true,"roles":["A"],"colour":"red"}"#,
            StatusCode::BAD_REQUEST,
            "colour",
        ),
        (
            r#"{"app":"yes","roles":["A"]}"#,
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            r#"{"user":"nobody@nowhere.example","scopes":["EduRoster.ReadBasic"]}"#,
            StatusCode::NOT_FOUND,
            "nobody@nowhere.example",
        ),
        (
            r#"{"app":true,"roles":["EduRoster.Read.All"],"tenant":"no-such-tenant"}"#,
            StatusCode::NOT_FOUND,
            "no-such-tenant",
        ),
    ];
    for (body, status, needle) in cases {
        let resp = send(app(state.clone()), post_json("/_edugraph/tokens", body)).await;
        assert_eq!(resp.status, status, "{body}: {}", resp.text());
        assert_eq!(resp.header("content-type"), "application/json", "{body}");
        let message = resp.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(message.contains(needle), "{body}: {message}");
    }
}

#[tokio::test]
async fn tenant_must_be_named_when_the_store_holds_several() {
    let state = test_state(Config {
        dev: true,
        ..Config::default()
    })
    .await;
    edugraph_server::startup::seed_demo(state.store(), 3, DemoSize::Small, false)
        .await
        .unwrap();
    let resp = send(
        app(state.clone()),
        post_json(
            "/_edugraph/tokens",
            r#"{"app":true,"roles":["EduRoster.Read.All"]}"#,
        ),
    )
    .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(resp.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("2 tenants"));
    let body =
        json!({"app": true, "roles": ["EduRoster.Read.All"], "tenant": "test.example"}).to_string();
    let resp = send(app(state), post_json("/_edugraph/tokens", &body)).await;
    assert_eq!(
        resp.status,
        StatusCode::OK,
        "a tenant can be named by its domain: {}",
        resp.text()
    );
}
