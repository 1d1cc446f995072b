//! Concurrent PATCHes, entity tags and `If-Match` (docs/concurrency.md), and entity
//! payloads byte for byte as stored (the suite runs on SQLite and on PostgreSQL).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request};
use common::*;
use serde_json::{json, Value};

/// Properties of a user that a PATCH may set to any short text, as paths.
const SLOTS: [&[&str]; 21] = [
    &["displayName"],
    &["givenName"],
    &["surname"],
    &["middleName"],
    &["department"],
    &["officeLocation"],
    &["mobilePhone"],
    &["mailingAddress", "city"],
    &["mailingAddress", "countryOrRegion"],
    &["mailingAddress", "postalCode"],
    &["mailingAddress", "state"],
    &["mailingAddress", "street"],
    &["residenceAddress", "city"],
    &["residenceAddress", "countryOrRegion"],
    &["residenceAddress", "postalCode"],
    &["residenceAddress", "state"],
    &["residenceAddress", "street"],
    &["student", "externalId"],
    &["student", "studentNumber"],
    &["student", "grade"],
    &["student", "birthDate"],
];

/// `{"a": {"b": value}}` for the path `a/b`.
fn nested(path: &[&str], value: Value) -> Value {
    path.iter()
        .rev()
        .fold(value, |inner, name| json!({ *name: inner }))
}

fn value_of(i: usize) -> Value {
    // birthDate is a Date; the others are free text.
    if SLOTS[i % SLOTS.len()] == ["student", "birthDate"] {
        json!(format!("2010-01-{:02}", 1 + i % 28))
    } else {
        json!(format!("v{i}"))
    }
}

fn at<'a>(doc: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(doc, |v, name| &v[*name])
}

fn version_of(etag: &str) -> i64 {
    etag.trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .unwrap_or_else(|_| panic!("not a version tag: {etag}"))
}

async fn call_if_match(
    t: &TestApp,
    method: Method,
    uri: &str,
    if_match: &str,
    body: Option<Value>,
) -> Resp {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {}", t.admin))
        .header(header::IF_MATCH, if_match)
        .header(header::CONTENT_TYPE, "application/json");
    let body = body.map_or(Body::empty(), |b| Body::from(b.to_string()));
    t.send(req.body(body).unwrap()).await
}

/// 200 PATCHes at once, each setting one of 21 properties: every one answers 200 with its
/// own version, and each response (and the final entity) shows, for every property, the
/// value of the latest PATCH applied before it: no update was lost or applied twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_concurrent_patches_of_different_properties_all_land() {
    let t = Arc::new(TestApp::new().await);
    let id = t.user("racer", "student").await;
    let uri = format!("/v1.0/education/users/{id}");
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let (t, uri) = (t.clone(), uri.clone());
        tasks.spawn(async move {
            let body = nested(SLOTS[i % SLOTS.len()], value_of(i));
            let resp = t.patch(&uri, body).await.expect(200);
            let version = version_of(&resp.header("etag"));
            assert_eq!(resp.json()["@odata.etag"], resp.header("etag"));
            (version, i, resp.json())
        });
    }
    let mut applied = BTreeMap::new();
    while let Some(done) = tasks.join_next().await {
        let (version, i, body) = done.unwrap();
        assert!(
            applied.insert(version, (i, body)).is_none(),
            "version {version} twice"
        );
    }
    let versions: Vec<i64> = applied.keys().copied().collect();
    assert_eq!(versions, (2..=201).collect::<Vec<_>>());

    // Replaying the PATCHes in version order predicts every response.
    let mut expected: BTreeMap<usize, Value> = BTreeMap::new();
    for (i, body) in applied.values() {
        expected.insert(i % SLOTS.len(), value_of(*i));
        for (slot, value) in &expected {
            assert_eq!(at(body, SLOTS[*slot]), value, "slot {slot} after patch {i}");
        }
    }
    let end = t.get(&uri).await.expect(200);
    assert_eq!(end.header("etag"), "W/\"201\"");
    for (slot, path) in SLOTS.iter().enumerate() {
        assert_eq!(at(&end.json(), path), &expected[&slot], "{path:?}");
    }
}

#[tokio::test]
async fn if_match_guards_patch_and_delete() {
    let t = TestApp::new().await;
    let id = t.user("guarded", "teacher").await;
    let uri = format!("/v1.0/education/users/{id}");
    let got = t.get(&uri).await.expect(200);
    assert_eq!(got.header("etag"), "W/\"1\"");
    assert_eq!(got.json()["@odata.etag"], "W/\"1\"");

    // A tag of another version: 412, nothing changes.
    for tag in ["W/\"7\"", "\"2\"", "garbage", ""] {
        let resp = call_if_match(
            &t,
            Method::PATCH,
            &uri,
            tag,
            Some(json!({"displayName": "X"})),
        )
        .await
        .expect(412);
        assert_eq!(resp.error().0, "PreconditionFailed", "{tag}");
    }
    let still = t.get(&uri).await.expect(200);
    assert_eq!(still.text(), got.text());

    // The current tag (weak or strong form, alone or in a list) goes through; a tag read
    // before a change no longer holds; `*` matches whatever version exists.
    let steps = [
        (
            "W/\"9\", W/\"1\"",
            json!({"displayName": "One"}),
            200,
            "W/\"2\"",
        ),
        ("\"2\"", json!({"surname": "Two"}), 200, "W/\"3\""),
        ("W/\"1\"", json!({"displayName": "late"}), 412, ""),
        ("*", json!({"department": "Any"}), 200, "W/\"4\""),
    ];
    for (tag, body, status, etag) in steps {
        let resp = call_if_match(&t, Method::PATCH, &uri, tag, Some(body))
            .await
            .expect(status);
        if status == 200 {
            assert_eq!(resp.header("etag"), etag, "{tag}");
            assert_eq!(resp.json()["@odata.etag"], etag, "{tag}");
        }
    }
    let now = t.get(&uri).await.expect(200).json();
    assert_eq!(
        (&now["displayName"], &now["surname"], &now["department"]),
        (&json!("One"), &json!("Two"), &json!("Any"))
    );

    // DELETE: a stale tag is refused and the user stays; the current one deletes.
    call_if_match(&t, Method::DELETE, &uri, "W/\"3\"", None)
        .await
        .expect(412);
    t.get(&uri).await.expect(200);
    call_if_match(&t, Method::DELETE, &uri, "W/\"4\"", None)
        .await
        .expect(204);
    t.get(&uri).await.expect(404);
    // On a missing entity the answer stays 404, whatever the tag.
    for tag in ["*", "W/\"4\""] {
        call_if_match(&t, Method::PATCH, &uri, tag, Some(json!({"surname": "x"})))
            .await
            .expect(404);
        call_if_match(&t, Method::DELETE, &uri, tag, None)
            .await
            .expect(404);
    }
}

/// The same request answers the same bytes on every backend: control information first,
/// then the properties in schema order, no spaces.
#[tokio::test]
async fn entity_payloads_are_byte_for_byte_the_stored_document() {
    let t = TestApp::new().await;
    let created = t
        .post(
            "/v1.0/education/schools",
            json!({"displayName": "Byte School", "externalId": "B-1",
                   "address": {"city": "Zürich", "street": "1 \"Main\" St"}}),
        )
        .await
        .expect(201);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let want = format!(
        "{{\"@odata.context\":\"http://127.0.0.1:8080/v1.0/$metadata#education/schools/$entity\",\
         \"@odata.etag\":\"W/\\\"1\\\"\",\
         \"@odata.type\":\"#microsoft.graph.educationSchool\",\"id\":\"{id}\",\
         {SCHOOL_BODY}}}"
    );
    assert_eq!(created.text(), want);
    let got = t
        .get(&format!("/v1.0/education/schools/{id}"))
        .await
        .expect(200);
    assert_eq!(got.text(), want);
    let patched = t
        .patch(
            &format!("/v1.0/education/schools/{id}"),
            json!({"phone": "555"}),
        )
        .await
        .expect(200);
    let want2 = want
        .replace("W/\\\"1\\\"", "W/\\\"2\\\"")
        .replace("\"phone\":null", "\"phone\":\"555\"");
    assert_eq!(patched.text(), want2);
}

/// The properties of the school above after `id`, as the server writes them.
const SCHOOL_BODY: &str = concat!(
    r#""description":null,"displayName":"Byte School","externalSource":"manual","#,
    r#""externalSourceDetail":null,"address":{"city":"Zürich","street":"1 \"Main\" St"},"#,
    r#""createdBy":{"application":{"id":"11111111-2222-3333-4444-555555555555","#,
    r#""displayName":null},"device":null,"user":{"id":null,"displayName":null}},"#,
    r#""externalId":"B-1","externalPrincipalId":null,"fax":null,"highestGrade":null,"#,
    r#""lowestGrade":null,"phone":null,"principalEmail":null,"principalName":null,"#,
    r#""schoolNumber":null"#,
);
