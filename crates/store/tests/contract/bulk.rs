//! Bulk loads.

use crate::support::{all, class, ids, parse, user};
use edugraph_store::{
    BulkBatch, BulkDoc, EntityKind, ListQuery, Relation, Scope, Store, StoreError,
};
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
        .changes(t, EntityKind::User, None, 0, upto, 20_000)
        .await
        .unwrap();
    assert_eq!(users.len(), 12_000);
    assert!(users.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(
        s.changes(t, EntityKind::School, None, 0, upto, 10)
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
            None,
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
        s.changes(t, EntityKind::User, None, 0, upto, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(s
        .changes(t, EntityKind::School, None, 0, upto, 10)
        .await
        .unwrap()
        .is_empty());
}

/// A school's worth of rows: a school, a class and `n` users linked to both. The users
/// arrive as JSON text, the school and class parsed: a load takes both.
fn school_batch(s: usize, n: usize) -> BulkBatch {
    let (school, class_id) = (format!("s{s}"), format!("c{s}"));
    let mut entities = vec![
        (
            EntityKind::School,
            json!({"id": school, "displayName": "S"}).into(),
        ),
        (
            EntityKind::Class,
            class(&class_id, &class_id, json!({})).into(),
        ),
    ];
    let mut links = vec![(Relation::SchoolClasses, school.clone(), class_id.clone())];
    for i in 0..n {
        let id = format!("u{s}-{i:04}");
        let doc = user(&id, &format!("{id}@x.edu"), json!({}));
        let json = doc.to_string();
        entities.push((
            EntityKind::User,
            BulkDoc::Text {
                id: id.clone(),
                json,
            },
        ));
        links.push((Relation::SchoolUsers, school.clone(), id.clone()));
        links.push((Relation::ClassMembers, class_id.clone(), id));
    }
    (entities, links)
}

pub async fn bulk_load_batches_loads_every_batch(s: &dyn Store, t: &str) {
    // Batches large enough to span several insert chunks, streamed one at a time.
    let mut batches = (0..3).map(|k| school_batch(k, 6_000));
    s.bulk_load_batches(t, &mut batches).await.unwrap();
    let count = |kind| ListQuery {
        count: true,
        limit: 1,
        ..all(kind)
    };
    assert_eq!(
        s.list(t, &count(EntityKind::User)).await.unwrap().total,
        Some(18_000)
    );
    let members = ListQuery {
        scope: Scope::Outgoing(Relation::ClassMembers, "c2".into()),
        ..count(EntityKind::User)
    };
    assert_eq!(s.list(t, &members).await.unwrap().total, Some(6_000));
    assert!(s
        .has_link(t, Relation::SchoolUsers, "s1", "u1-5999")
        .await
        .unwrap());
    // A document given as text is stored as that text, found by its unique name.
    let stored = s
        .get(t, EntityKind::User, "u1-0005")
        .await
        .unwrap()
        .unwrap();
    let expected = user("u1-0005", "u1-0005@x.edu", json!({}));
    assert_eq!(parse(&stored.json), expected);
    let taken = s
        .create(
            t,
            EntityKind::User,
            &user("other", "U1-0005@X.EDU", json!({})),
        )
        .await
        .unwrap_err();
    assert!(matches!(taken, StoreError::Conflict(_)), "{taken:?}");
    // One change per entity, with increasing sequence numbers.
    let upto = s.latest_seq(t).await.unwrap();
    let users = s
        .changes(t, EntityKind::User, None, 0, upto, 20_000)
        .await
        .unwrap();
    assert_eq!(users.len(), 18_000);
    assert!(users.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(users.iter().all(|c| c.doc.is_some()));
    assert_eq!(
        s.changes(t, EntityKind::School, None, 0, upto, 10)
            .await
            .unwrap()
            .len(),
        3
    );
    // A scoped listing needs its own entity, even where a load left links dangling.
    let mut dangling = std::iter::once((
        Vec::new(),
        vec![(
            Relation::ClassMembers,
            "ghost".to_string(),
            "u0-0000".to_string(),
        )],
    ));
    s.bulk_load_batches(t, &mut dangling).await.unwrap();
    let ghost = ListQuery {
        scope: Scope::Outgoing(Relation::ClassMembers, "ghost".into()),
        ..count(EntityKind::User)
    };
    let page = s.list(t, &ghost).await.unwrap();
    assert!(page.items.is_empty() && !page.more, "{page:?}");
    let ghost_classes = ListQuery {
        scope: Scope::Incoming(Relation::ClassMembers, "u0-0000".into()),
        ..all(EntityKind::Class)
    };
    assert_eq!(ids(s, t, &ghost_classes).await, ["c0"]);
    // An empty stream loads nothing and is no error.
    s.bulk_load_batches(t, &mut std::iter::empty())
        .await
        .unwrap();
    assert_eq!(s.latest_seq(t).await.unwrap(), upto);
}

pub async fn bulk_load_batches_is_all_or_nothing(s: &dyn Store, t: &str) {
    // The third batch reuses a principal name of the first: nothing of the stream stays.
    let mut clash = school_batch(2, 10);
    clash.0.push((
        EntityKind::User,
        user("late", "U0-0003@X.EDU", json!({"mailNickname": "late"})).into(),
    ));
    let mut batches = vec![school_batch(0, 10), school_batch(1, 10), clash].into_iter();
    let err = s.bulk_load_batches(t, &mut batches).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(ref p) if p == "userPrincipalName"),
        "{err:?}"
    );
    assert!(ids(s, t, &all(EntityKind::User)).await.is_empty());
    assert!(ids(s, t, &all(EntityKind::School)).await.is_empty());
    assert_eq!(s.latest_seq(t).await.unwrap(), 0);
    assert!(s.tenant_is_empty(t).await.unwrap());
}
