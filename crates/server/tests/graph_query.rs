//! OData query options on the roster collections, paging and absolute links.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use serde_json::{json, Value};

async fn five_users(t: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    for (nick, role) in [
        ("ann", "student"),
        ("ben", "teacher"),
        ("cat", "student"),
        ("dan", "student"),
        ("eve", "teacher"),
    ] {
        out.push(t.user(nick, role).await);
    }
    out
}

fn names(v: &Value) -> Vec<String> {
    values(v)
        .iter()
        .map(|x| x["mailNickname"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn filter_select_orderby() {
    let t = TestApp::new().await;
    five_users(&t).await;
    let v = t.get("/v1.0/education/users?$filter=primaryRole%20eq%20%27teacher%27&$orderby=displayName%20desc").await.expect(200).json();
    assert_eq!(names(&v), ["eve", "ben"]);
    let v = t
        .get("/v1.0/education/users?$filter=student/externalId%20eq%20%27X-cat%27")
        .await
        .expect(200)
        .json();
    assert_eq!(names(&v), ["cat"]);
    let v = t.get("/v1.0/education/users?$filter=startswith(displayName,'User%20d')%20or%20mailNickname%20in%20('ann')&$orderby=mailNickname").await.expect(200).json();
    assert_eq!(names(&v), ["ann", "dan"]);
    let v = t
        .get("/v1.0/education/users?$select=id,displayName,student/externalId&$orderby=displayName")
        .await
        .expect(200)
        .json();
    let first = values(&v)[0].clone();
    assert_eq!(first["displayName"], "User ann");
    assert_eq!(first["student"], json!({"externalId": "X-ann"}));
    assert_eq!(first["@odata.type"], "#microsoft.graph.educationUser");
    assert!(
        first.get("mail").is_none() && first.get("refreshTokensValidFromDateTime").is_none(),
        "{first}"
    );
}

#[tokio::test]
async fn bad_options_are_400s_that_name_the_problem() {
    let t = TestApp::new().await;
    let (code, msg) = t
        .get("/v1.0/education/users?$filter=shoeSize%20eq%2042")
        .await
        .expect(400)
        .error();
    assert!(!code.is_empty());
    assert!(msg.contains("shoeSize"), "{msg}");
    let (_, msg) = t
        .get("/v1.0/education/users?$top=1000")
        .await
        .expect(400)
        .error();
    assert!(msg.contains("1000") && msg.contains("999"), "{msg}");
    let (_, msg) = t
        .get("/v1.0/education/users?$search=%22ada%22")
        .await
        .expect(400)
        .error();
    assert!(msg.contains("$search"), "{msg}");
    let (_, msg) = t
        .get("/v1.0/education/classes?$select=nope")
        .await
        .expect(400)
        .error();
    assert!(msg.contains("nope"), "{msg}");
    let (_, msg) = t
        .get("/v1.0/education/users?$skiptoken=garbage!")
        .await
        .expect(400)
        .error();
    assert!(msg.contains("skiptoken"), "{msg}");
    t.get("/v1.0/education/users?$expand=assignments")
        .await
        .expect(400);
}

#[tokio::test]
async fn paging_follows_absolute_next_links() {
    let t = TestApp::new().await;
    let mut all = five_users(&t).await;
    all.sort();
    let mut seen = Vec::new();
    let mut url = "/v1.0/education/users?$top=2&$count=true&$select=id".to_string();
    let mut pages = 0;
    loop {
        let v = t.get(&url).await.expect(200).json();
        assert_eq!(v["@odata.count"], 5);
        seen.extend(ids(&v));
        pages += 1;
        match v["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with("http://127.0.0.1:8080/v1.0/education/users?"),
                    "{next}"
                );
                assert!(
                    next.contains("$top=2")
                        && next.contains("$select=id")
                        && next.contains("$skiptoken="),
                    "{next}"
                );
                url = path_of(next);
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    seen.sort();
    assert_eq!(seen, all);
    // $skip works too.
    assert_eq!(
        ids(&t.get("/v1.0/education/users?$skip=4").await.json()).len(),
        1
    );
}

#[tokio::test]
async fn max_page_size_preference() {
    let t = TestApp::new().await;
    five_users(&t).await;
    let req = Request::get("/v1.0/education/users")
        .header("authorization", format!("Bearer {}", t.admin))
        .header("prefer", "odata.maxpagesize=3")
        .body(Body::empty())
        .unwrap();
    let r = t.send(req).await.expect(200);
    assert_eq!(r.header("preference-applied"), "odata.maxpagesize=3");
    assert_eq!(values(&r.json()).len(), 3);
    assert!(r.json()["@odata.nextLink"].is_string());
}

#[tokio::test]
async fn counts_in_both_forms() {
    let t = TestApp::new().await;
    five_users(&t).await;
    let r = t.get("/v1.0/education/users/$count").await.expect(200);
    assert!(
        r.header("content-type").starts_with("text/plain"),
        "{}",
        r.header("content-type")
    );
    assert_eq!(r.text(), "5");
    assert_eq!(
        t.get("/v1.0/education/users/$count?$filter=primaryRole%20eq%20%27student%27")
            .await
            .text(),
        "3"
    );
    let v = t
        .get("/v1.0/education/users?$count=true&$top=1")
        .await
        .json();
    assert_eq!(v["@odata.count"], 5);
    assert!(t
        .get("/v1.0/education/users")
        .await
        .json()
        .get("@odata.count")
        .is_none());
    assert_eq!(t.get("/v1.0/education/classes/$count").await.text(), "0");
}

#[tokio::test]
async fn forwarded_headers_of_a_trusted_proxy_shape_links_and_double_slashes_collapse() {
    // Forwarded headers count only from a trusted proxy (tests/platform_links.rs).
    let t = TestApp::with_config(edugraph_server::config::Config {
        trusted_proxies: Some(vec!["10.0.0.0/8".into()]),
        ..Default::default()
    })
    .await;
    five_users(&t).await;
    let mut req = Request::get("/v1.0//education//users?$top=2")
        .header("authorization", format!("Bearer {}", t.admin))
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "graph.school.example")
        .body(Body::empty())
        .unwrap();
    let proxy: std::net::SocketAddr = "10.0.0.1:40000".parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(proxy));
    let v = t.send(req).await.expect(200).json();
    assert_eq!(
        v["@odata.context"],
        "https://graph.school.example/v1.0/$metadata#education/users"
    );
    let next = v["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with("https://graph.school.example/v1.0/education/users?$top=2&$skiptoken="),
        "{next}"
    );
}

#[tokio::test]
async fn expand_navigations() {
    let t = TestApp::new().await;
    let c = t.class("c1").await;
    let s = t.school("North").await;
    let u = t.user("ann", "student").await;
    t.link(
        &format!("/v1.0/education/classes/{c}/members"),
        &format!("education/users/{u}"),
    )
    .await;
    t.link(
        &format!("/v1.0/education/schools/{s}/classes"),
        &format!("education/classes/{c}"),
    )
    .await;
    let v = t
        .get(&format!(
            "/v1.0/education/classes/{c}?$expand=members($select=id,displayName),schools"
        ))
        .await
        .expect(200)
        .json();
    assert_eq!(
        v["members"],
        json!([{"@odata.type": "#microsoft.graph.educationUser", "id": u, "displayName": "User ann"}])
    );
    assert_eq!(v["schools"][0]["id"], s);
    let v = t
        .get("/v1.0/education/users?$expand=classes&$select=id")
        .await
        .expect(200)
        .json();
    assert_eq!(values(&v)[0]["classes"][0]["id"], c);
    let v = t
        .get(&format!("/v1.0/education/classes/{c}?$expand=group"))
        .await
        .expect(200)
        .json();
    assert_eq!(v["group"]["@odata.type"], "#microsoft.graph.group");
}

#[tokio::test]
async fn metadata_is_public_xml() {
    let t = TestApp::new().await;
    for v in ["v1.0", "beta"] {
        let r = t.get_as(&format!("/{v}/$metadata"), "").await.expect(200);
        assert!(r.header("content-type").starts_with("application/xml"));
        assert!(r.text().contains("educationUser"));
    }
    let beta = t.get_as("/beta/$metadata", "").await.text();
    let v1 = t.get_as("/v1.0/$metadata", "").await.text();
    assert!(beta.contains("faculty") && !v1.contains("faculty"));
}

#[tokio::test]
async fn beta_links_and_the_root() {
    let t = TestApp::new().await;
    five_users(&t).await;
    let v = t
        .get("/beta/education/users?$top=2")
        .await
        .expect(200)
        .json();
    assert_eq!(
        v["@odata.context"],
        "http://127.0.0.1:8080/beta/$metadata#education/users"
    );
    assert!(v["@odata.nextLink"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:8080/beta/education/users?"));
    let root = t.get("/v1.0/education").await.expect(200).json();
    assert_eq!(
        root,
        json!({"@odata.context": "http://127.0.0.1:8080/v1.0/$metadata#education"})
    );
}

#[tokio::test]
async fn delegated_expand_of_members_follows_the_membership_rule() {
    let t = TestApp::new().await;
    let c = t.class("c1").await;
    let member = t.user("mem", "student").await;
    let outsider = t.user("out", "student").await;
    t.link(
        &format!("/v1.0/education/classes/{c}/members"),
        &format!("education/users/{member}"),
    )
    .await;
    let url = format!("/v1.0/education/classes/{c}?$expand=members");
    let v = t
        .get_as(&url, &t.user_token(&member, &[READ]))
        .await
        .expect(200)
        .json();
    assert_eq!(v["members"][0]["id"], member);
    assert!(
        v["members"][0].get("mail").is_none(),
        "expanded users are reduced too"
    );
    t.get_as(&url, &t.user_token(&outsider, &[READ]))
        .await
        .expect(403);
    t.get_as(
        "/v1.0/education/classes?$expand=members",
        &t.user_token(&outsider, &[READ]),
    )
    .await
    .expect(403);
}

/// Items of a collection response without their entity tags (expanded items carry none).
fn untagged(v: &Value) -> Vec<Value> {
    values(v)
        .into_iter()
        .map(|mut x| {
            x.as_object_mut().unwrap().remove("@odata.etag");
            x
        })
        .collect()
}

#[tokio::test]
async fn expand_over_a_page_of_many_rows() {
    let t = TestApp::new().await;
    let school = t.school("North").await;
    let users = [
        t.user("u0", "teacher").await,
        t.user("u1", "student").await,
        t.user("u2", "student").await,
        t.user("u3", "student").await,
        t.user("u4", "student").await,
    ];
    for u in &users {
        t.link(
            &format!("/v1.0/education/schools/{school}/users"),
            &format!("education/users/{u}"),
        )
        .await;
    }
    // Twelve classes with 0 to 4 members each, in different combinations; u0 is a member
    // (and the teacher) of all but the last, which has no one.
    let mut classes = Vec::new();
    for i in 0..12 {
        let c = t.class(&format!("c{i}")).await;
        if i < 11 {
            for (j, u) in users.iter().enumerate() {
                if j == 0 || (i + j) % 3 == 0 {
                    t.link(
                        &format!("/v1.0/education/classes/{c}/members"),
                        &format!("education/users/{u}"),
                    )
                    .await;
                }
            }
            t.link(
                &format!("/v1.0/education/classes/{c}/teachers"),
                &format!("education/users/{}", users[0]),
            )
            .await;
            t.link(
                &format!("/v1.0/education/schools/{school}/classes"),
                &format!("education/classes/{c}"),
            )
            .await;
        }
        classes.push(c);
    }

    // Each class's expansion is what listing that class's navigation answers, item for
    // item (and nothing leaks between rows).
    let page = t
        .get("/v1.0/education/classes?$expand=members,teachers,schools&$top=50")
        .await
        .expect(200)
        .json();
    let rows = values(&page);
    assert_eq!(rows.len(), 12);
    for row in &rows {
        let c = row["id"].as_str().unwrap();
        for nav in ["members", "teachers", "schools"] {
            let listed = t
                .get(&format!("/v1.0/education/classes/{c}/{nav}"))
                .await
                .expect(200)
                .json();
            assert_eq!(
                row[nav].as_array().unwrap(),
                &untagged(&listed),
                "{c} {nav}"
            );
        }
    }
    let empty = rows.iter().find(|r| r["id"] == classes[11]).unwrap();
    assert_eq!(empty["members"], json!([]));

    // A nested `$top` cuts each row's expansion, keeping the listing's order.
    let page = t
        .get("/v1.0/education/classes?$expand=members($top=2;$select=id)")
        .await
        .expect(200)
        .json();
    for row in values(&page) {
        let c = row["id"].as_str().unwrap();
        let listed = t
            .get(&format!(
                "/v1.0/education/classes/{c}/members?$top=2&$select=id"
            ))
            .await
            .expect(200)
            .json();
        let got = row["members"].as_array().unwrap();
        assert!(got.len() <= 2);
        assert_eq!(got, &untagged(&listed), "{c}");
    }

    // One school shared by every user of the page, and every class of the school.
    let page = t
        .get("/v1.0/education/users?$expand=schools($select=id),classes($select=id)")
        .await
        .expect(200)
        .json();
    for row in values(&page) {
        assert_eq!(row["schools"][0]["id"], school, "{}", row["id"]);
        assert_eq!(row["schools"].as_array().unwrap().len(), 1);
        let u = row["id"].as_str().unwrap();
        let listed = t
            .get(&format!("/v1.0/education/users/{u}/classes?$select=id"))
            .await
            .expect(200)
            .json();
        assert_eq!(row["classes"].as_array().unwrap(), &untagged(&listed));
    }
    let v = t
        .get("/v1.0/education/schools?$expand=classes($select=id)")
        .await
        .expect(200)
        .json();
    assert_eq!(values(&v)[0]["classes"].as_array().unwrap().len(), 11);

    // A delegated member of every class but the last sees each expansion reduced, the
    // same as listing it; a page holding the class it is not in is refused.
    let token = t.user_token(&users[0], &[READ]);
    t.get_as("/v1.0/education/classes?$expand=members", &token)
        .await
        .expect(403);
    let url = "/v1.0/education/classes?$expand=members&$filter=displayName%20ne%20'Class%20c11'";
    let page = t.get_as(url, &token).await.expect(200).json();
    let rows = values(&page);
    assert_eq!(rows.len(), 11);
    for row in &rows {
        let c = row["id"].as_str().unwrap();
        let listed = t
            .get_as(&format!("/v1.0/education/classes/{c}/members"), &token)
            .await
            .expect(200)
            .json();
        let got = row["members"].as_array().unwrap();
        assert_eq!(got, &untagged(&listed), "{c}");
        assert!(!got.is_empty() && got.iter().all(|m| m.get("mail").is_none()));
    }
}
