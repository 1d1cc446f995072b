//! Requests for Graph education operations edugraph does not serve yet answer 501
//! `notImplemented` naming the operation, in both versions; a path Graph does not have
//! stays 404; a method Graph does not have is 405. The answers come before the token is
//! checked, where unknown paths always got their 404 (docs/OPERATIONS.md), and change
//! nothing.

mod common;

use axum::http::Method;
use common::TestApp;
use edugraph_store::EntityKind;

const VERSIONS: [&str; 2] = ["v1.0", "beta"];

/// The 501 answer for `method path`, naming `operation` (the SDK template).
async fn expect_501(t: &TestApp, token: &str, method: Method, path: &str, operation: &str) {
    for version in VERSIONS {
        let uri = format!("/{version}{path}");
        let body = matches!(method, Method::POST | Method::PATCH | Method::PUT).then_some("{}");
        let r = t.call(method.clone(), &uri, token, body).await.expect(501);
        assert!(r.header("content-type").starts_with("application/json"));
        let (code, message) = r.error();
        assert_eq!(code, "notImplemented", "{method} {uri}");
        let (verb, template) = operation.split_once(' ').unwrap();
        assert_eq!(
            message,
            format!(
                "edugraph does not implement {verb} /{version}{template} yet; see docs/OPERATIONS.md"
            ),
            "{method} {uri}"
        );
    }
}

#[tokio::test]
async fn unserved_graph_operations_are_501_naming_the_operation() {
    let t = TestApp::new().await;
    let class = t.class("maths").await;
    let before = (
        t.stored(EntityKind::Class).await,
        t.stored(EntityKind::User).await,
    );
    let cases = [
        (Method::POST, format!("/education/classes/{class}/assignments"), "POST /education/classes/{educationClass-id}/assignments"),
        (Method::GET, format!("/education/classes/{class}/assignments"), "GET /education/classes/{educationClass-id}/assignments"),
        (Method::GET, format!("/education/classes/{class}/assignments/a1/submissions"), "GET /education/classes/{educationClass-id}/assignments/{educationAssignment-id}/submissions"),
        (Method::POST, format!("/education/classes/{class}/assignments/a1/submissions/s1/microsoft.graph.submit"), "POST /education/classes/{educationClass-id}/assignments/{educationAssignment-id}/submissions/{educationSubmission-id}/submit"),
        (Method::DELETE, format!("/education/classes/{class}/modules/m1"), "DELETE /education/classes/{educationClass-id}/modules/{educationModule-id}"),
        (Method::GET, "/education/me/assignments/delta()".to_string(), "GET /education/me/assignments/delta()"),
        (Method::GET, "/education/reports/readingCoachPassages".to_string(), "GET /education/reports/readingCoachPassages"),
        // A path edugraph serves, with a method Graph has there and edugraph does not.
        (Method::PATCH, "/education".to_string(), "PATCH /education"),
    ];
    for (method, path, operation) in cases {
        expect_501(&t, &t.admin, method, &path, operation).await;
    }
    assert_eq!(
        before,
        (
            t.stored(EntityKind::Class).await,
            t.stored(EntityKind::User).await
        ),
        "a 501 writes nothing"
    );
    // The class id is not looked up: an unknown class gets the 501 too, never a 404.
    expect_501(
        &t,
        &t.admin,
        Method::GET,
        "/education/classes/no-such-class/modules",
        "GET /education/classes/{educationClass-id}/modules",
    )
    .await;
}

#[tokio::test]
async fn the_501_comes_before_the_token_as_the_404_does() {
    let t = TestApp::new().await;
    for token in ["", "not-a-jwt"] {
        expect_501(
            &t,
            token,
            Method::GET,
            "/education/classes/c1/assignments",
            "GET /education/classes/{educationClass-id}/assignments",
        )
        .await;
        for version in VERSIONS {
            t.call(
                Method::GET,
                &format!("/{version}/education/classes/c1/assignmentz"),
                token,
                None,
            )
            .await
            .expect(404);
            // Served operations still want the token first.
            t.call(
                Method::GET,
                &format!("/{version}/education/classes"),
                token,
                None,
            )
            .await
            .expect(401);
        }
    }
}

#[tokio::test]
async fn paths_graph_does_not_have_stay_404() {
    let t = TestApp::new().await;
    for version in VERSIONS {
        for path in [
            "/education/classes/c1/assignment",
            "/education/teachers",
            "/education/classes/c1/assignments/a1/submissions/s1/outcomes/o1/extra",
            // Graph has this builder but no operation on it.
            "/education/classes/c1/members/u1",
        ] {
            let r = t.get(&format!("/{version}{path}")).await.expect(404);
            assert_eq!(r.error().0, "UnknownError", "{path}");
        }
    }
}

#[tokio::test]
async fn methods_graph_does_not_have_are_405() {
    let t = TestApp::new().await;
    let cases = [
        // Not served, and Graph has no such method there: Graph's methods are allowed.
        (
            Method::PUT,
            "/education/classes/c1/assignments",
            "GET, POST",
        ),
        (
            Method::POST,
            "/education/classes/c1/modules/m1",
            "GET, PATCH, DELETE",
        ),
        // Served, and Graph has no PUT there either: edugraph's methods, as before.
        (Method::PUT, "/education/users/u1", "GET, PATCH, DELETE"),
    ];
    for version in VERSIONS {
        for (method, path, allow) in &cases {
            let uri = format!("/{version}{path}");
            let r = t
                .call(method.clone(), &uri, &t.admin, Some("{}"))
                .await
                .expect(405);
            assert_eq!(r.header("allow"), *allow, "{method} {uri}");
            assert_eq!(r.error().0, "notAllowed", "{method} {uri}");
        }
    }
}
