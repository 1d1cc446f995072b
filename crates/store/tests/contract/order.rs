//! Listings: `$orderby`, paging and counts, alone and within a scope.

use crate::filters::{eq, path, people, s, text};
use crate::support::{all, class, ids, user};
use edugraph_odata::{EdmType, OrderBy, PropertyPath};
use edugraph_store::{EntityKind, ListQuery, Relation, Scope, Store};
use serde_json::json;

pub async fn orderby_multi_key(st: &dyn Store, t: &str) {
    people(st, t).await;
    let by = |keys: &[(PropertyPath, bool)]| {
        keys.iter()
            .map(|(path, desc)| OrderBy {
                path: path.clone(),
                desc: *desc,
            })
            .collect::<Vec<_>>()
    };
    let order = |keys: Vec<OrderBy>| async move {
        ids(
            st,
            t,
            &ListQuery {
                orderby: &keys,
                ..all(EntityKind::User)
            },
        )
        .await
    };
    // Text sorts in byte order (upper case first) on every backend.
    assert_eq!(
        order(by(&[(text("displayName"), false)])).await,
        ["u1", "u3", "u2", "u4"]
    );
    assert_eq!(
        order(by(&[(text("displayName"), true)])).await,
        ["u4", "u2", "u3", "u1"]
    );
    let score = path("score", EdmType::Integer);
    // Equal keys fall back to the id; numbers sort as numbers.
    assert_eq!(
        order(by(&[(score.clone(), true)])).await,
        ["u2", "u4", "u1", "u3"]
    );
    assert_eq!(
        order(by(&[(score.clone(), false)])).await,
        ["u3", "u1", "u2", "u4"]
    );
    let role = text("primaryRole");
    assert_eq!(
        order(by(&[(role.clone(), true), (score.clone(), false)])).await,
        ["u2", "u3", "u1", "u4"]
    );
    assert_eq!(
        order(by(&[(role, false), (text("displayName"), true)])).await,
        ["u4", "u3", "u1", "u2"]
    );
    // Nulls come first ascending and last descending.
    assert_eq!(
        order(by(&[(text("mail"), false)])).await,
        ["u1", "u2", "u4", "u3"]
    );
    assert_eq!(
        order(by(&[(text("mail"), true)])).await,
        ["u3", "u1", "u2", "u4"]
    );
    assert_eq!(
        order(by(&[(text("student/externalId"), true)])).await,
        ["u3", "u1", "u2", "u4"]
    );
    let enabled = path("accountEnabled", EdmType::Boolean);
    assert_eq!(
        order(by(&[(enabled, true)])).await,
        ["u1", "u3", "u2", "u4"]
    );
}

pub async fn paging_and_count(st: &dyn Store, t: &str) {
    for i in 0..25 {
        let extra = json!({"primaryRole": if i % 2 == 0 { "student" } else { "teacher" }});
        st.create(
            t,
            EntityKind::User,
            &user(&format!("p{i:02}"), &format!("p{i}@x.edu"), extra),
        )
        .await
        .unwrap();
    }
    let page = |skip: u64, limit: u32| ListQuery {
        skip,
        limit,
        count: true,
        ..all(EntityKind::User)
    };
    let mut seen = Vec::new();
    let mut skip = 0;
    loop {
        let p = st.list(t, &page(skip, 10)).await.unwrap();
        assert_eq!(p.total, Some(25));
        seen.extend(p.items.iter().map(|d| d.id.clone()));
        skip += 10;
        if !p.more {
            assert_eq!(p.items.len(), 5);
            break;
        }
        assert_eq!(p.items.len(), 10);
    }
    let want: Vec<String> = (0..25).map(|i| format!("p{i:02}")).collect();
    assert_eq!(seen, want, "pages join up in id order");
    let exact = st.list(t, &page(15, 10)).await.unwrap();
    assert_eq!(
        (exact.items.len(), exact.more),
        (10, false),
        "no more when the page ends at the last row"
    );
    let past = st.list(t, &page(40, 10)).await.unwrap();
    assert!(past.items.is_empty() && !past.more);
    let uncounted = st
        .list(
            t,
            &ListQuery {
                limit: 3,
                ..all(EntityKind::User)
            },
        )
        .await
        .unwrap();
    assert_eq!(uncounted.total, None);
    // The count follows the filter, not the page.
    let f = eq(text("primaryRole"), s("teacher"));
    let p = st
        .list(
            t,
            &ListQuery {
                filter: Some(&f),
                limit: 5,
                count: true,
                ..all(EntityKind::User)
            },
        )
        .await
        .unwrap();
    assert_eq!((p.items.len(), p.total, p.more), (5, Some(12), true));
    assert_eq!(p.items[0].id, "p01");
    let zero = st
        .list(
            t,
            &ListQuery {
                limit: 0,
                count: true,
                ..all(EntityKind::User)
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (zero.items.len(), zero.total, zero.more),
        (0, Some(25), true)
    );
}

pub async fn scoped_filters(st: &dyn Store, t: &str) {
    people(st, t).await;
    st.create(t, EntityKind::Class, &class("c1", "c1", json!({})))
        .await
        .unwrap();
    for u in ["u1", "u2", "u3"] {
        st.add_link(t, Relation::ClassMembers, "c1", u)
            .await
            .unwrap();
    }
    let members = Scope::Outgoing(Relation::ClassMembers, "c1".into());
    let f = eq(text("primaryRole"), s("student"));
    let keys = [OrderBy {
        path: text("displayName"),
        desc: true,
    }];
    let q = ListQuery {
        scope: members,
        filter: Some(&f),
        orderby: &keys,
        count: true,
        ..all(EntityKind::User)
    };
    let p = st.list(t, &q).await.unwrap();
    assert_eq!(
        p.items.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["u3", "u1"]
    );
    assert_eq!(p.total, Some(2));
    let classes = Scope::Incoming(Relation::ClassMembers, "u2".into());
    let q = ListQuery {
        scope: classes,
        count: true,
        ..all(EntityKind::Class)
    };
    assert_eq!(st.list(t, &q).await.unwrap().total, Some(1));
}
