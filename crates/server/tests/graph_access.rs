//! Who may call what: `/me`, delegated and application reads, writes, tenants.

mod common;

use axum::http::Method;
use common::*;
use serde_json::json;

#[tokio::test]
async fn me_and_its_navigations_for_a_signed_in_user() {
    let t = TestApp::new().await;
    let me = t.user("tia", "teacher").await;
    let c1 = t.class("c1").await;
    let c2 = t.class("c2").await;
    let s = t.school("North").await;
    t.link(
        &format!("/v1.0/education/classes/{c1}/members"),
        &format!("education/users/{me}"),
    )
    .await;
    t.link(
        &format!("/v1.0/education/classes/{c1}/teachers"),
        &format!("education/users/{me}"),
    )
    .await;
    t.link(
        &format!("/v1.0/education/classes/{c2}/members"),
        &format!("education/users/{me}"),
    )
    .await;
    t.link(
        &format!("/v1.0/education/schools/{s}/users"),
        &format!("education/users/{me}"),
    )
    .await;
    // `/me/user` is a directory object: it also needs `User.Read`.
    let token = t.user_token(&me, &[READ, "User.Read"]);

    let v = t
        .get_as("/v1.0/education/me", &token)
        .await
        .expect(200)
        .json();
    assert_eq!(
        v["@odata.context"],
        "http://127.0.0.1:8080/v1.0/$metadata#education/me"
    );
    assert_eq!(v["id"], me);
    assert_eq!(v["userPrincipalName"], "tia@a.example.edu");
    // Reduced set: nothing beyond the documented properties.
    let allowed = [
        "@odata.context",
        "@odata.etag",
        "@odata.type",
        "id",
        "primaryRole",
        "accountEnabled",
        "displayName",
        "givenName",
        "surname",
        "userPrincipalName",
        "userType",
        "onPremisesInfo",
        "student",
        "teacher",
    ];
    for key in v.as_object().unwrap().keys() {
        assert!(allowed.contains(&key.as_str()), "unexpected {key} in {v}");
    }
    let mut classes = ids(&t
        .get_as("/v1.0/education/me/classes", &token)
        .await
        .expect(200)
        .json());
    classes.sort();
    let mut want = vec![c1.clone(), c2.clone()];
    want.sort();
    assert_eq!(classes, want);
    assert_eq!(
        ids(&t
            .get_as("/v1.0/education/me/taughtClasses", &token)
            .await
            .expect(200)
            .json()),
        [c1.as_str()]
    );
    assert_eq!(
        ids(&t
            .get_as("/v1.0/education/me/schools", &token)
            .await
            .expect(200)
            .json()),
        [s.as_str()]
    );
    assert_eq!(
        t.get_as("/v1.0/education/me/user", &token)
            .await
            .expect(200)
            .json()["id"],
        me
    );
    t.get_as(&format!("/v1.0/education/me/classes/{c2}"), &token)
        .await
        .expect(200);
    assert_eq!(
        t.get_as("/v1.0/education/me/classes/$count", &token)
            .await
            .expect(200)
            .text(),
        "2"
    );
    // Delegated PATCH of /me is not supported.
    t.call(
        Method::PATCH,
        "/v1.0/education/me",
        &token,
        Some(r#"{"displayName":"x"}"#),
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn me_with_an_app_token_is_a_400() {
    let t = TestApp::new().await;
    let (code, msg) = t.get("/v1.0/education/me").await.expect(400).error();
    assert_eq!(code, "BadRequest");
    assert!(msg.contains("delegated"), "{msg}");
    t.get("/v1.0/education/me/classes").await.expect(400);
}

#[tokio::test]
async fn delegated_reads_and_app_only_listing() {
    let t = TestApp::new().await;
    let u = t.user("ann", "student").await;
    let token = t.user_token(&u, &[READ]);
    let v = t
        .get_as(&format!("/v1.0/education/users/{u}"), &token)
        .await
        .expect(200)
        .json();
    assert!(
        v.get("mail").is_none() && v.get("createdBy").is_none(),
        "{v}"
    );
    assert_eq!(v["student"], json!({"externalId": "X-ann"}));
    let (code, msg) = t
        .get_as("/v1.0/education/users", &token)
        .await
        .expect(403)
        .error();
    assert_eq!(code, "AccessDenied");
    assert!(msg.contains("EduRoster.Read.All"), "{msg}");
    // A token without any roster scope.
    let (_, msg) = t
        .get_as("/v1.0/education/classes", &t.user_token(&u, &["User.Read"]))
        .await
        .expect(403)
        .error();
    assert!(msg.contains("EduRoster.ReadBasic"), "{msg}");
    // Delegated writes need the application permission.
    let (_, msg) = t
        .call(
            Method::DELETE,
            &format!("/v1.0/education/users/{u}"),
            &t.user_token(&u, &["EduRoster.ReadWrite"]),
            None,
        )
        .await
        .expect(403)
        .error();
    assert!(msg.contains("application permission"), "{msg}");
    t.get(&format!("/v1.0/education/users/{u}"))
        .await
        .expect(200);
}

#[tokio::test]
async fn app_permissions() {
    let t = TestApp::new().await;
    let u = t.user("ann", "student").await;
    // `EduRoster.ReadBasic.All` grants the delta functions only, with the reduced view.
    let basic = t.app_token(TENANT_A, &["EduRoster.ReadBasic.All"]);
    let v = t
        .get_as("/v1.0/education/users/delta", &basic)
        .await
        .expect(200)
        .json();
    let first = &values(&v)[0];
    assert_eq!(first["id"], u);
    assert!(
        first.get("mail").is_none(),
        "ReadBasic.All sees the reduced set: {first}"
    );
    let (_, msg) = t
        .get_as(&format!("/v1.0/education/users/{u}"), &basic)
        .await
        .expect(403)
        .error();
    assert!(msg.contains("EduRoster.Read.All"), "{msg}");
    let read = t.app_token(TENANT_A, &["EduRoster.Read.All"]);
    assert_eq!(
        t.get_as(&format!("/v1.0/education/users/{u}"), &read)
            .await
            .expect(200)
            .json()["mail"],
        "ann@a.example.edu"
    );
    let (_, msg) = t
        .call(
            Method::POST,
            "/v1.0/education/schools",
            &read,
            Some(r#"{"displayName":"x"}"#),
        )
        .await
        .expect(403)
        .error();
    assert!(msg.contains("EduRoster.ReadWrite.All"), "{msg}");
    let alias = t.app_token(TENANT_A, &["EduRoster.WriteWrite.All"]);
    t.call(
        Method::POST,
        "/v1.0/education/schools",
        &alias,
        Some(r#"{"displayName":"x"}"#),
    )
    .await
    .expect(201);
    t.get_as("/v1.0/education/schools", &t.app_token(TENANT_A, &[]))
        .await
        .expect(403);
}

#[tokio::test]
async fn missing_token_is_401() {
    let t = TestApp::new().await;
    let r = t.get_as("/v1.0/education/classes", "").await.expect(401);
    assert!(!r.header("www-authenticate").is_empty());
}

#[tokio::test]
async fn tenants_do_not_see_each_other() {
    let t = TestApp::new().await;
    let u = t.user("ann", "student").await;
    let c = t.class("c1").await;
    let other = t.app_token(TENANT_B, &[WRITE]);
    t.get_as(&format!("/v1.0/education/users/{u}"), &other)
        .await
        .expect(404);
    t.get_as(&format!("/v1.0/education/classes/{c}/members"), &other)
        .await
        .expect(404);
    t.call(
        Method::PATCH,
        &format!("/v1.0/education/classes/{c}"),
        &other,
        Some(r#"{"description":"x"}"#),
    )
    .await
    .expect(404);
    t.call(
        Method::DELETE,
        &format!("/v1.0/education/users/{u}"),
        &other,
        None,
    )
    .await
    .expect(404);
    assert_eq!(
        t.get_as("/v1.0/education/users", &other)
            .await
            .expect(200)
            .json()["value"],
        json!([])
    );
    // B can reuse A's names: uniqueness is per tenant.
    t.call(
        Method::POST,
        "/v1.0/education/users",
        &other,
        Some(&user_body_b("ann", "student").to_string()),
    )
    .await
    .expect(201);
    t.get(&format!("/v1.0/education/users/{u}"))
        .await
        .expect(200);
}
