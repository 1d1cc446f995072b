//! `/education/users`: create, read, update, delete, the body rules, and the user's
//! navigations.

mod common;

use common::*;
use edugraph_store::EntityKind;
use serde_json::{json, Value};

#[tokio::test]
async fn create_returns_201_with_the_entity_and_never_the_password() {
    let t = TestApp::new().await;
    let resp = t
        .post("/v1.0/education/users", user_body("ada", "student"))
        .await
        .expect(201);
    let id = resp.json()["id"].as_str().unwrap().to_string();
    assert!(
        resp.header("location")
            .ends_with(&format!("/v1.0/education/users/{id}")),
        "{}",
        resp.header("location")
    );
    assert!(resp
        .header("content-type")
        .starts_with("application/json;odata.metadata=minimal"));
    assert_eq!(resp.header("odata-version"), "4.0");
    let body = resp.json();
    assert_eq!(
        body["@odata.context"],
        "http://127.0.0.1:8080/v1.0/$metadata#education/users/$entity"
    );
    assert_eq!(body["@odata.type"], "#microsoft.graph.educationUser");
    assert_eq!(body["mail"], "ada@a.example.edu");
    assert_eq!(
        body["createdBy"]["application"]["id"],
        "11111111-2222-3333-4444-555555555555"
    );
    assert!(body.get("refreshTokensValidFromDateTime").is_none());
    assert!(!resp.text().contains("Sup3r-secret!"));

    // The password is kept as an Argon2 hash, outside the document.
    let hash = t
        .state
        .store()
        .password_hash(TENANT_A, &id)
        .await
        .unwrap()
        .unwrap();
    assert!(hash.starts_with("$argon2"), "{hash}");
    let stored = t
        .state
        .store()
        .get(TENANT_A, EntityKind::User, &id)
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.json.contains("Sup3r-secret!"));

    let got = t
        .get(&format!("/v1.0/education/users/{id}"))
        .await
        .expect(200);
    assert!(!got.text().contains("Sup3r-secret!"));
    assert!(got.json().get("refreshTokensValidFromDateTime").is_none());
    assert_eq!(
        got.json()["passwordProfile"],
        json!({"forceChangePasswordNextSignIn": false})
    );
}

#[tokio::test]
async fn refresh_tokens_valid_from_only_on_select() {
    let t = TestApp::new().await;
    let id = t.user("ada", "student").await;
    let got = t
        .get(&format!(
            "/v1.0/education/users/{id}?$select=id,refreshTokensValidFromDateTime"
        ))
        .await
        .expect(200);
    let v = got.json();
    let when = v["refreshTokensValidFromDateTime"].as_str().unwrap();
    assert!(when.ends_with('Z'), "{when}");
    assert!(v.get("displayName").is_none());
}

#[tokio::test]
async fn get_patch_delete() {
    let t = TestApp::new().await;
    let id = t.user("bob", "teacher").await;
    let url = format!("/v1.0/education/users/{id}");
    let patched = t
        .patch(
            &url,
            json!({"displayName": "Robert", "teacher": {"externalId": "T-1"}}),
        )
        .await
        .expect(200);
    assert_eq!(patched.json()["displayName"], "Robert");
    assert_eq!(
        patched.json()["@odata.context"],
        "http://127.0.0.1:8080/v1.0/$metadata#education/users/$entity"
    );
    assert_eq!(
        t.get(&url).await.expect(200).json()["teacher"]["externalId"],
        "T-1"
    );
    t.delete(&url).await.expect(204);
    let (code, msg) = t.get(&url).await.expect(404).error();
    assert_eq!(code, "ResourceNotFound");
    assert!(msg.contains(&id), "{msg}");
    t.delete(&url).await.expect(404);
    t.patch(&url, json!({"displayName": "x"})).await.expect(404);
}

#[tokio::test]
async fn bad_bodies_are_400_and_change_nothing() {
    let t = TestApp::new().await;
    let cases: Vec<(String, &str)> = vec![
        ("{\"displayName\": ".into(), "Unable to read JSON"),
        ("[]".into(), "JSON object"),
        (
            with(|b| b["favouriteColour"] = json!("blue")),
            "favouriteColour",
        ),
        (
            with(|b| b["accountEnabled"] = json!("yes")),
            "accountEnabled",
        ),
        (with(|b| b["id"] = json!("mine")), "'id'"),
        (with(|b| b["mail"] = json!("x@y.z")), "'mail'"),
        (
            with(|b| b["assignedLicenses"] = json!([])),
            "'assignedLicenses'",
        ),
        (
            with(|b| b["createdBy"] = json!({"user": {"id": "u"}})),
            "'createdBy'",
        ),
        (
            with(|b| b["refreshTokensValidFromDateTime"] = json!("2024-01-01T00:00:00Z")),
            "refreshTokensValidFromDateTime",
        ),
        (with(|b| b["primaryRole"] = json!("faculty")), "faculty"),
        (
            with(|b| b["userPrincipalName"] = json!("no-at-sign")),
            "userPrincipalName",
        ),
        (
            with(|b| drop(b.as_object_mut().unwrap().remove("mailNickname"))),
            "mailNickname",
        ),
        (
            with(|b| drop(b.as_object_mut().unwrap().remove("displayName"))),
            "displayName",
        ),
        (
            with(|b| drop(b.as_object_mut().unwrap().remove("accountEnabled"))),
            "accountEnabled",
        ),
        (
            with(|b| b["passwordProfile"] = json!({"forceChangePasswordNextSignIn": true})),
            "password",
        ),
    ];
    for (body, needle) in cases {
        let resp = t
            .call(
                axum::http::Method::POST,
                "/v1.0/education/users",
                &t.admin,
                Some(&body),
            )
            .await;
        assert_eq!(resp.status.as_u16(), 400, "{body}: {}", resp.text());
        let (_, msg) = resp.error();
        assert!(msg.contains(needle), "{needle} not in {msg}");
    }
    assert_eq!(t.stored(EntityKind::User).await, 0);
}

fn with(f: impl FnOnce(&mut Value)) -> String {
    let mut b = user_body("eve", "student");
    f(&mut b);
    b.to_string()
}

#[tokio::test]
async fn duplicate_upn_or_nickname_is_graphs_400() {
    let t = TestApp::new().await;
    t.user("ada", "student").await;
    let mut dup = user_body("ada2", "student");
    dup["userPrincipalName"] = json!("ADA@a.example.edu");
    let (code, msg) = t
        .post("/v1.0/education/users", dup)
        .await
        .expect(400)
        .error();
    assert_eq!(code, "Request_BadRequest");
    assert_eq!(
        msg,
        "Another object with the same value for property userPrincipalName already exists."
    );
    let mut dup = user_body("ada3", "student");
    dup["mailNickname"] = json!("ada");
    let (_, msg) = t
        .post("/v1.0/education/users", dup)
        .await
        .expect(400)
        .error();
    assert!(msg.contains("mailNickname"), "{msg}");
    assert_eq!(t.stored(EntityKind::User).await, 1);
    // No password hash was left behind either: the only user is the first one.
}

#[tokio::test]
async fn rejected_patch_changes_nothing() {
    let t = TestApp::new().await;
    let a = t.user("ada", "student").await;
    t.user("bob", "student").await;
    let url = format!("/v1.0/education/users/{a}");
    let before = t.get(&url).await.json();
    let hash_before = t.state.store().password_hash(TENANT_A, &a).await.unwrap();
    for body in [
        json!({"displayName": "New", "userPrincipalName": "bob@a.example.edu"}),
        json!({"displayName": "New", "bogus": 1}),
        json!({"displayName": null}),
        json!({"displayName": "New", "passwordProfile": {"password": "Other-pass1"}, "mail": "m@x.y"}),
    ] {
        t.patch(&url, body).await.expect(400);
    }
    assert_eq!(t.get(&url).await.json(), before);
    assert_eq!(
        t.state.store().password_hash(TENANT_A, &a).await.unwrap(),
        hash_before
    );
}

#[tokio::test]
async fn patching_the_password_replaces_the_hash() {
    let t = TestApp::new().await;
    let a = t.user("ada", "student").await;
    let before = t
        .state
        .store()
        .password_hash(TENANT_A, &a)
        .await
        .unwrap()
        .unwrap();
    let resp = t
        .patch(
            &format!("/v1.0/education/users/{a}"),
            json!({"passwordProfile": {"password": "An0ther-one!"}}),
        )
        .await
        .expect(200);
    assert!(!resp.text().contains("An0ther-one!"));
    let after = t
        .state
        .store()
        .password_hash(TENANT_A, &a)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(before, after);
}

#[tokio::test]
async fn beta_roles_are_masked_unless_asked_for() {
    let t = TestApp::new().await;
    let mut body = user_body("fay", "faculty");
    body["externalSource"] = json!("lms");
    let id = t
        .post("/beta/education/users", body)
        .await
        .expect(201)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let plain = t
        .get(&format!("/beta/education/users/{id}"))
        .await
        .expect(200)
        .json();
    assert_eq!(plain["primaryRole"], "unknownFutureValue");
    assert_eq!(plain["externalSource"], "unknownFutureValue");
    let req = axum::http::Request::get(format!("/beta/education/users/{id}"))
        .header("authorization", format!("Bearer {}", t.admin))
        .header("prefer", "include-unknown-enum-members")
        .body(axum::body::Body::empty())
        .unwrap();
    let full = t.send(req).await.expect(200);
    assert_eq!(
        full.header("preference-applied"),
        "include-unknown-enum-members"
    );
    assert_eq!(full.json()["primaryRole"], "faculty");
    // v1.0 has no such member at all.
    let v1 = t
        .get(&format!("/v1.0/education/users/{id}"))
        .await
        .expect(200)
        .json();
    assert_eq!(v1["primaryRole"], "unknownFutureValue");
}

#[tokio::test]
async fn user_navigations_and_directory_user() {
    let t = TestApp::new().await;
    let u = t.user("tia", "teacher").await;
    let c1 = t.class("c1").await;
    let c2 = t.class("c2").await;
    let s = t.school("North").await;
    t.link(
        &format!("/v1.0/education/classes/{c1}/members"),
        &format!("education/users/{u}"),
    )
    .await;
    t.link(
        &format!("/v1.0/education/classes/{c2}/teachers"),
        &format!("education/users/{u}"),
    )
    .await;
    t.link(
        &format!("/v1.0/education/schools/{s}/users"),
        &format!("education/users/{u}"),
    )
    .await;

    let base = format!("/v1.0/education/users/{u}");
    let classes = t.get(&format!("{base}/classes")).await.expect(200).json();
    assert_eq!(ids(&classes), [c1.as_str()]);
    assert_eq!(
        classes["@odata.context"],
        format!("http://127.0.0.1:8080/v1.0/$metadata#education/users('{u}')/classes")
    );
    assert_eq!(
        ids(&t
            .get(&format!("{base}/taughtClasses"))
            .await
            .expect(200)
            .json()),
        [c2.as_str()]
    );
    assert_eq!(
        ids(&t.get(&format!("{base}/schools")).await.expect(200).json()),
        [s.as_str()]
    );
    t.get(&format!("{base}/classes/{c1}")).await.expect(200);
    t.get(&format!("{base}/classes/{c2}")).await.expect(404);
    assert_eq!(
        t.get(&format!("{base}/classes/$count"))
            .await
            .expect(200)
            .text(),
        "1"
    );

    let user = t.get(&format!("{base}/user")).await.expect(200).json();
    assert_eq!(user["@odata.type"], "#microsoft.graph.user");
    assert_eq!(user["id"], u);
    assert_eq!(user["userPrincipalName"], "tia@a.example.edu");
    assert_eq!(
        user["@odata.context"],
        "http://127.0.0.1:8080/v1.0/$metadata#users/$entity"
    );
    t.get("/v1.0/education/users/nope/classes")
        .await
        .expect(404);
    t.get("/v1.0/education/users/nope/user").await.expect(404);
}
