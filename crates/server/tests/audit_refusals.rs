//! Refusals of the Graph surface reach the audit log: a 403 for a missing permission or
//! class role (`accessDenied`, naming what was missing, with the request id), a presented
//! token that fails verification (`tokenRejected`), and nothing for a request without a
//! token or one that succeeds. The entries are written off the request path, so the tests
//! poll the log for a bounded time instead of reading it right after the response.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request};
use common::*;
use edugraph_server::config::Config;
use edugraph_store::AuditRecord;
use serde_json::{json, Value};

const OPERATOR_TOKEN: &str = "op-0123456789abcdef0123456789abcdef";

/// The audit entries of `tenant` (all tenants with `None`) once `done` holds for them;
/// panics if it does not within a few seconds.
async fn wait_for(
    t: &TestApp,
    tenant: Option<&str>,
    done: impl Fn(&[AuditRecord]) -> bool,
) -> Vec<AuditRecord> {
    for _ in 0..500 {
        let entries = t.state.store().audit(tenant, 0, 1000).await.unwrap();
        if done(&entries) {
            return entries;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let entries = t.state.store().audit(tenant, 0, 1000).await.unwrap();
    panic!("audit log never reached the expected state: {entries:#?}");
}

fn count(entries: &[AuditRecord], action: &str) -> usize {
    entries.iter().filter(|e| e.action == action).count()
}

/// The same token with its signature's first character changed.
fn bad_signature(token: &str) -> String {
    let (signed, sig) = token.rsplit_once('.').unwrap();
    let first = if sig.starts_with('A') { 'B' } else { 'A' };
    format!("{signed}.{first}{}", &sig[1..])
}

fn request_id(resp: &Resp) -> String {
    resp.json()["error"]["innerError"]["request-id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_delegated_roster_write_is_audited_with_the_missing_permission() {
    let t = TestApp::new().await;
    let c = t.class("c1").await;
    let u = t.user("ann", "student").await;
    let token = t.user_token(&u, &["EduRoster.ReadWrite"]);
    let mut req = Request::builder()
        .method(Method::PATCH)
        .uri(format!("/v1.0/education/classes/{c}?$select=id"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"description":"x"}"#))
        .unwrap();
    req.extensions_mut().insert(ConnectInfo(
        "203.0.113.7:5555".parse::<SocketAddr>().unwrap(),
    ));
    let resp = t.send(req).await.expect(403);
    let (_, message) = resp.error();
    assert!(message.contains("EduRoster.ReadWrite.All"), "{message}");

    let entries = wait_for(&t, Some(TENANT_A), |e| count(e, "accessDenied") == 1).await;
    let e = entries.iter().find(|e| e.action == "accessDenied").unwrap();
    assert_eq!(e.tenant.as_deref(), Some(TENANT_A));
    assert_eq!(e.actor, u);
    assert_eq!(
        e.target.as_deref(),
        Some(format!("PATCH /v1.0/education/classes/{c}").as_str())
    );
    assert_eq!(e.outcome, "failure");
    assert_eq!(e.client_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(
        e.detail,
        json!({"reason": message, "requestId": request_id(&resp)})
    );
    // The refused write changed nothing.
    let class = t
        .get(&format!("/v1.0/education/classes/{c}"))
        .await
        .expect(200);
    assert_eq!(class.json()["description"], "d");
}

#[tokio::test]
async fn a_student_reading_another_class_is_audited_with_the_class() {
    let t = TestApp::new().await;
    let c = t.class("c1").await;
    let u = t.user("ann", "student").await;
    let resp = t
        .get_as(
            &format!("/v1.0/education/classes/{c}/members"),
            &t.user_token(&u, &[READ]),
        )
        .await
        .expect(403);
    let (_, message) = resp.error();

    let entries = wait_for(&t, Some(TENANT_A), |e| count(e, "accessDenied") == 1).await;
    let e = entries.iter().find(|e| e.action == "accessDenied").unwrap();
    assert_eq!(e.actor, u);
    assert_eq!(
        e.target.as_deref(),
        Some(format!("GET /v1.0/education/classes/{c}/members").as_str())
    );
    assert_eq!(e.client_ip, None);
    let reason = e.detail["reason"].as_str().unwrap();
    assert_eq!(reason, message);
    assert!(reason.contains(&c), "{reason}");
    assert_eq!(e.detail["requestId"], request_id(&resp));
}

#[tokio::test]
async fn an_app_without_the_permission_is_audited_under_its_app_id() {
    let t = TestApp::new().await;
    t.get_as("/v1.0/education/classes", &t.app_token(TENANT_A, &[]))
        .await
        .expect(403);
    let entries = wait_for(&t, Some(TENANT_A), |e| count(e, "accessDenied") == 1).await;
    assert_eq!(entries[0].actor, "11111111-2222-3333-4444-555555555555");
    assert_eq!(
        entries[0].target.as_deref(),
        Some("GET /v1.0/education/classes")
    );
}

#[tokio::test]
async fn a_token_with_a_bad_signature_is_audited_as_rejected() {
    let t = TestApp::new().await;
    let resp = t
        .get_as("/v1.0/education/classes", &bad_signature(&t.admin))
        .await
        .expect(401);
    let (_, message) = resp.error();
    assert_eq!(message, "Access token signature is invalid.");

    let entries = wait_for(&t, None, |e| count(e, "tokenRejected") == 1).await;
    let e = &entries[0];
    assert_eq!(e.action, "tokenRejected");
    // Filed under the tenant the token claims, though the claim is not trusted.
    assert_eq!(e.tenant.as_deref(), Some(TENANT_A));
    assert_eq!(e.actor, "anonymous");
    assert_eq!(e.target.as_deref(), Some("GET /v1.0/education/classes"));
    assert_eq!(e.outcome, "failure");
    assert_eq!(e.detail, json!({"reason": message}));
}

#[tokio::test]
async fn a_token_that_is_not_a_jwt_is_audited_without_a_tenant() {
    let t = TestApp::new().await;
    t.get_as("/v1.0/education/schools", "garbage")
        .await
        .expect(401);
    let entries = wait_for(&t, None, |e| count(e, "tokenRejected") == 1).await;
    assert_eq!(entries[0].tenant, None);
    assert_eq!(
        entries[0].detail["reason"],
        "Access token is malformed: not a JWT."
    );
}

#[tokio::test]
async fn no_token_and_successful_calls_are_not_audited() {
    let t = TestApp::new().await;
    let c = t.class("c1").await;
    // No Authorization header, an empty one, and `Bearer` alone: nothing was presented.
    t.get_as("/v1.0/education/classes", "").await.expect(401);
    for value in ["", "Bearer", "Bearer   "] {
        let req = Request::builder()
            .uri("/v1.0/education/classes")
            .header(header::AUTHORIZATION, value)
            .body(Body::empty())
            .unwrap();
        t.send(req).await.expect(401);
    }
    // Successful calls, a read and a write.
    t.get(&format!("/v1.0/education/classes/{c}/members"))
        .await
        .expect(200);
    t.patch(
        &format!("/v1.0/education/classes/{c}"),
        json!({"description": "y"}),
    )
    .await
    .expect(200);
    // A rejected token afterwards is a marker: once it is in the log, entries of the
    // earlier requests (spawned before it) would be too.
    t.get_as("/v1.0/education/classes", "marker")
        .await
        .expect(401);
    let entries = wait_for(&t, None, |e| !e.is_empty()).await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0].action, "tokenRejected");
    assert_eq!(
        entries[0].target.as_deref(),
        Some("GET /v1.0/education/classes")
    );
}

#[tokio::test]
async fn the_operator_api_lists_the_refusals() {
    let t = TestApp::with_config(Config {
        operator_token: Some(OPERATOR_TOKEN.into()),
        ..Config::default()
    })
    .await;
    t.get_as("/v1.0/education/classes", &t.app_token(TENANT_A, &[]))
        .await
        .expect(403);
    // One at a time, so their order in the log is known.
    wait_for(&t, Some(TENANT_A), |e| e.len() == 1).await;
    t.get_as("/v1.0/education/classes", &bad_signature(&t.admin))
        .await
        .expect(401);
    wait_for(&t, Some(TENANT_A), |e| e.len() == 2).await;

    let resp = t
        .get_as(
            &format!("/_edugraph/audit?tenant={TENANT_A}"),
            OPERATOR_TOKEN,
        )
        .await
        .expect(200);
    let body = resp.json();
    let value = body["value"].as_array().unwrap();
    let actions: Vec<&Value> = value.iter().map(|e| &e["action"]).collect();
    assert_eq!(actions, [&json!("accessDenied"), &json!("tokenRejected")]);
    assert_eq!(value[0]["outcome"], "failure");
    assert_eq!(value[0]["target"], "GET /v1.0/education/classes");
    assert!(value[0]["detail"]["reason"]
        .as_str()
        .unwrap()
        .contains("carries no roles"));
    assert_eq!(value[1]["actor"], "anonymous");
}
