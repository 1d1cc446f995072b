//! The change log behind `delta()`.

use crate::support::{class, parse, user};
use edugraph_store::{DeltaItem, EntityKind, Op, Relation, Store, UnitOfWork};
use serde_json::json;

async fn delta(s: &dyn Store, t: &str, kind: EntityKind, after: i64) -> Vec<DeltaItem> {
    let upto = s.latest_seq(t).await.unwrap();
    s.changes(t, kind, None, after, upto, 1000).await.unwrap()
}

fn ids(items: &[DeltaItem]) -> Vec<&str> {
    items.iter().map(|i| i.id.as_str()).collect()
}

pub async fn sequences_and_deletions(s: &dyn Store, t: &str) {
    assert_eq!(s.latest_seq(t).await.unwrap(), 0);
    for u in ["a", "b", "c"] {
        s.create(
            t,
            EntityKind::User,
            &user(u, &format!("{u}@x.edu"), json!({})),
        )
        .await
        .unwrap();
    }
    s.create(t, EntityKind::Class, &class("k", "k", json!({})))
        .await
        .unwrap();
    let first = delta(s, t, EntityKind::User, 0).await;
    assert_eq!(ids(&first), ["a", "b", "c"]);
    assert!(
        first.windows(2).all(|w| w[0].seq < w[1].seq),
        "ordered by seq"
    );
    assert!(first.iter().all(|i| i.doc.is_some()));
    assert_eq!(
        ids(&delta(s, t, EntityKind::Class, 0).await),
        ["k"],
        "kinds are separate"
    );
    let mark = s.latest_seq(t).await.unwrap();
    assert!(mark >= first.last().unwrap().seq);

    // Nothing changed: nothing to report.
    assert!(delta(s, t, EntityKind::User, mark).await.is_empty());

    // One entity changed twice and one deleted: one item each, with the latest state.
    s.update(
        t,
        EntityKind::User,
        &user("b", "b@x.edu", json!({"displayName": "B1"})),
        1,
    )
    .await
    .unwrap();
    s.delete(t, EntityKind::User, "a").await.unwrap();
    s.update(
        t,
        EntityKind::User,
        &user("b", "b@x.edu", json!({"displayName": "B2"})),
        2,
    )
    .await
    .unwrap();
    let next = delta(s, t, EntityKind::User, mark).await;
    assert_eq!(ids(&next), ["a", "b"]);
    assert_eq!(next[0].doc, None, "deleted");
    assert_eq!(parse(next[1].doc.as_deref().unwrap())["displayName"], "B2");
    assert!(next[0].seq > mark && next[0].seq < next[1].seq);

    // Deleted then re-created: reported with its new document.
    let mark = s.latest_seq(t).await.unwrap();
    s.delete(t, EntityKind::User, "c").await.unwrap();
    s.create(
        t,
        EntityKind::User,
        &user("c", "c@x.edu", json!({"displayName": "again"})),
    )
    .await
    .unwrap();
    let again = delta(s, t, EntityKind::User, mark).await;
    assert_eq!(ids(&again), ["c"]);
    assert_eq!(
        parse(again[0].doc.as_deref().unwrap())["displayName"],
        "again"
    );

    // A full walk from zero lists each live or deleted entity once.
    let full = delta(s, t, EntityKind::User, 0).await;
    assert_eq!(ids(&full), ["a", "b", "c"]);
    assert_eq!(full[0].doc, None);

    // `upto` bounds the range: changes after it wait for the next call.
    let upto = s.latest_seq(t).await.unwrap();
    s.update(
        t,
        EntityKind::User,
        &user("b", "b@x.edu", json!({"displayName": "B3"})),
        3,
    )
    .await
    .unwrap();
    assert!(s
        .changes(t, EntityKind::User, None, upto, upto, 100)
        .await
        .unwrap()
        .is_empty());
    let bounded = s
        .changes(t, EntityKind::User, None, 0, upto, 100)
        .await
        .unwrap();
    assert!(bounded.iter().all(|i| i.seq <= upto));
    // b appears at its last change inside the range (with its current document) and again
    // in the next range.
    assert_eq!(ids(&bounded), ["a", "b", "c"]);
    let rest = s
        .changes(
            t,
            EntityKind::User,
            None,
            upto,
            s.latest_seq(t).await.unwrap(),
            100,
        )
        .await
        .unwrap();
    assert_eq!(ids(&rest), ["b"]);
    assert_eq!(parse(rest[0].doc.as_deref().unwrap())["displayName"], "B3");
}

pub async fn membership_changes_mark_the_class(s: &dyn Store, t: &str) {
    s.create(t, EntityKind::Class, &class("c1", "c1", json!({})))
        .await
        .unwrap();
    s.create(t, EntityKind::Class, &class("c2", "c2", json!({})))
        .await
        .unwrap();
    s.create(t, EntityKind::User, &user("u", "u@x.edu", json!({})))
        .await
        .unwrap();
    s.create(t, EntityKind::School, &json!({"id": "s"}))
        .await
        .unwrap();

    let mark = s.latest_seq(t).await.unwrap();
    s.add_link(t, Relation::ClassMembers, "c1", "u")
        .await
        .unwrap();
    assert_eq!(ids(&delta(s, t, EntityKind::Class, mark).await), ["c1"]);
    assert!(
        delta(s, t, EntityKind::User, mark).await.is_empty(),
        "the user's document did not change"
    );

    let mark = s.latest_seq(t).await.unwrap();
    s.add_link(t, Relation::ClassTeachers, "c2", "u")
        .await
        .unwrap();
    s.remove_link(t, Relation::ClassMembers, "c1", "u")
        .await
        .unwrap();
    assert_eq!(
        ids(&delta(s, t, EntityKind::Class, mark).await),
        ["c2", "c1"]
    );

    // School links are not part of a class's roster.
    let mark = s.latest_seq(t).await.unwrap();
    s.add_link(t, Relation::SchoolClasses, "s", "c1")
        .await
        .unwrap();
    assert!(delta(s, t, EntityKind::Class, mark).await.is_empty());

    // Deleting a member changes every class it belonged to or taught.
    s.add_link(t, Relation::ClassMembers, "c1", "u")
        .await
        .unwrap();
    let mark = s.latest_seq(t).await.unwrap();
    s.delete(t, EntityKind::User, "u").await.unwrap();
    let classes = delta(s, t, EntityKind::Class, mark).await;
    assert_eq!(ids(&classes), ["c1", "c2"]);
    assert!(classes.iter().all(|i| i.doc.is_some()));
    assert_eq!(ids(&delta(s, t, EntityKind::User, mark).await), ["u"]);
}

pub async fn paging_through_changes(s: &dyn Store, t: &str) {
    for i in 0..7 {
        s.create(
            t,
            EntityKind::User,
            &user(&format!("u{i}"), &format!("u{i}@x.edu"), json!({})),
        )
        .await
        .unwrap();
    }
    // u1 changes again, so its item moves to the end.
    s.update(
        t,
        EntityKind::User,
        &user("u1", "u1@x.edu", json!({"displayName": "later"})),
        1,
    )
    .await
    .unwrap();
    let upto = s.latest_seq(t).await.unwrap();
    let mut after = 0;
    let mut seen = Vec::new();
    loop {
        let page = s
            .changes(t, EntityKind::User, None, after, upto, 3)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        after = page.last().unwrap().seq;
        seen.extend(page.into_iter().map(|i| i.id));
    }
    assert_eq!(seen, ["u0", "u2", "u3", "u4", "u5", "u6", "u1"]);
}

/// A unit of work that changes a class's roster several times records the class once,
/// and a roster change before the class's deletion in the same unit leaves the deletion
/// last.
pub async fn one_unit_marks_a_class_once(s: &dyn Store, t: &str) {
    for c in ["c1", "c2"] {
        s.create(t, EntityKind::Class, &class(c, c, json!({})))
            .await
            .unwrap();
    }
    for u in ["a", "b"] {
        s.create(
            t,
            EntityKind::User,
            &user(u, &format!("{u}@x.edu"), json!({})),
        )
        .await
        .unwrap();
    }
    s.add_link(t, Relation::ClassMembers, "c1", "b")
        .await
        .unwrap();
    let link = |relation, from: &str, to: &str| Op::Link {
        relation,
        from: from.into(),
        to: to.into(),
    };
    let mut unit = UnitOfWork::new();
    unit.ops = vec![
        link(Relation::ClassMembers, "c1", "a"),
        link(Relation::ClassTeachers, "c1", "a"),
        Op::Unlink {
            relation: Relation::ClassMembers,
            from: "c1".into(),
            to: "b".into(),
        },
        link(Relation::ClassMembers, "c2", "a"),
        link(Relation::ClassMembers, "c2", "b"),
    ];
    let mark = s.latest_seq(t).await.unwrap();
    s.apply(t, &unit).await.unwrap();
    assert_eq!(
        s.latest_seq(t).await.unwrap() - mark,
        2,
        "one entry per class"
    );
    assert_eq!(
        ids(&delta(s, t, EntityKind::Class, mark).await),
        ["c1", "c2"]
    );

    let mut unit = UnitOfWork::new();
    unit.ops = vec![
        link(Relation::ClassTeachers, "c2", "b"),
        Op::Delete {
            kind: EntityKind::Class,
            id: "c2".into(),
            version: None,
        },
    ];
    let mark = s.latest_seq(t).await.unwrap();
    s.apply(t, &unit).await.unwrap();
    let gone = delta(s, t, EntityKind::Class, mark).await;
    assert_eq!(ids(&gone), ["c2"]);
    assert!(
        gone[0].doc.is_none(),
        "the deletion is the class's last change"
    );
}
