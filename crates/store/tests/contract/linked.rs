//! Batched link reads (`Store::linked`, `Store::linked_from`): for every id of a page at
//! once, exactly what the scoped listing of each id, or `has_link`, answers.

use crate::links::roster;
use crate::support::{class, user};
use edugraph_store::{Direction, Doc, EntityKind, ListQuery, Relation, Scope, Store, UnitOfWork};
use serde_json::json;
use std::collections::BTreeMap;

fn strings(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// `linked`'s answer by id, ordered for comparison.
async fn linked(
    s: &dyn Store,
    t: &str,
    rel: Relation,
    dir: Direction,
    ids: &[&str],
    limit: u32,
) -> BTreeMap<String, Vec<Doc>> {
    let out = s.linked(t, rel, dir, &strings(ids), limit).await.unwrap();
    let n = out.len();
    let map: BTreeMap<_, _> = out.into_iter().map(|l| (l.id, l.docs)).collect();
    assert_eq!(map.len(), n, "one item per id");
    map
}

/// The scoped listing of one id, as `$expand` read it before.
async fn listed(s: &dyn Store, t: &str, kind: EntityKind, scope: Scope, limit: u32) -> Vec<Doc> {
    let q = ListQuery {
        kind,
        scope,
        filter: None,
        orderby: &[],
        skip: 0,
        limit,
        count: false,
    };
    s.list(t, &q).await.unwrap().items
}

fn ids_of(docs: &[Doc]) -> Vec<&str> {
    docs.iter().map(|d| d.id.as_str()).collect()
}

pub async fn linked_reads_a_page_at_once(s: &dyn Store, t: &str) {
    roster(s, t).await;
    // A fourth member with a newer version, to see versions come through.
    s.create(t, EntityKind::User, &user("u0", "u0@x.edu", json!({})))
        .await
        .unwrap();
    s.update(
        t,
        EntityKind::User,
        &user("u0", "u0@x.edu", json!({"givenName": "Zed"})),
        1,
    )
    .await
    .unwrap();
    s.add_link(t, Relation::ClassMembers, "c1", "u0")
        .await
        .unwrap();

    let cases = [
        (
            Relation::ClassMembers,
            Direction::Outgoing,
            vec!["c1", "c2", "nope", "u1"],
        ),
        (
            Relation::ClassTeachers,
            Direction::Outgoing,
            vec!["c2", "c1"],
        ),
        (Relation::SchoolClasses, Direction::Outgoing, vec!["s1"]),
        (Relation::SchoolUsers, Direction::Outgoing, vec!["s1", "c1"]),
        (
            Relation::ClassMembers,
            Direction::Incoming,
            vec!["u0", "u1", "u2", "u3", "c1"],
        ),
        (
            Relation::ClassTeachers,
            Direction::Incoming,
            vec!["u1", "u2"],
        ),
        (
            Relation::SchoolClasses,
            Direction::Incoming,
            vec!["c1", "c2"],
        ),
        (
            Relation::SchoolUsers,
            Direction::Incoming,
            vec!["u1", "u2", "u3", "u0"],
        ),
    ];
    for (rel, dir, ids) in cases {
        let far = match dir {
            Direction::Outgoing => rel.ends().1,
            Direction::Incoming => rel.ends().0,
        };
        for limit in [1, 2, 3, 100] {
            let got = linked(s, t, rel, dir, &ids, limit).await;
            for id in &ids {
                let scope = match dir {
                    Direction::Outgoing => Scope::Outgoing(rel, id.to_string()),
                    Direction::Incoming => Scope::Incoming(rel, id.to_string()),
                };
                let want = listed(s, t, far, scope, limit).await;
                let have = got.get(*id).cloned().unwrap_or_default();
                assert_eq!(have, want, "{rel:?} {dir:?} {id} limit {limit}");
            }
            assert!(
                got.keys().all(|k| ids.contains(&k.as_str())),
                "only the ids asked for"
            );
        }
    }

    // Spot checks of the answers themselves.
    let m = linked(
        s,
        t,
        Relation::ClassMembers,
        Direction::Outgoing,
        &["c1", "c2"],
        3,
    )
    .await;
    assert_eq!(ids_of(&m["c1"]), ["u0", "u1", "u2"]);
    assert_eq!(ids_of(&m["c2"]), ["u2"]);
    assert_eq!(m["c1"][0].version, 2);
    assert_eq!(
        m["c1"][0],
        s.get(t, EntityKind::User, "u0").await.unwrap().unwrap()
    );
    let c = linked(
        s,
        t,
        Relation::ClassMembers,
        Direction::Incoming,
        &["u2", "u3"],
        20,
    )
    .await;
    assert_eq!(ids_of(&c["u2"]), ["c1", "c2"]);
    assert_eq!(ids_of(&c["u3"]), ["c1"]);
    assert!(
        linked(s, t, Relation::ClassMembers, Direction::Outgoing, &[], 20)
            .await
            .is_empty()
    );

    // Another tenant's links are not read, even for the same ids.
    let other = format!("{t}-other");
    assert!(linked(
        s,
        &other,
        Relation::ClassMembers,
        Direction::Outgoing,
        &["c1"],
        20
    )
    .await
    .is_empty());

    // A page larger than one statement's bound ids reads every chunk.
    let mut many: Vec<String> = (0..1_000).map(|i| format!("x{i:04}")).collect();
    many.push("c1".into());
    let out = s
        .linked(t, Relation::ClassMembers, Direction::Outgoing, &many, 20)
        .await
        .unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(ids_of(&out[0].docs), ["u0", "u1", "u2", "u3"]);
}

pub async fn linked_from_answers_has_link_for_many(s: &dyn Store, t: &str) {
    roster(s, t).await;
    s.create(t, EntityKind::Class, &class("c3", "c3", json!({})))
        .await
        .unwrap();
    s.apply(
        t,
        &UnitOfWork::new().link(Relation::ClassTeachers, "c3", "u2"),
    )
    .await
    .unwrap();
    let classes = strings(&["c1", "c2", "c3", "nope"]);
    for rel in [Relation::ClassMembers, Relation::ClassTeachers] {
        for u in ["u1", "u2", "u3", "ghost"] {
            let mut got = s.linked_from(t, rel, &classes, u).await.unwrap();
            got.sort();
            let mut want = Vec::new();
            for c in &classes {
                if s.has_link(t, rel, c, u).await.unwrap() {
                    want.push(c.clone());
                }
            }
            assert_eq!(got, want, "{rel:?} {u}");
        }
    }
    let mut got = s
        .linked_from(t, Relation::ClassMembers, &classes, "u2")
        .await
        .unwrap();
    got.sort();
    assert_eq!(got, ["c1", "c2"]);
    assert!(s
        .linked_from(t, Relation::ClassMembers, &[], "u2")
        .await
        .unwrap()
        .is_empty());
    assert!(s
        .linked_from(
            &format!("{t}-other"),
            Relation::ClassMembers,
            &classes,
            "u2"
        )
        .await
        .unwrap()
        .is_empty());
}
