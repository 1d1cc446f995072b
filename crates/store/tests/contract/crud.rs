//! Entities: create, read, replace, delete, and the uniqueness rules.

use crate::support::{class, id, parse, school, user};
use edugraph_store::{EntityKind, Store, StoreError};
use serde_json::json;

fn conflict_on(err: StoreError) -> String {
    match err {
        StoreError::Conflict(prop) => prop,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub async fn create_get_replace_delete(s: &dyn Store, t: &str) {
    let uid = id();
    let doc = user(
        &uid,
        "ada@contoso.edu",
        json!({"student": {"externalId": "S1", "grade": "9"}}),
    );
    let created = s.create(t, EntityKind::User, &doc).await.unwrap();
    assert_eq!(created.id, uid);
    assert_eq!(parse(&created.json), doc);

    let got = s
        .get(t, EntityKind::User, &uid)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(got.id, uid);
    assert_eq!(parse(&got.json), doc);
    // The kind is part of the key.
    assert!(s.get(t, EntityKind::Class, &uid).await.unwrap().is_none());
    assert!(s.get(t, EntityKind::User, "nope").await.unwrap().is_none());

    let mut changed = doc.clone();
    changed["displayName"] = json!("Ada L.");
    assert_eq!((created.version, got.version), (1, 1));
    let replaced = s.update(t, EntityKind::User, &changed, 1).await.unwrap();
    assert_eq!(parse(&replaced.json), changed);
    assert_eq!(replaced.version, 2);
    assert_eq!(
        parse(
            &s.get(t, EntityKind::User, &uid)
                .await
                .unwrap()
                .unwrap()
                .json
        ),
        changed
    );

    s.delete(t, EntityKind::User, &uid).await.unwrap();
    assert!(s.get(t, EntityKind::User, &uid).await.unwrap().is_none());
    assert!(matches!(
        s.delete(t, EntityKind::User, &uid).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.update(t, EntityKind::User, &changed, 2).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn create_rejects_taken_ids_and_unique_properties(s: &dyn Store, t: &str) {
    let a = id();
    s.create(
        t,
        EntityKind::User,
        &user(&a, "Grace@Contoso.edu", json!({})),
    )
    .await
    .unwrap();

    let err = s
        .create(
            t,
            EntityKind::User,
            &user(&a, "other@contoso.edu", json!({})),
        )
        .await
        .unwrap_err();
    assert_eq!(conflict_on(err), "id");

    // Same principal name in another case; a distinct nickname so only the name clashes.
    let doc = user(&id(), "grace@CONTOSO.EDU", json!({"mailNickname": "g2"}));
    assert_eq!(
        conflict_on(s.create(t, EntityKind::User, &doc).await.unwrap_err()),
        "userPrincipalName"
    );

    let doc = user(&id(), "g3@contoso.edu", json!({"mailNickname": "GRACE"}));
    assert_eq!(
        conflict_on(s.create(t, EntityKind::User, &doc).await.unwrap_err()),
        "mailNickname"
    );

    // Classes have their own nickname space: a class may reuse a user's nickname...
    let c = id();
    s.create(t, EntityKind::Class, &class(&c, "grace", json!({})))
        .await
        .unwrap();
    // ...but not another class's.
    let err = s
        .create(t, EntityKind::Class, &class(&id(), "Grace", json!({})))
        .await
        .unwrap_err();
    assert_eq!(conflict_on(err), "mailNickname");

    // Documents without the properties never clash.
    s.create(
        t,
        EntityKind::User,
        &json!({"id": id(), "displayName": "no names"}),
    )
    .await
    .unwrap();
    s.create(
        t,
        EntityKind::User,
        &json!({"id": id(), "displayName": "no names", "mailNickname": null}),
    )
    .await
    .unwrap();
    s.create(t, EntityKind::School, &school(&id(), "same"))
        .await
        .unwrap();
    s.create(t, EntityKind::School, &school(&id(), "same"))
        .await
        .unwrap();

    // A rejected create leaves nothing behind, not even a change.
    let before = s.latest_seq(t).await.unwrap();
    let dup = user(&id(), "GRACE@contoso.edu", json!({"mailNickname": "fresh"}));
    assert!(s.create(t, EntityKind::User, &dup).await.is_err());
    assert!(s
        .get(t, EntityKind::User, dup["id"].as_str().unwrap())
        .await
        .unwrap()
        .is_none());
    assert_eq!(s.latest_seq(t).await.unwrap(), before);
}

pub async fn replace_keeps_own_unique_values_and_checks_others(s: &dyn Store, t: &str) {
    let (a, b) = (id(), id());
    s.create(t, EntityKind::User, &user(&a, "a@x.edu", json!({})))
        .await
        .unwrap();
    s.create(t, EntityKind::User, &user(&b, "b@x.edu", json!({})))
        .await
        .unwrap();
    // Keeping its own name (in another case) is fine.
    s.update(t, EntityKind::User, &user(&a, "A@X.EDU", json!({})), 1)
        .await
        .unwrap();
    // Taking b's is not, and changes nothing.
    let err = s
        .update(
            t,
            EntityKind::User,
            &user(&a, "B@x.edu", json!({"mailNickname": "a"})),
            2,
        )
        .await
        .unwrap_err();
    assert_eq!(conflict_on(err), "userPrincipalName");
    let still = parse(&s.get(t, EntityKind::User, &a).await.unwrap().unwrap().json);
    assert_eq!(still["userPrincipalName"], "A@X.EDU");
}

pub async fn get_many_skips_missing(s: &dyn Store, t: &str) {
    let ids: Vec<String> = (0..5).map(|_| id()).collect();
    for (i, uid) in ids.iter().enumerate() {
        s.create(
            t,
            EntityKind::User,
            &user(uid, &format!("u{i}@x.edu"), json!({})),
        )
        .await
        .unwrap();
    }
    let mut asked = vec![ids[0].clone(), "missing".to_string(), ids[3].clone()];
    asked.push(ids[4].clone());
    let mut got: Vec<String> = s
        .get_many(t, EntityKind::User, &asked)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    got.sort();
    let mut want = vec![ids[0].clone(), ids[3].clone(), ids[4].clone()];
    want.sort();
    assert_eq!(got, want);
    assert!(s
        .get_many(t, EntityKind::User, &[])
        .await
        .unwrap()
        .is_empty());
    assert!(s
        .get_many(t, EntityKind::Class, &asked)
        .await
        .unwrap()
        .is_empty());
    // More ids than one statement takes.
    let many: Vec<String> = (0..2500)
        .map(|i| format!("x{i}"))
        .chain([ids[1].clone()])
        .collect();
    assert_eq!(
        s.get_many(t, EntityKind::User, &many).await.unwrap().len(),
        1
    );
}

pub async fn unusual_ids_and_documents_round_trip(s: &dyn Store, t: &str) {
    let odd = "it's; \"quoted\" -- %_\\ ünï";
    let doc = json!({
        "id": odd,
        "displayName": "Ünïcödé ✓ 'quote' \"dq\"",
        "nested": {"deep": [1, 2.5, true, null, {"k": "v"}]},
    });
    s.create(t, EntityKind::School, &doc).await.unwrap();
    let got = s.get(t, EntityKind::School, odd).await.unwrap().unwrap();
    assert_eq!(parse(&got.json), doc);
    // A document without an id is refused (a server bug, not a user error).
    assert!(matches!(
        s.create(t, EntityKind::School, &json!({"displayName": "x"}))
            .await,
        Err(StoreError::Other(_))
    ));
}

pub async fn reads_racing_writes_settle_on_the_last_write(s: &dyn Store, t: &str) {
    let uid = id();
    let version = |v: usize| user(&uid, "race@x.edu", json!({"displayName": format!("v{v}")}));
    s.create(t, EntityKind::User, &version(0)).await.unwrap();
    for v in 1..=20 {
        let doc = version(v);
        let write = s.update(t, EntityKind::User, &doc, v as i64);
        let reads = futures::future::join_all((0..5).map(|_| s.get(t, EntityKind::User, &uid)));
        let (written, read) = futures::join!(write, reads);
        written.unwrap();
        for r in read {
            let name = parse(&r.unwrap().unwrap().json)["displayName"].clone();
            assert!(
                name == json!(format!("v{v}")) || name == json!(format!("v{}", v - 1)),
                "{name}"
            );
        }
        let now = s.get(t, EntityKind::User, &uid).await.unwrap().unwrap();
        assert_eq!(parse(&now.json)["displayName"], format!("v{v}"));
    }
    let reads = futures::future::join_all((0..5).map(|_| s.get(t, EntityKind::User, &uid)));
    let (deleted, _) = futures::join!(s.delete(t, EntityKind::User, &uid), reads);
    deleted.unwrap();
    assert!(s.get(t, EntityKind::User, &uid).await.unwrap().is_none());
}
