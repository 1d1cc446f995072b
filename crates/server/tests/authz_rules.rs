//! Authorization cases the matrix does not spell out: exact refusal messages, tenant
//! isolation for a signed-in user of another tenant (404, never 403, so existence is not
//! revealed), and `$expand` following the policy of the navigation it expands.

mod common;

use axum::http::Method;
use common::*;
use edugraph_server::auth::{mint, TokenRequest, TokenSubject};
use serde_json::json;

/// A delegated token of `tenant` (the shared helper mints tenant A only).
fn user_token_in(t: &TestApp, tenant: &str, user: &str, scopes: &[&str]) -> String {
    let req = TokenRequest {
        tenant: tenant.into(),
        subject: TokenSubject::User {
            user_id: user.into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        },
        lifetime_secs: 3600,
    };
    mint(
        t.state.keys(),
        &t.state.config().issuer_base(),
        &req,
        time::OffsetDateTime::now_utc(),
    )
}

#[tokio::test]
async fn refusals_name_what_is_missing() {
    let t = TestApp::new().await;
    let c = t.class("c1").await;
    let u = t.user("ann", "student").await;
    let delegated = t.user_token(&u, &["EduRoster.ReadWrite"]);
    let (code, msg) = t
        .call(
            Method::PATCH,
            &format!("/v1.0/education/classes/{c}"),
            &delegated,
            Some(r#"{"description":"x"}"#),
        )
        .await
        .expect(403)
        .error();
    assert_eq!(code, "AccessDenied");
    assert_eq!(
        msg,
        "Requires one of the application permissions EduRoster.ReadWrite.All; delegated (user) tokens cannot change the roster."
    );
    let (_, msg) = t
        .get_as(
            &format!("/v1.0/education/classes/{c}/members"),
            &t.user_token(&u, &[READ]),
        )
        .await
        .expect(403)
        .error();
    assert_eq!(msg, format!("The caller is not a member of class {c}."));
    let (_, msg) = t
        .get_as(
            "/v1.0/education/classes",
            &t.app_token(TENANT_A, &["EduRoster.Read", "EduRoster.ReadWrite"]),
        )
        .await
        .expect(403)
        .error();
    assert!(
        msg.contains("application permissions must end in '.All'"),
        "{msg}"
    );
    let (_, msg) = t
        .get_as("/v1.0/education/classes", &t.app_token(TENANT_A, &[]))
        .await
        .expect(403)
        .error();
    assert!(msg.contains("carries no roles"), "{msg}");
    let (_, msg) = t
        .get_as(
            &format!("/v1.0/education/classes/{c}/group"),
            &t.app_token(TENANT_A, &[WRITE]),
        )
        .await
        .expect(403)
        .error();
    assert!(msg.contains("Directory.Read.All"), "{msg}");
}

#[tokio::test]
async fn a_user_of_another_tenant_sees_404_not_403() {
    let t = TestApp::new().await;
    let c = t.class("c1").await;
    let a_user = t.user("ann", "student").await;
    let s = t.school("North").await;
    // A teacher of tenant B, signed in with every roster scope.
    let b_app = t.app_token(TENANT_B, &[WRITE]);
    let b_teacher = t
        .call(
            Method::POST,
            "/v1.0/education/users",
            &b_app,
            Some(&user_body_b("bea", "teacher").to_string()),
        )
        .await
        .expect(201)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = user_token_in(
        &t,
        TENANT_B,
        &b_teacher,
        &[READ, "User.Read", "Directory.Read.All"],
    );
    let missing = t
        .get_as("/v1.0/education/classes/no-such-class/members", &token)
        .await
        .expect(404)
        .error();
    for path in [
        format!("/v1.0/education/classes/{c}"),
        // Not a member either, but the class does not exist for this caller: 404 first.
        format!("/v1.0/education/classes/{c}/members"),
        format!("/v1.0/education/classes/{c}/group"),
        format!("/v1.0/education/users/{a_user}"),
        format!("/v1.0/education/users/{a_user}/user"),
        format!("/v1.0/education/schools/{s}/classes"),
        format!("/v1.0/education/me/classes/{c}"),
        format!("/v1.0/education/classes/{c}?$expand=members"),
    ] {
        let (code, _) = t.get_as(&path, &token).await.expect(404).error();
        assert_eq!(code, missing.0, "{path}");
    }
    // Collections list tenant B only; `/me` is B's user.
    assert_eq!(
        t.get_as("/v1.0/education/classes", &token)
            .await
            .expect(200)
            .json()["value"],
        json!([])
    );
    assert_eq!(
        t.get_as("/v1.0/education/me", &token)
            .await
            .expect(200)
            .json()["id"],
        b_teacher
    );
}

#[tokio::test]
async fn expand_follows_the_policy_of_the_expanded_navigation() {
    let t = TestApp::new().await;
    let c = t.class("c1").await;
    let u = t.user("ann", "student").await;
    t.link(
        &format!("/v1.0/education/classes/{c}/members"),
        &format!("education/users/{u}"),
    )
    .await;
    let class = format!("/v1.0/education/classes/{c}");
    // The group needs the directory permission too, expanded or not.
    let roster_only = t.app_token(TENANT_A, &["EduRoster.Read.All"]);
    t.get_as(&format!("{class}?$expand=group"), &roster_only)
        .await
        .expect(403);
    let with_directory = t.app_token(TENANT_A, &["EduRoster.Read.All", "Directory.Read.All"]);
    let v = t
        .get_as(&format!("{class}?$expand=group"), &with_directory)
        .await
        .expect(200)
        .json();
    assert_eq!(v["group"]["id"], c);
    // A member expands the members; the same token without the directory scope cannot
    // expand the user objects behind them.
    let member = t.user_token(&u, &[READ]);
    t.get_as(&format!("{class}?$expand=members"), &member)
        .await
        .expect(200);
    t.get_as(&format!("/v1.0/education/users/{u}?$expand=user"), &member)
        .await
        .expect(403);
    t.get_as(
        &format!("/v1.0/education/users/{u}?$expand=user"),
        &t.user_token(&u, &[READ, "User.Read"]),
    )
    .await
    .expect(200);
}
