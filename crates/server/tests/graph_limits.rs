//! Bad input on the Graph surface gets a bounded answer: query size limits, property
//! length limits, verified domains for user principal names, the password policy, `+`
//! as a space in query strings, and the envelopes of 414, 431 and 405. Every refusal is
//! a 400 (or the named status) with the Graph envelope, and nothing is stored.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request};
use common::*;
use edugraph_store::EntityKind;
use serde_json::json;

/// `n` short comparisons joined by `or`, with spaces sent as `+`.
fn or_terms(n: usize) -> String {
    let terms: Vec<String> = (0..n).map(|i| format!("mail+eq+'{i}'")).collect();
    terms.join("+or+")
}

#[tokio::test]
async fn a_thousand_term_filter_is_a_400_naming_the_limit_not_a_500() {
    let t = TestApp::new().await;
    t.user("ada", "student").await;
    let resp = t
        .get(&format!("/v1.0/education/users?$filter={}", or_terms(1000)))
        .await
        .expect(400);
    let (code, message) = resp.error();
    assert_eq!(code, "BadRequest");
    assert_eq!(message, "$filter has 1000 terms; at most 100 are allowed.");
    // At the limit the query runs on the store (SQLite's expression depth is not reached).
    let resp = t
        .get(&format!("/v1.0/education/users?$filter={}", or_terms(100)))
        .await
        .expect(200);
    assert_eq!(values(&resp.json()).len(), 0);
}

#[tokio::test]
async fn a_filter_at_every_limit_at_once_runs_on_the_store() {
    let t = TestApp::new().await;
    let id = t.user("ada", "student").await;
    // 100 terms inside 22 `not (...)`: 45 of the 48 levels of nesting allowed, and
    // about the deepest SQL the limits allow (on SQLite and PostgreSQL alike). An even
    // number of `not`s keeps the match.
    let mut terms: Vec<String> = (0..99).map(|i| format!("mail eq '{i}'")).collect();
    terms.push("mail eq 'ada@a.example.edu'".into());
    let inner = terms.join(" or ");
    let filter = format!("{}{inner}{}", "not (".repeat(22), ")".repeat(22));
    let uri = format!(
        "/v1.0/education/users?$filter={}",
        edugraph_odata::query::encode_component(&filter)
    );
    let resp = t.get(&uri).await.expect(200);
    assert_eq!(ids(&resp.json()), [id]);
}

#[tokio::test]
async fn in_orderby_select_and_expand_lists_are_bounded() {
    let t = TestApp::new().await;
    let ids: Vec<String> = (0..101).map(|i| format!("'{i}'")).collect();
    for (query, message) in [
        (
            format!("$filter=mail in ({})", ids.join(",")),
            "The 'in' list of 'mail' has 101 values; at most 100 are allowed.",
        ),
        (
            format!("$orderby={}", vec!["displayName"; 17].join(",")),
            "$orderby has 17 items; at most 16 are allowed.",
        ),
        (
            format!("$select={}", vec!["id"; 129].join(",")),
            "$select has 129 items; at most 128 are allowed.",
        ),
    ] {
        let uri = format!("/v1.0/education/users?{}", query.replace(' ', "%20"));
        let resp = t.get(&uri).await.expect(400);
        assert_eq!(resp.error().1, message);
    }
    let resp = t
        .get(&format!(
            "/v1.0/education/classes?$expand={}",
            vec!["members"; 17].join(",")
        ))
        .await
        .expect(400);
    assert_eq!(
        resp.error().1,
        "$expand has 17 items; at most 16 are allowed."
    );
}

#[tokio::test]
async fn plus_in_a_query_string_is_a_space_and_2b_a_plus() {
    let t = TestApp::new().await;
    let id = t.user("ada", "student").await;
    let resp = t
        .get("/v1.0/education/users?$filter=displayName+eq+'User+ada'")
        .await
        .expect(200);
    assert_eq!(ids(&resp.json()), [id.as_str()]);
    t.patch(
        &format!("/v1.0/education/users/{id}"),
        json!({"displayName": "C++ fan"}),
    )
    .await
    .expect(200);
    let resp = t
        .get("/v1.0/education/users?$filter=displayName+eq+'C%2B%2B+fan'")
        .await
        .expect(200);
    assert_eq!(ids(&resp.json()), [id]);
}

#[tokio::test]
async fn overlong_strings_are_refused_per_type_and_nothing_is_stored() {
    let t = TestApp::new().await;
    let mut user = user_body("ada", "student");
    user["displayName"] = json!("x".repeat(3 << 20));
    let resp = t.post("/v1.0/education/users", user).await.expect(400);
    let (code, message) = resp.error();
    assert_eq!(code, "Request_BadRequest");
    assert!(
        message.contains("'displayName'") && message.contains("at most 256"),
        "{message}"
    );
    assert_eq!(t.stored(EntityKind::User).await, 0);

    let mut user = user_body("ada", "student");
    user["givenName"] = json!("g".repeat(65));
    let resp = t.post("/v1.0/education/users", user).await.expect(400);
    assert!(resp.error().1.contains("'givenName'"));

    let class =
        json!({"displayName": "Maths", "mailNickname": "maths", "description": "d".repeat(1025)});
    let resp = t.post("/v1.0/education/classes", class).await.expect(400);
    assert!(resp
        .error()
        .1
        .contains("'description' of resource 'educationClass'"));
    assert_eq!(t.stored(EntityKind::Class).await, 0);

    let resp = t
        .post(
            "/v1.0/education/schools",
            json!({"displayName": "s".repeat(257)}),
        )
        .await
        .expect(400);
    assert!(resp.error().1.contains("at most 256"));
    assert_eq!(t.stored(EntityKind::School).await, 0);

    // PATCH is held to the same limits, and the stored entity is left as it was.
    let id = t.user("ada", "student").await;
    let resp = t
        .patch(
            &format!("/v1.0/education/users/{id}"),
            json!({"student": {"externalId": "e".repeat(300)}}),
        )
        .await
        .expect(400);
    assert!(resp.error().1.contains("'student/externalId'"));
    let stored = t.get(&format!("/v1.0/education/users/{id}")).await.json();
    assert_eq!(stored["student"]["externalId"], "X-ada");
}

#[tokio::test]
async fn principal_names_must_use_the_tenants_verified_domain() {
    let t = TestApp::new().await;
    let mut user = user_body("ada", "student");
    user["userPrincipalName"] = json!("ada@b.example.edu");
    let resp = t.post("/v1.0/education/users", user).await.expect(400);
    assert_eq!(
        resp.error(),
        (
            "Request_BadRequest".to_string(),
            "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.".to_string()
        )
    );
    assert_eq!(t.stored(EntityKind::User).await, 0);
    let mut user = user_body("ada", "student");
    user["userPrincipalName"] = json!("ada@A.Example.EDU");
    let id = t
        .post("/v1.0/education/users", user)
        .await
        .expect(201)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = t
        .patch(
            &format!("/v1.0/education/users/{id}"),
            json!({"userPrincipalName": "ada@evil.example"}),
        )
        .await
        .expect(400);
    assert!(resp.error().1.starts_with("The domain portion"));
}

#[tokio::test]
async fn principal_names_may_use_any_verified_domain_of_the_tenant() {
    let t = TestApp::new().await;
    t.verify_domain("students.a.example.edu").await;
    let mut user = user_body("ada", "student");
    user["userPrincipalName"] = json!("ada@Students.A.Example.edu");
    t.post("/v1.0/education/users", user).await.expect(201);
    // Tenant B's domain stays B's, however many domains A has.
    let mut user = user_body("bob", "student");
    user["userPrincipalName"] = json!("bob@b.example.edu");
    let resp = t.post("/v1.0/education/users", user).await.expect(400);
    assert!(resp.error().1.starts_with("The domain portion"));
    assert_eq!(t.stored(EntityKind::User).await, 1);
}

#[tokio::test]
async fn passwords_need_complexity_unless_strong_passwords_are_disabled() {
    let t = TestApp::new().await;
    let complexity = "The specified password does not comply with password complexity requirements. Please provide a different password.";
    for weak in ["password", "Sh0rt!", "ada-Secret-1"] {
        let mut user = user_body("ada", "student");
        user["passwordProfile"]["password"] = json!(weak);
        let resp = t.post("/v1.0/education/users", user).await.expect(400);
        let (code, message) = resp.error();
        assert_eq!(code, "Request_BadRequest");
        assert!(message.starts_with(complexity), "{weak}: {message}");
    }
    assert_eq!(t.stored(EntityKind::User).await, 0);

    let mut user = user_body("ada", "student");
    user["passwordProfile"]["password"] = json!("password");
    user["passwordPolicies"] = json!("DisablePasswordExpiration, DisableStrongPassword");
    let id = t
        .post("/v1.0/education/users", user)
        .await
        .expect(201)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Only the length limits remain for this user.
    let uri = format!("/v1.0/education/users/{id}");
    t.patch(&uri, json!({"passwordProfile": {"password": "abcdefgh"}}))
        .await
        .expect(200);
    let resp = t
        .patch(&uri, json!({"passwordProfile": {"password": "abc"}}))
        .await
        .expect(400);
    assert!(resp.error().1.starts_with(complexity));
    // Dropping the policy in the same PATCH brings complexity back.
    t.patch(
        &uri,
        json!({"passwordPolicies": null, "passwordProfile": {"password": "abcdefgh"}}),
    )
    .await
    .expect(400);
}

#[tokio::test]
async fn long_uris_and_header_blocks_are_414_and_431_envelopes() {
    let t = TestApp::new().await;
    let uri = format!("/v1.0/education/users?$filter={}", "x".repeat(40 * 1024));
    let resp = t.get(&uri).await.expect(414);
    assert_eq!(resp.header("content-type"), "application/json");
    let (code, message) = resp.error();
    assert_eq!(code, "requestUriTooLong");
    assert!(message.contains("at most 32768 bytes"), "{message}");

    let mut req = Request::get("/v1.0/education/users")
        .header(header::AUTHORIZATION, format!("Bearer {}", t.admin));
    for i in 0..40 {
        req = req.header(format!("x-filler-{i}"), "v".repeat(1000));
    }
    let resp = t.send(req.body(Body::empty()).unwrap()).await.expect(431);
    assert_eq!(resp.error().0, "requestHeaderFieldsTooLarge");
}

#[tokio::test]
async fn head_and_unknown_methods_are_405_envelopes_with_allow() {
    let t = TestApp::new().await;
    let resp = t
        .call(Method::HEAD, "/v1.0/education/users", &t.admin, None)
        .await
        .expect(405);
    assert_eq!(resp.header("content-type"), "application/json");
    assert_eq!(resp.header("allow"), "GET, POST");
    assert_eq!(resp.error().0, "notAllowed");
    // Not only on Graph paths: a GET route does not answer HEAD with its GET handler.
    for path in [
        "/_edugraph/health",
        "/common/v2.0/.well-known/openid-configuration",
    ] {
        let resp = t.call(Method::HEAD, path, "", None).await.expect(405);
        assert_eq!(resp.header("allow"), "GET", "{path}");
        assert!(resp.error().1.contains("'HEAD'"));
    }
    let resp = t
        .call(
            Method::from_bytes(b"FROB").unwrap(),
            "/v1.0/education/classes",
            &t.admin,
            None,
        )
        .await
        .expect(405);
    assert_eq!(resp.header("allow"), "GET, POST");
    let (code, message) = resp.error();
    assert_eq!(code, "notAllowed");
    assert!(message.contains("'FROB'"), "{message}");
    let resp = t
        .call(Method::PUT, "/v1.0/education/schools", &t.admin, Some("{}"))
        .await
        .expect(405);
    assert_eq!(resp.error().0, "notAllowed");
}
