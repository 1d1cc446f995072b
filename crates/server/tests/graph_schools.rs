//! `/education/schools`: CRUD and the class/user links.

mod common;

use axum::http::Method;
use common::*;
use serde_json::json;

#[tokio::test]
async fn school_crud() {
    let t = TestApp::new().await;
    let body = json!({
        "@odata.type": "#microsoft.graph.educationSchool",
        "displayName": "North High",
        "schoolNumber": "42",
        "address": {"city": "Springfield", "countryOrRegion": "US"},
        "externalSource": "sis"
    });
    let created = t
        .post("/v1.0/education/schools", body)
        .await
        .expect(201)
        .json();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["@odata.type"], "#microsoft.graph.educationSchool");
    assert_eq!(created["externalSource"], "sis");
    assert_eq!(created["address"]["city"], "Springfield");
    uuid::Uuid::parse_str(&id).expect("ids are UUIDs");

    let url = format!("/v1.0/education/schools/{id}");
    let got = t.get(&url).await.expect(200).json();
    assert_eq!(
        got["@odata.context"],
        "http://127.0.0.1:8080/v1.0/$metadata#education/schools/$entity"
    );
    assert_eq!(got["schoolNumber"], "42");
    let patched = t
        .patch(
            &url,
            json!({"address": {"street": "1 Main St"}, "phone": "555"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(patched["address"]["city"], "Springfield");
    assert_eq!(patched["address"]["street"], "1 Main St");
    assert_eq!(patched["phone"], "555");
    let list = t.get("/v1.0/education/schools").await.expect(200).json();
    assert_eq!(
        list["@odata.context"],
        "http://127.0.0.1:8080/v1.0/$metadata#education/schools"
    );
    assert_eq!(ids(&list), [id.as_str()]);
    t.delete(&url).await.expect(204);
    t.get(&url).await.expect(404);

    t.post("/v1.0/education/schools", json!({"description": "no name"}))
        .await
        .expect(400);
    t.post(
        "/v1.0/education/schools",
        json!({"displayName": "x", "@odata.type": "#microsoft.graph.educationClass"}),
    )
    .await
    .expect(400);
    t.post(
        "/v1.0/education/schools",
        json!({"displayName": "x", "externalSource": "lms"}),
    )
    .await
    .expect(400);
    // beta knows `lms`.
    t.post(
        "/beta/education/schools",
        json!({"displayName": "x", "externalSource": "lms"}),
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn school_classes_and_users() {
    let t = TestApp::new().await;
    let s = t.school("North").await;
    let c = t.class("c1").await;
    let u = t.user("u1", "student").await;
    let base = format!("/v1.0/education/schools/{s}");
    t.link(
        &format!("{base}/classes"),
        &format!("education/classes/{c}"),
    )
    .await;
    t.link(&format!("{base}/users"), &format!("education/users/{u}"))
        .await;
    assert_eq!(
        ids(&t.get(&format!("{base}/classes")).await.expect(200).json()),
        [c.as_str()]
    );
    assert_eq!(
        ids(&t.get(&format!("{base}/users")).await.expect(200).json()),
        [u.as_str()]
    );
    let refs = t
        .get(&format!("{base}/classes/$ref"))
        .await
        .expect(200)
        .json();
    assert_eq!(
        refs["value"],
        json!([format!("http://127.0.0.1:8080/v1.0/education/classes/{c}")])
    );
    assert_eq!(
        t.get(&format!("{base}/users/$count"))
            .await
            .expect(200)
            .text(),
        "1"
    );

    // Users of a school are app-only.
    let (code, _) = t
        .get_as(&format!("{base}/users"), &t.user_token(&u, &[READ]))
        .await
        .expect(403)
        .error();
    assert_eq!(code, "AccessDenied");
    t.get_as(&format!("{base}/classes"), &t.user_token(&u, &[READ]))
        .await
        .expect(200);

    t.delete(&format!("{base}/classes/{c}/$ref"))
        .await
        .expect(204);
    t.delete(&format!(
        "{base}/users/$ref?@id=https://graph.microsoft.com/v1.0/education/users/{u}"
    ))
    .await
    .expect(204);
    assert_eq!(
        t.get(&format!("{base}/classes")).await.json()["value"],
        json!([])
    );
    assert_eq!(
        t.get(&format!("{base}/users")).await.json()["value"],
        json!([])
    );
    // The class and the user themselves remain.
    t.get(&format!("/v1.0/education/classes/{c}"))
        .await
        .expect(200);
    t.get(&format!("/v1.0/education/users/{u}"))
        .await
        .expect(200);
}

#[tokio::test]
async fn unsupported_methods_and_unknown_paths() {
    let t = TestApp::new().await;
    let s = t.school("North").await;
    let r = t
        .call(
            Method::PUT,
            &format!("/v1.0/education/schools/{s}"),
            &t.admin,
            Some("{}"),
        )
        .await
        .expect(405);
    assert_eq!(r.header("allow"), "GET, PATCH, DELETE");
    assert_eq!(r.error().0, "notAllowed");
    t.call(
        Method::POST,
        &format!("/v1.0/education/schools/{s}/classes"),
        &t.admin,
        Some("{}"),
    )
    .await
    .expect(405);
    t.delete("/v1.0/education/schools").await.expect(405);
    let (code, msg) = t.get("/v1.0/education/teachers").await.expect(404).error();
    assert_eq!(code, "UnknownError");
    assert!(msg.contains("/v1.0/education/teachers"), "{msg}");
    t.get(&format!("/v1.0/education/schools/{s}/classes/x"))
        .await
        .expect(404);
    t.get("/v2.0/education/schools").await.expect(404);
}
