//! Links between entities and the listings scoped by them.

use crate::support::{all, class, ids, school, user};
use edugraph_store::{EntityKind, ListQuery, Relation, Scope, Store, StoreError};
use serde_json::json;

fn scoped(kind: EntityKind, scope: Scope) -> ListQuery<'static> {
    ListQuery { scope, ..all(kind) }
}

/// A school with two classes; class c1 has members u1..u3 and teacher u1, c2 has u2.
pub async fn roster(s: &dyn Store, t: &str) {
    s.create(t, EntityKind::School, &school("s1", "North"))
        .await
        .unwrap();
    for c in ["c1", "c2"] {
        s.create(t, EntityKind::Class, &class(c, c, json!({})))
            .await
            .unwrap();
        s.add_link(t, Relation::SchoolClasses, "s1", c)
            .await
            .unwrap();
    }
    for u in ["u3", "u1", "u2"] {
        s.create(
            t,
            EntityKind::User,
            &user(u, &format!("{u}@x.edu"), json!({})),
        )
        .await
        .unwrap();
        s.add_link(t, Relation::SchoolUsers, "s1", u).await.unwrap();
        s.add_link(t, Relation::ClassMembers, "c1", u)
            .await
            .unwrap();
    }
    s.add_link(t, Relation::ClassTeachers, "c1", "u1")
        .await
        .unwrap();
    s.add_link(t, Relation::ClassMembers, "c2", "u2")
        .await
        .unwrap();
}

pub async fn links_and_scopes(s: &dyn Store, t: &str) {
    roster(s, t).await;
    let out = |rel, from: &str| scoped(EntityKind::User, Scope::Outgoing(rel, from.to_string()));
    assert_eq!(
        ids(s, t, &out(Relation::ClassMembers, "c1")).await,
        ["u1", "u2", "u3"]
    );
    assert_eq!(ids(s, t, &out(Relation::ClassTeachers, "c1")).await, ["u1"]);
    assert_eq!(ids(s, t, &out(Relation::ClassMembers, "c2")).await, ["u2"]);
    assert!(ids(s, t, &out(Relation::ClassMembers, "nope"))
        .await
        .is_empty());
    let classes_of = |u: &str| {
        scoped(
            EntityKind::Class,
            Scope::Incoming(Relation::ClassMembers, u.to_string()),
        )
    };
    assert_eq!(ids(s, t, &classes_of("u2")).await, ["c1", "c2"]);
    assert_eq!(ids(s, t, &classes_of("u3")).await, ["c1"]);
    let taught = scoped(
        EntityKind::Class,
        Scope::Incoming(Relation::ClassTeachers, "u1".into()),
    );
    assert_eq!(ids(s, t, &taught).await, ["c1"]);
    let school_classes = scoped(
        EntityKind::Class,
        Scope::Outgoing(Relation::SchoolClasses, "s1".into()),
    );
    assert_eq!(ids(s, t, &school_classes).await, ["c1", "c2"]);
    let schools_of = scoped(
        EntityKind::School,
        Scope::Incoming(Relation::SchoolClasses, "c2".into()),
    );
    assert_eq!(ids(s, t, &schools_of).await, ["s1"]);
    // The listed kind must match the relation's end.
    assert!(ids(
        s,
        t,
        &scoped(
            EntityKind::School,
            Scope::Outgoing(Relation::ClassMembers, "c1".into())
        )
    )
    .await
    .is_empty());

    assert!(s
        .has_link(t, Relation::ClassMembers, "c1", "u3")
        .await
        .unwrap());
    assert!(
        !s.has_link(t, Relation::ClassMembers, "u3", "c1")
            .await
            .unwrap(),
        "links have a direction"
    );
    assert!(!s
        .has_link(t, Relation::ClassTeachers, "c1", "u3")
        .await
        .unwrap());
    s.remove_link(t, Relation::ClassMembers, "c1", "u3")
        .await
        .unwrap();
    assert_eq!(
        ids(s, t, &out(Relation::ClassMembers, "c1")).await,
        ["u1", "u2"]
    );
    // The user itself stays.
    assert!(s.get(t, EntityKind::User, "u3").await.unwrap().is_some());
}

pub async fn link_errors(s: &dyn Store, t: &str) {
    roster(s, t).await;
    let err = s
        .add_link(t, Relation::ClassMembers, "c1", "u1")
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref p) if p == "link"),
        "{err:?}"
    );
    for (from, to) in [("c1", "ghost"), ("ghost", "u1"), ("u1", "c1")] {
        let err = s
            .add_link(t, Relation::ClassMembers, from, to)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound), "{from}->{to}: {err:?}");
    }
    // Ends must be of the relation's kinds: a school is no class member.
    assert!(matches!(
        s.add_link(t, Relation::ClassMembers, "c1", "s1").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.remove_link(t, Relation::ClassMembers, "c2", "u1").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.remove_link(t, Relation::ClassTeachers, "c1", "u2").await,
        Err(StoreError::NotFound)
    ));
}

pub async fn delete_cascades_links_and_secrets(s: &dyn Store, t: &str) {
    roster(s, t).await;
    s.set_password_hash(t, "u2", "h").await.unwrap();
    s.delete(t, EntityKind::User, "u2").await.unwrap();
    assert!(!s
        .has_link(t, Relation::ClassMembers, "c1", "u2")
        .await
        .unwrap());
    assert!(!s
        .has_link(t, Relation::ClassMembers, "c2", "u2")
        .await
        .unwrap());
    assert!(!s
        .has_link(t, Relation::SchoolUsers, "s1", "u2")
        .await
        .unwrap());
    assert!(s.password_hash(t, "u2").await.unwrap().is_none());
    // Re-creating the id does not bring the links back.
    s.create(t, EntityKind::User, &user("u2", "u2@x.edu", json!({})))
        .await
        .unwrap();
    assert!(ids(
        s,
        t,
        &scoped(
            EntityKind::Class,
            Scope::Incoming(Relation::ClassMembers, "u2".into())
        )
    )
    .await
    .is_empty());

    s.delete(t, EntityKind::Class, "c1").await.unwrap();
    assert!(!s
        .has_link(t, Relation::ClassMembers, "c1", "u1")
        .await
        .unwrap());
    assert!(!s
        .has_link(t, Relation::ClassTeachers, "c1", "u1")
        .await
        .unwrap());
    assert!(!s
        .has_link(t, Relation::SchoolClasses, "s1", "c1")
        .await
        .unwrap());
    assert!(s
        .has_link(t, Relation::SchoolClasses, "s1", "c2")
        .await
        .unwrap());

    s.delete(t, EntityKind::School, "s1").await.unwrap();
    assert!(!s
        .has_link(t, Relation::SchoolClasses, "s1", "c2")
        .await
        .unwrap());
    assert!(!s
        .has_link(t, Relation::SchoolUsers, "s1", "u1")
        .await
        .unwrap());
    assert!(s.get(t, EntityKind::Class, "c2").await.unwrap().is_some());
}

/// `links` (and `each_link`) list every link of one relation of one tenant, and nothing
/// of another relation or tenant.
pub async fn links_of_a_relation(s: &dyn Store, t: &str) {
    roster(s, t).await;
    let sorted = |mut v: Vec<(String, String)>| {
        v.sort();
        v
    };
    let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    let members = sorted(s.links(t, Relation::ClassMembers).await.unwrap());
    assert_eq!(
        members,
        pairs(&[("c1", "u1"), ("c1", "u2"), ("c1", "u3"), ("c2", "u2")])
    );
    let teachers = s.links(t, Relation::ClassTeachers).await.unwrap();
    assert_eq!(teachers, pairs(&[("c1", "u1")]));
    s.remove_link(t, Relation::ClassMembers, "c1", "u3")
        .await
        .unwrap();
    assert_eq!(s.links(t, Relation::ClassMembers).await.unwrap().len(), 3);
    let other = crate::support::tenant();
    assert!(s
        .links(&other, Relation::ClassMembers)
        .await
        .unwrap()
        .is_empty());
    // `each_link` visits the same pairs, once each, and nothing of another tenant.
    let visited = |tenant: String| async move {
        let mut seen = Vec::new();
        s.each_link(&tenant, Relation::ClassMembers, &mut |f, to| {
            seen.push((f.to_string(), to.to_string()))
        })
        .await
        .unwrap();
        sorted(seen)
    };
    assert_eq!(
        visited(t.to_string()).await,
        pairs(&[("c1", "u1"), ("c1", "u2"), ("c2", "u2")])
    );
    assert!(visited(other).await.is_empty());
}
