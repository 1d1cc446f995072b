//! `delta()` on users, classes and schools.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use serde_json::{json, Value};

/// Follows nextLinks from `url` to the end; returns the items and the deltaLink.
async fn drain(t: &TestApp, url: &str) -> (Vec<Value>, String, usize) {
    let mut items = Vec::new();
    let mut url = url.to_string();
    let mut pages = 0;
    loop {
        let v = t.get(&url).await.expect(200).json();
        pages += 1;
        assert_eq!(
            v["@odata.context"]
                .as_str()
                .unwrap()
                .rsplit('#')
                .next()
                .unwrap(),
            "Collection(educationUser)"
        );
        items.extend(values(&v));
        if let Some(next) = v["@odata.nextLink"].as_str() {
            assert!(v.get("@odata.deltaLink").is_none());
            url = path_of(next);
            continue;
        }
        let delta = v["@odata.deltaLink"]
            .as_str()
            .expect("last page carries a deltaLink");
        assert!(
            delta.starts_with("http://127.0.0.1:8080/v1.0/education/users/delta()?"),
            "{delta}"
        );
        return (items, delta.to_string(), pages);
    }
}

#[tokio::test]
async fn users_delta_twice_sees_only_the_change_and_deletions() {
    let t = TestApp::new().await;
    let mut made = Vec::new();
    for n in ["a1", "a2", "a3", "a4", "a5"] {
        made.push(t.user(n, "student").await);
    }
    let (items, delta, pages) = drain(
        &t,
        "/v1.0/education/users/delta()?$top=2&$select=id,displayName",
    )
    .await;
    assert_eq!(pages, 3);
    let mut got: Vec<String> = items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    made.sort();
    assert_eq!(got, made);
    assert!(
        items[0].get("mailNickname").is_none(),
        "$select is honoured"
    );

    // Nothing changed: an empty round with a deltaLink.
    let v = t.get(&path_of(&delta)).await.expect(200).json();
    assert_eq!(v["value"], json!([]));
    let delta = v["@odata.deltaLink"].as_str().unwrap().to_string();

    // One update, one delete.
    t.patch(
        &format!("/v1.0/education/users/{}", made[0]),
        json!({"displayName": "Renamed"}),
    )
    .await
    .expect(200);
    t.delete(&format!("/v1.0/education/users/{}", made[1]))
        .await
        .expect(204);
    let v = t.get(&path_of(&delta)).await.expect(200).json();
    let items = values(&v);
    assert_eq!(items.len(), 2, "{v}");
    let renamed = items.iter().find(|i| i["id"] == made[0].as_str()).unwrap();
    assert_eq!(renamed["displayName"], "Renamed");
    assert!(
        renamed.get("mailNickname").is_none(),
        "$select kept in the deltaLink"
    );
    let removed = items.iter().find(|i| i["id"] == made[1].as_str()).unwrap();
    assert_eq!(removed["@removed"], json!({"reason": "deleted"}));
    assert_eq!(removed["@odata.type"], "#microsoft.graph.educationUser");
}

#[tokio::test]
async fn delta_spellings_and_paged_changes() {
    let t = TestApp::new().await;
    for path in ["delta", "delta()", "microsoft.graph.delta()"] {
        t.get(&format!("/v1.0/education/classes/{path}"))
            .await
            .expect(200);
        t.get(&format!("/beta/education/schools/{path}"))
            .await
            .expect(200);
    }
    let v = t
        .get("/v1.0/education/users/delta")
        .await
        .expect(200)
        .json();
    let delta = path_of(v["@odata.deltaLink"].as_str().unwrap());
    for n in ["b1", "b2", "b3"] {
        t.user(n, "student").await;
    }
    let req = Request::get(&delta)
        .header("authorization", format!("Bearer {}", t.admin))
        .header("prefer", "odata.maxpagesize=2")
        .body(Body::empty())
        .unwrap();
    let r = t.send(req).await.expect(200);
    assert_eq!(r.header("preference-applied"), "odata.maxpagesize=2");
    let first = r.json();
    assert_eq!(values(&first).len(), 2);
    let next = path_of(
        first["@odata.nextLink"]
            .as_str()
            .expect("a second page of changes"),
    );
    let second = t.get(&next).await.expect(200).json();
    assert_eq!(values(&second).len(), 1);
    assert!(second["@odata.deltaLink"].is_string());
}

#[tokio::test]
async fn class_delta_reports_membership_changes() {
    let t = TestApp::new().await;
    let c = t.class("c1").await;
    let u = t.user("u1", "student").await;
    let v = t
        .get("/v1.0/education/classes/delta()")
        .await
        .expect(200)
        .json();
    assert_eq!(ids(&v), [c.as_str()]);
    let delta = path_of(v["@odata.deltaLink"].as_str().unwrap());
    t.link(
        &format!("/v1.0/education/classes/{c}/members"),
        &format!("education/users/{u}"),
    )
    .await;
    assert_eq!(ids(&t.get(&delta).await.expect(200).json()), [c.as_str()]);
}

#[tokio::test]
async fn bad_delta_tokens_and_options() {
    let t = TestApp::new().await;
    let (_, msg) = t
        .get("/v1.0/education/users/delta()?$deltatoken=bogus")
        .await
        .expect(400)
        .error();
    assert!(msg.contains("deltatoken"), "{msg}");
    t.get("/v1.0/education/users/delta()?$skiptoken=bogus")
        .await
        .expect(400);
    // A classes token is not a users token.
    let v = t.get("/v1.0/education/classes/delta()").await.json();
    let token = v["@odata.deltaLink"]
        .as_str()
        .unwrap()
        .split("$deltatoken=")
        .nth(1)
        .unwrap()
        .to_string();
    t.get(&format!(
        "/v1.0/education/users/delta()?$deltatoken={token}"
    ))
    .await
    .expect(400);
    let (_, msg) = t
        .get("/v1.0/education/users/delta()?$filter=displayName%20eq%20%27x%27")
        .await
        .expect(400)
        .error();
    assert!(msg.contains("$filter"), "{msg}");
    // A deltatoken on a plain listing is refused too.
    t.get(&format!("/v1.0/education/classes?$deltatoken={token}"))
        .await
        .expect(400);
}
