//! `/education/classes`: CRUD, members and teachers by `$ref`, schools, the group.

mod common;

use axum::http::Method;
use common::*;
use serde_json::json;

#[tokio::test]
async fn class_crud() {
    let t = TestApp::new().await;
    let resp = t.post("/v1.0/education/classes", json!({"displayName": "Maths 9", "mailNickname": "maths9", "term": {"displayName": "Fall", "startDate": "2024-09-01"}})).await.expect(201);
    let c = resp.json();
    let id = c["id"].as_str().unwrap();
    assert_eq!(c["@odata.type"], "#microsoft.graph.educationClass");
    assert_eq!(c["externalSource"], "manual");
    assert_eq!(c["term"]["startDate"], "2024-09-01");
    let url = format!("/v1.0/education/classes/{id}");
    let p = t
        .patch(&url, json!({"description": "Algebra", "grade": "9"}))
        .await
        .expect(200)
        .json();
    assert_eq!(p["description"], "Algebra");
    assert_eq!(p["displayName"], "Maths 9");
    assert_eq!(
        t.get("/v1.0/education/classes").await.expect(200).json()["value"][0]["grade"],
        "9"
    );
    t.delete(&url).await.expect(204);
    t.get(&url).await.expect(404);

    let (_, msg) = t
        .post("/v1.0/education/classes", json!({"displayName": "No nick"}))
        .await
        .expect(400)
        .error();
    assert!(msg.contains("mailNickname"), "{msg}");
}

#[tokio::test]
async fn members_and_teachers_by_ref() {
    let t = TestApp::new().await;
    let c = t.class("c1").await;
    let s1 = t.user("s1", "student").await;
    let s2 = t.user("s2", "student").await;
    let s3 = t.user("s3", "student").await;
    let teacher = t.user("tt", "teacher").await;
    let members = format!("/v1.0/education/classes/{c}/members");

    // Any host, Graph's own, directoryObjects, relative.
    for (i, url) in [
        format!("http://other.example:9000/v1.0/education/users/{s1}"),
        format!("https://graph.microsoft.com/v1.0/directoryObjects/{s2}"),
        format!("/v1.0/users/{s3}"),
    ]
    .into_iter()
    .enumerate()
    {
        let r = t
            .post(&format!("{members}/$ref"), json!({"@odata.id": url}))
            .await;
        assert_eq!(r.status.as_u16(), 204, "{i}: {}", r.text());
    }
    t.link(
        &format!("/v1.0/education/classes/{c}/teachers"),
        &format!("education/users/{teacher}"),
    )
    .await;

    let listed = t.get(&members).await.expect(200).json();
    assert_eq!(
        listed["@odata.context"],
        format!("http://127.0.0.1:8080/v1.0/$metadata#education/classes('{c}')/members")
    );
    let mut got = ids(&listed);
    got.sort();
    let mut want = vec![s1.clone(), s2.clone(), s3.clone()];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(
        ids(&t
            .get(&format!("/v1.0/education/classes/{c}/teachers"))
            .await
            .expect(200)
            .json()),
        [teacher.as_str()]
    );

    // $ref listing: absolute URLs of the caller's origin.
    let refs = t.get(&format!("{members}/$ref")).await.expect(200).json();
    assert_eq!(
        refs["@odata.context"],
        "http://127.0.0.1:8080/v1.0/$metadata#Collection(string)"
    );
    let urls: Vec<String> = refs["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(
        urls.contains(&format!("http://127.0.0.1:8080/v1.0/education/users/{s1}")),
        "{urls:?}"
    );

    // Duplicate add.
    let (code, msg) = t
        .post(
            &format!("{members}/$ref"),
            json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/education/users/{s1}")}),
        )
        .await
        .expect(400)
        .error();
    assert_eq!(code, "Request_BadRequest");
    assert_eq!(msg, "One or more added object references already exist for the following modified properties: 'members'.");

    // Remove by key and by @id (percent-encoded, any host).
    t.delete(&format!("{members}/{s1}/$ref")).await.expect(204);
    let encoded = percent_encoding::utf8_percent_encode(
        &format!("http://127.0.0.1:8080/v1.0/education/users/{s2}"),
        percent_encoding::NON_ALPHANUMERIC,
    )
    .to_string();
    t.delete(&format!("{members}/$ref?@id={encoded}"))
        .await
        .expect(204);
    assert_eq!(ids(&t.get(&members).await.json()), [s3.as_str()]);
    t.delete(&format!("{members}/{s1}/$ref")).await.expect(404);
    t.delete(&format!(
        "/v1.0/education/classes/{c}/teachers/{teacher}/$ref"
    ))
    .await
    .expect(204);
    assert_eq!(
        t.get(&format!("{members}/$count")).await.expect(200).text(),
        "1"
    );
}

#[tokio::test]
async fn ref_errors() {
    let t = TestApp::new().await;
    let c = t.class("c1").await;
    let u = t.user("u1", "student").await;
    let members = format!("/v1.0/education/classes/{c}/members/$ref");
    // Unknown referenced user: Graph's directory 404 naming it.
    let (_, msg) = t
        .post(
            &members,
            json!({"@odata.id": "https://graph.microsoft.com/v1.0/education/users/ghost"}),
        )
        .await
        .expect(404)
        .error();
    assert!(msg.contains("ghost"), "{msg}");
    // Unknown class in the path.
    let (_, msg) = t
        .post(
            "/v1.0/education/classes/nope/members/$ref",
            json!({"@odata.id": format!("https://x/v1.0/education/users/{u}")}),
        )
        .await
        .expect(404)
        .error();
    assert!(msg.contains("nope"), "{msg}");
    // A class URL where a user is expected; no @odata.id; malformed JSON; no @id on DELETE.
    t.post(
        &members,
        json!({"@odata.id": format!("https://x/v1.0/education/classes/{c}")}),
    )
    .await
    .expect(400);
    t.post(&members, json!({"id": u})).await.expect(400);
    t.call(Method::POST, &members, &t.admin, Some("{"))
        .await
        .expect(400);
    t.delete(&members).await.expect(400);
    t.get("/v1.0/education/classes/nope/members")
        .await
        .expect(404);
}

#[tokio::test]
async fn class_schools_and_group() {
    let t = TestApp::new().await;
    let c = t.class("maths").await;
    let s = t.school("North").await;
    t.link(
        &format!("/v1.0/education/schools/{s}/classes"),
        &format!("education/classes/{c}"),
    )
    .await;
    let schools = t
        .get(&format!("/v1.0/education/classes/{c}/schools"))
        .await
        .expect(200)
        .json();
    assert_eq!(ids(&schools), [s.as_str()]);
    assert_eq!(
        schools["value"][0]["@odata.type"],
        "#microsoft.graph.educationSchool"
    );
    t.get(&format!("/v1.0/education/classes/{c}/schools/{s}"))
        .await
        .expect(200);

    let g = t
        .get(&format!("/v1.0/education/classes/{c}/group"))
        .await
        .expect(200)
        .json();
    assert_eq!(
        g["@odata.context"],
        "http://127.0.0.1:8080/v1.0/$metadata#groups/$entity"
    );
    assert_eq!(g["@odata.type"], "#microsoft.graph.group");
    assert_eq!(g["id"], c);
    assert_eq!(g["mail"], "maths@a.example.edu");
    assert_eq!(g["groupTypes"], json!(["Unified"]));
    assert_eq!(g["mailEnabled"], true);
    assert_eq!(g["securityEnabled"], false);
    t.get("/v1.0/education/classes/nope/group")
        .await
        .expect(404);

    // Deleting the class removes its links.
    t.delete(&format!("/v1.0/education/classes/{c}"))
        .await
        .expect(204);
    assert_eq!(
        t.get(&format!("/v1.0/education/schools/{s}/classes"))
            .await
            .expect(200)
            .json()["value"],
        json!([])
    );
}

#[tokio::test]
async fn delegated_member_listing_is_for_members_only() {
    let t = TestApp::new().await;
    let c = t.class("c1").await;
    let student = t.user("stu", "student").await;
    let teacher = t.user("tea", "teacher").await;
    let outsider = t.user("out", "student").await;
    t.link(
        &format!("/v1.0/education/classes/{c}/members"),
        &format!("education/users/{student}"),
    )
    .await;
    t.link(
        &format!("/v1.0/education/classes/{c}/teachers"),
        &format!("education/users/{teacher}"),
    )
    .await;
    let members = format!("/v1.0/education/classes/{c}/members");

    let listed = t
        .get_as(&members, &t.user_token(&student, &[READ]))
        .await
        .expect(200)
        .json();
    // Delegated callers get the reduced property set.
    let first = &listed["value"][0];
    assert_eq!(first["student"], json!({"externalId": "X-stu"}));
    assert!(
        first.get("mail").is_none() && first.get("mailNickname").is_none(),
        "{first}"
    );
    t.get_as(&members, &t.user_token(&teacher, &[READ]))
        .await
        .expect(200);
    let (code, msg) = t
        .get_as(&members, &t.user_token(&outsider, &[READ]))
        .await
        .expect(403)
        .error();
    assert_eq!(code, "AccessDenied");
    assert!(msg.contains(&c), "{msg}");
    // Teachers of a class are visible to anyone with a roster scope.
    t.get_as(
        &format!("/v1.0/education/classes/{c}/teachers"),
        &t.user_token(&outsider, &[READ]),
    )
    .await
    .expect(200);
    // All classes are listed to delegated callers (course catalog).
    let all = t
        .get_as("/v1.0/education/classes", &t.user_token(&outsider, &[READ]))
        .await
        .expect(200)
        .json();
    assert_eq!(ids(&all), [c.as_str()]);
    // Roster writes need the application permission.
    let (code, msg) = t
        .call(
            Method::POST,
            "/v1.0/education/classes",
            &t.user_token(&teacher, &["EduRoster.ReadWrite"]),
            Some(r#"{"displayName":"x","mailNickname":"x"}"#),
        )
        .await
        .expect(403)
        .error();
    assert_eq!(code, "AccessDenied");
    assert!(msg.contains("EduRoster.ReadWrite.All"), "{msg}");
}
