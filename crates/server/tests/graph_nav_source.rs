//! Navigation listings (`/classes/{id}/members`, `/users/{id}/classes`, ...) answer 404 for
//! an unknown source entity whatever else is wrong with the request, and an empty page
//! for a known one without items; the server only looks the source up when the page it
//! read is empty or the request failed, so these cases pin that answers did not change.

mod common;

use common::*;

#[tokio::test]
async fn unknown_sources_are_404_before_any_other_error() {
    let t = TestApp::new().await;
    let c = t.class("maths").await;
    let u = t.user("ann", "student").await;
    for path in [
        "/v1.0/education/classes/nope/members",
        "/v1.0/education/classes/nope/teachers",
        "/v1.0/education/classes/nope/schools",
        "/v1.0/education/users/nope/classes",
        "/v1.0/education/schools/nope/users",
    ] {
        let (_, msg) = t.get(path).await.expect(404).error();
        assert!(msg.contains("nope"), "{path}: {msg}");
        // A bad option, a bad $skiptoken or an unknown $expand does not hide the 404.
        for query in [
            "$filter=nosuch%20eq%201",
            "$skiptoken=garbage",
            "$expand=nosuch",
            "$top=0",
        ] {
            let (_, msg) = t.get(&format!("{path}?{query}")).await.expect(404).error();
            assert!(msg.contains("nope"), "{path}?{query}: {msg}");
        }
    }
    // Known sources: the same bad options are 400s, and no items is an empty page.
    let members = format!("/v1.0/education/classes/{c}/members");
    t.get(&format!("{members}?$filter=nosuch%20eq%201"))
        .await
        .expect(400);
    t.get(&format!("{members}?$top=0")).await.expect(400);
    let page = t.get(&members).await.expect(200).json();
    assert!(values(&page).is_empty(), "{page}");
    let page = t
        .get(&format!("/v1.0/education/users/{u}/classes"))
        .await
        .expect(200)
        .json();
    assert!(values(&page).is_empty(), "{page}");
    // A page with items, also past its end with $skip.
    t.link(&members, &format!("education/users/{u}")).await;
    assert_eq!(ids(&t.get(&members).await.expect(200).json()), [u.as_str()]);
    let past = t
        .get(&format!("{members}?$skip=5"))
        .await
        .expect(200)
        .json();
    assert!(values(&past).is_empty(), "{past}");
    // Once the class is gone its members are 404 again.
    t.delete(&format!("/v1.0/education/classes/{c}"))
        .await
        .expect(204);
    t.get(&members).await.expect(404);
}
