//! Bulk loads.

use crate::support::{all, class, ids, user};
use edugraph_store::{EntityKind, ListQuery, Relation, Scope, Store, StoreError};
use serde_json::{json, Value};

pub async fn bulk_load_then_query(s: &dyn Store, t: &str) {
    // Enough rows to span several insert batches on both backends.
    let users: Vec<(EntityKind, Value)> = (0..12_000)
        .map(|i| {
            (
                EntityKind::User,
                user(
                    &format!("u{i:05}"),
                    &format!("u{i}@x.edu"),
                    json!({"student": {"externalId": format!("S{i}")}}),
                ),
            )
        })
        .collect();
    let mut entities = users;
    entities.push((EntityKind::Class, class("c1", "c1", json!({}))));
    entities.push((
        EntityKind::School,
        json!({"id": "s1", "displayName": "North"}),
    ));
    let mut links: Vec<(Relation, String, String)> = (0..11_000)
        .map(|i| (Relation::ClassMembers, "c1".to_string(), format!("u{i:05}")))
        .collect();
    links.push((Relation::SchoolClasses, "s1".into(), "c1".into()));
    s.bulk_load(t, &entities, &links).await.unwrap();

    let count = |kind| ListQuery {
        count: true,
        limit: 1,
        ..all(kind)
    };
    assert_eq!(
        s.list(t, &count(EntityKind::User)).await.unwrap().total,
        Some(12_000)
    );
    assert!(s
        .get(t, EntityKind::User, "u11999")
        .await
        .unwrap()
        .is_some());
    let members = ListQuery {
        scope: Scope::Outgoing(Relation::ClassMembers, "c1".into()),
        ..count(EntityKind::User)
    };
    assert_eq!(s.list(t, &members).await.unwrap().total, Some(11_000));
    assert!(s
        .has_link(t, Relation::SchoolClasses, "s1", "c1")
        .await
        .unwrap());

    // Every entity has a change; the log pages like any other.
    let upto = s.latest_seq(t).await.unwrap();
    let users = s
        .changes(t, EntityKind::User, 0, upto, 20_000)
        .await
        .unwrap();
    assert_eq!(users.len(), 12_000);
    assert!(users.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(
        s.changes(t, EntityKind::School, 0, upto, 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // Later writes work as usual, uniqueness included.
    let err = s
        .create(t, EntityKind::User, &user("new", "U5@X.EDU", json!({})))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref p) if p == "userPrincipalName"),
        "{err:?}"
    );
    s.delete(t, EntityKind::User, "u00005").await.unwrap();
    let after = s
        .changes(
            t,
            EntityKind::Class,
            upto,
            s.latest_seq(t).await.unwrap(),
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        after.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        ["c1"]
    );
}

pub async fn bulk_load_is_all_or_nothing(s: &dyn Store, t: &str) {
    let ok = vec![(EntityKind::User, user("a", "a@x.edu", json!({})))];
    s.bulk_load(t, &ok, &[]).await.unwrap();
    // A duplicate principal name (in another case) rejects the whole load.
    let bad = vec![
        (EntityKind::User, user("b", "b@x.edu", json!({}))),
        (
            EntityKind::User,
            user("c", "A@x.edu", json!({"mailNickname": "c"})),
        ),
    ];
    let err = s.bulk_load(t, &bad, &[]).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref p) if p == "userPrincipalName"),
        "{err:?}"
    );
    assert_eq!(ids(s, t, &all(EntityKind::User)).await, ["a"]);
    // So does a duplicate link.
    let dup_links = vec![(Relation::SchoolUsers, "s".to_string(), "a".to_string()); 2];
    let err = s
        .bulk_load(t, &[(EntityKind::School, json!({"id": "s"}))], &dup_links)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref p) if p == "link"),
        "{err:?}"
    );
    assert!(s.get(t, EntityKind::School, "s").await.unwrap().is_none());
    let upto = s.latest_seq(t).await.unwrap();
    assert_eq!(
        s.changes(t, EntityKind::User, 0, upto, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(s
        .changes(t, EntityKind::School, 0, upto, 10)
        .await
        .unwrap()
        .is_empty());
}
