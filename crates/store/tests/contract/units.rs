//! Units of work (all or nothing), compare-and-swap on the version, and documents kept
//! byte for byte as written.

use crate::support::{all, id, parse, user};
use edugraph_store::{EntityKind, Op, Relation, Store, StoreError, UnitOfWork};
use serde_json::{json, Value};

const U: EntityKind = EntityKind::User;

pub async fn updates_compare_and_swap_the_version(s: &dyn Store, t: &str) {
    let uid = id();
    let doc = user(&uid, "cas@x.edu", json!({}));
    assert_eq!(s.create(t, U, &doc).await.unwrap().version, 1);
    let first = user(&uid, "cas@x.edu", json!({"displayName": "first"}));
    assert_eq!(s.update(t, U, &first, 1).await.unwrap().version, 2);
    // A writer that read version 1 lost the race: nothing changes.
    let late = user(&uid, "cas@x.edu", json!({"displayName": "late"}));
    assert!(matches!(
        s.update(t, U, &late, 1).await,
        Err(StoreError::Stale)
    ));
    let now = s.get(t, U, &uid).await.unwrap().unwrap();
    assert_eq!((parse(&now.json), now.version), (first, 2));
    // A conditional delete too.
    let stale_delete = UnitOfWork::new().delete(U, &uid, Some(1));
    assert!(matches!(
        s.apply(t, &stale_delete).await,
        Err(StoreError::Stale)
    ));
    assert!(s.get(t, U, &uid).await.unwrap().is_some());
    s.apply(t, &UnitOfWork::new().delete(U, &uid, Some(2)))
        .await
        .unwrap();
    assert!(s.get(t, U, &uid).await.unwrap().is_none());
    assert!(matches!(
        s.apply(t, &UnitOfWork::new().delete(U, &uid, Some(2)))
            .await,
        Err(StoreError::NotFound)
    ));
}

/// Writers that each set their own property, merging into the version they read and
/// retrying when they lose, never lose each other's changes.
pub async fn racing_read_merge_writes_all_land(s: &dyn Store, t: &str) {
    let uid = id();
    s.create(t, U, &user(&uid, "race@x.edu", json!({})))
        .await
        .unwrap();
    let uid = uid.as_str();
    let writers = (0..40).map(|i| async move {
        loop {
            let current = s.get(t, U, uid).await.unwrap().unwrap();
            let mut doc = parse(&current.json);
            doc[format!("p{i}")] = json!(i);
            match s.update(t, U, &doc, current.version).await {
                Ok(_) => return,
                Err(StoreError::Stale) => continue,
                Err(e) => panic!("{e}"),
            }
        }
    });
    futures::future::join_all(writers).await;
    let end = s.get(t, U, uid).await.unwrap().unwrap();
    assert_eq!(end.version, 41);
    let doc = parse(&end.json);
    for i in 0..40 {
        assert_eq!(doc[format!("p{i}")], json!(i), "p{i} lost");
    }
}

/// A unit of work that fails midway leaves nothing: no entity, no secret, no link, no
/// change for delta.
pub async fn a_failed_unit_of_work_leaves_nothing(s: &dyn Store, t: &str) {
    let (a, b, k) = (id(), id(), id());
    s.create(t, U, &user(&b, "taken@x.edu", json!({})))
        .await
        .unwrap();
    s.create(
        t,
        EntityKind::Class,
        &json!({"id": k, "displayName": "K", "mailNickname": k}),
    )
    .await
    .unwrap();
    let before = s.latest_seq(t).await.unwrap();
    let work = UnitOfWork::new()
        .create(U, user(&a, "new@x.edu", json!({})))
        .set_password(&a, "$argon2id$hash")
        .link(Relation::ClassMembers, &k, &a)
        .update(U, user(&b, "taken@x.edu", json!({"displayName": "x"})), 1)
        // Fails: the new user's principal name is taken.
        .create(U, user(&id(), "NEW@x.edu", json!({})));
    assert!(matches!(
        s.apply(t, &work).await,
        Err(StoreError::Conflict(p)) if p == "userPrincipalName"
    ));
    assert!(s.get(t, U, &a).await.unwrap().is_none());
    assert!(s.password_hash(t, &a).await.unwrap().is_none());
    assert!(!s.has_link(t, Relation::ClassMembers, &k, &a).await.unwrap());
    let b_now = s.get(t, U, &b).await.unwrap().unwrap();
    assert_eq!(b_now.version, 1);
    assert_eq!(s.latest_seq(t).await.unwrap(), before);

    // The same unit without the failing step applies whole, in order.
    let mut ok = work.clone();
    ok.ops.pop();
    let docs = s.apply(t, &ok).await.unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!((docs[0].id.as_str(), docs[0].version), (a.as_str(), 1));
    assert_eq!((docs[1].id.as_str(), docs[1].version), (b.as_str(), 2));
    assert_eq!(
        s.password_hash(t, &a).await.unwrap().as_deref(),
        Some("$argon2id$hash")
    );
    assert!(s.has_link(t, Relation::ClassMembers, &k, &a).await.unwrap());
    // A stale step fails the unit too.
    let stale = UnitOfWork::new().delete(U, &a, None).push(Op::Update {
        kind: U,
        doc: user(&b, "taken@x.edu", json!({})),
        version: 1,
    });
    assert!(matches!(s.apply(t, &stale).await, Err(StoreError::Stale)));
    assert!(s.get(t, U, &a).await.unwrap().is_some());
}

/// What goes in comes out, byte for byte: key order (control information first),
/// spacing and number forms, on every read path.
pub async fn documents_come_back_as_written(s: &dyn Store, t: &str) {
    let uid = format!("bytes-{}", id());
    let doc: Value = json!({
        "@odata.type": "#microsoft.graph.educationUser",
        "id": uid,
        "displayName": "Zoë \"Z\" Ångström",
        "mail": null,
        "student": {"grade": "9", "externalId": "S-1", "birthDate": null},
        "businessPhones": ["+1 555", "2"],
        "weight": 2.5,
        "accountEnabled": true,
    });
    let want = format!(
        "{{\"@odata.type\":\"#microsoft.graph.educationUser\",\"id\":\"{uid}\",\
         \"displayName\":\"Zoë \\\"Z\\\" Ångström\",\"mail\":null,\
         \"student\":{{\"grade\":\"9\",\"externalId\":\"S-1\",\"birthDate\":null}},\
         \"businessPhones\":[\"+1 555\",\"2\"],\"weight\":2.5,\"accountEnabled\":true}}"
    );
    assert_eq!(s.create(t, U, &doc).await.unwrap().json, want);
    assert_eq!(s.get(t, U, &uid).await.unwrap().unwrap().json, want);
    let many = s.get_many(t, U, std::slice::from_ref(&uid)).await.unwrap();
    assert_eq!(many[0].json, want);
    let page = s.list(t, &all(U)).await.unwrap();
    assert_eq!(page.items[0].json, want);
    assert_eq!(page.items[0].version, 1);
    let changes = s.changes(t, U, None, 0, i64::MAX, 10).await.unwrap();
    assert_eq!(changes[0].doc.as_deref(), Some(want.as_str()));
    // An update keeps the order it is given, too.
    let mut changed = doc.clone();
    changed["displayName"] = json!("Z");
    let got = s.update(t, U, &changed, 1).await.unwrap();
    let want2 = want.replace("Zoë \\\"Z\\\" Ångström", "Z");
    assert_eq!(got.json, want2);
    assert_eq!(s.get(t, U, &uid).await.unwrap().unwrap().json, want2);
}
